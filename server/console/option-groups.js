// The option groups of an item in its form: each group with names in both
// languages, min and max, and its options with names and extra price.
// Reads back into the API's OptionGroup shape; keeps ids of what existed.

import { h, field, icon } from './dom.js';
import { minorDigits } from './i18n.js';
import { S, tr } from './state.js';

let counter = 0;
const newId = (p) => `${p}${Date.now().toString(36)}${(counter++).toString(36)}`;

export function toMajor(minor) {
  const d = minorDigits(S.restaurant.currency);
  return (minor / 10 ** d).toFixed(d);
}

/** Minor units from what was typed ("12.50", "9,000"); NaN when not a price. */
export function toMinor(text) {
  const d = minorDigits(S.restaurant.currency);
  const clean = String(text).trim().replace(/[,\s_]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(clean)) return NaN;
  return Math.round(Number(clean) * 10 ** d);
}

/** An editor for `groups`; `.value()` reads them back (throws a message when invalid). */
export function optionGroupsEditor(groups) {
  const list = h('div', { class: 'groups' });
  const root = h('fieldset', { class: 'groups-box' }, h('legend', {}, tr('option_groups')), list,
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => { list.append(groupBox(null)); list.lastChild.querySelector('input').focus(); } },
      icon('plus', 16), tr('add_group')));
  for (const g of groups) list.append(groupBox(g));
  root.value = () => [...list.children].map(readGroup);
  return root;
}

function groupBox(g) {
  const options = h('div', { class: 'options' });
  const box = h('div', { class: 'group', 'data-id': g?.id || newId('g') },
    h('div', { class: 'grid-4' },
      field(tr('group_name_en'), h('input', { name: 'g_en', value: g?.name?.en || '' })),
      field(tr('group_name_ko'), h('input', { name: 'g_ko', lang: 'ko', value: g?.name?.ko || '' })),
      field(tr('min'), h('input', { name: 'g_min', type: 'number', min: '0', step: '1', value: String(g?.min ?? 0) })),
      field(tr('max'), h('input', { name: 'g_max', type: 'number', min: '1', step: '1', value: String(g?.max ?? 1) }))),
    options,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => { options.append(optionRow(null)); options.lastChild.querySelector('input').focus(); } }, icon('plus', 16), tr('add_option')),
      h('button', { type: 'button', class: 'btn btn-small btn-quiet-danger', onclick: () => box.remove() }, icon('trash', 16), tr('remove'))));
  for (const o of g?.options || []) options.append(optionRow(o));
  if (!g) options.append(optionRow(null));
  return box;
}

function optionRow(o) {
  const row = h('div', { class: 'option grid-opt', 'data-id': o?.id || newId('o') },
    field(tr('option_en'), h('input', { name: 'o_en', value: o?.name?.en || '' })),
    field(tr('option_ko'), h('input', { name: 'o_ko', lang: 'ko', value: o?.name?.ko || '' })),
    field(tr('delta'), h('input', { name: 'o_delta', inputmode: 'decimal', value: toMajor(o?.price_delta_minor || 0) })),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': tr('remove'), onclick: () => row.remove() }, icon('trash', 18)));
  return row;
}

function text(en, ko) {
  const t = {};
  if (en.trim()) t.en = en.trim();
  if (ko.trim()) t.ko = ko.trim();
  return t;
}

function readGroup(box) {
  const q = (n) => box.querySelector(`[name=${n}]`).value;
  const name = text(q('g_en'), q('g_ko'));
  if (!name.en && !name.ko) throw new Error(tr('group_name_en'));
  const options = [...box.querySelectorAll('.option')].map((row) => {
    const r = (n) => row.querySelector(`[name=${n}]`).value;
    const delta = toMinor(r('o_delta') || '0');
    if (Number.isNaN(delta)) throw new Error(`${tr('delta')}: ${r('o_delta')}`);
    const oname = text(r('o_en'), r('o_ko'));
    if (!oname.en && !oname.ko) throw new Error(tr('option_en'));
    return { id: row.dataset.id, name: oname, price_delta_minor: delta };
  });
  return { id: box.dataset.id, name, min: Number(q('g_min')) || 0, max: Number(q('g_max')) || 1, options };
}

