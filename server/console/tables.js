// The tables page: list, create, rename, take out of service, a new QR
// code (warning that the printed one stops working), and downloads of a
// table's QR code (PNG, SVG) and of the printable sheet of all (PDF).

import { h, fill, field, icon } from './dom.js';
import { S, tr, when } from './state.js';
import { api, ApiFailure, download, failureText } from './api.js';
import { confirmDialog } from './dialogs.js';
import { toast } from './toasts.js';

const T = { tables: null, renaming: null };

export function renderTables(main) {
  if (main.dataset.view !== 'tables') {
    main.dataset.view = 'tables';
    T.tables = null;
    load().catch((e) => toast(failureText(e), { kind: 'error' }));
  }
  draw(main);
}

async function load() {
  T.tables = await api('GET', '/tables');
  T.tables.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const main = document.getElementById('main');
  if (S.page === 'tables' && main.dataset.view === 'tables') draw(main);
}

function draw(main) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const create = h('form', {
    class: 'row new-table', onsubmit: async (e) => {
      e.preventDefault();
      const name = create.elements.name.value.trim();
      if (!name) { create.elements.name.focus(); return; }
      try {
        await api('POST', '/tables', { name });
        create.reset();
        await load();
      } catch (err) {
        error.textContent = err instanceof ApiFailure && err.status === 409 ? tr('name_taken') : failureText(err);
      }
    },
  }, field(tr('table_name'), h('input', { name: 'name', autocomplete: 'off', 'data-key': 'new-table-name' })),
  h('button', { type: 'submit', class: 'btn btn-primary' }, icon('plus', 18), tr('new_table')));
  const keep = main.querySelector('.new-table input')?.value;
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('tables_title')),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'pdf', disabled: !T.tables?.some((t) => t.active), onclick: () => get('/tables/qr-sheet.pdf', 'tables.pdf') }, icon('download', 18), tr('pdf_sheet')))),
    h('div', { class: 'card-box' }, create, error),
    T.tables === null ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
      : T.tables.length === 0 ? h('p', { class: 'empty' }, tr('no_tables'))
        : h('table', { class: 'tables' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tr('table_name')), h('th', { scope: 'col' }, tr('active')), h('th', { scope: 'col' }, tr('rotated_at')), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('edit'))))),
          h('tbody', {}, T.tables.map(row))));
  if (keep) main.querySelector('.new-table input').value = keep;
}

function row(t) {
  const main = document.getElementById('main');
  const name = T.renaming === t.id
    ? h('form', {
      class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        const value = e.currentTarget.elements.name.value.trim();
        if (!value) return;
        await patch(t, { name: value });
        T.renaming = null;
        draw(main);
      },
    }, h('input', { name: 'name', value: t.name, 'aria-label': tr('table_name'), 'data-key': `rename-${t.id}` }),
    h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, tr('save')),
    h('button', { type: 'button', class: 'btn btn-small', onclick: () => { T.renaming = null; draw(main); } }, tr('cancel')))
    : h('span', { class: 'table-name' }, t.name);
  return h('tr', { class: t.active ? '' : 'is-out', 'data-table': t.id },
    h('th', { scope: 'row' }, name),
    h('td', {}, h('span', { class: `pill ${t.active ? 'pill-ready' : 'pill-cancelled'}` }, t.active ? tr('active') : tr('inactive'))),
    h('td', {}, when(t.token_rotated_at, true)),
    h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${tr('rename')}: ${t.name}`, onclick: () => { T.renaming = t.id; draw(main); main.querySelector(`[data-key="rename-${t.id}"]`)?.focus(); } }, icon('edit', 16), tr('rename')),
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${tr('qr_png')}: ${t.name}`, onclick: () => get(`/tables/${t.id}/qr.png`, `${t.name}.png`) }, icon('download', 16), tr('qr_png')),
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${tr('qr_svg')}: ${t.name}`, onclick: () => get(`/tables/${t.id}/qr.svg`, `${t.name}.svg`) }, icon('download', 16), tr('qr_svg')),
      h('a', { class: 'btn btn-small', href: t.url, target: '_blank', rel: 'noopener', hidden: !t.active }, tr('open_page')),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => rotate(t) }, icon('refresh', 16), tr('rotate')),
      h('button', { type: 'button', class: 'btn btn-small btn-quiet-danger', onclick: () => patch(t, { active: !t.active }) }, t.active ? tr('deactivate') : tr('activate'))));
}

async function patch(t, change) {
  try {
    await api('PATCH', `/tables/${t.id}`, change);
  } catch (e) {
    toast(e instanceof ApiFailure && e.status === 409 ? tr('name_taken') : failureText(e), { kind: 'error' });
  }
  await load();
}

async function rotate(t) {
  if (!await confirmDialog({ title: tr('rotate_q', { name: t.name }), body: tr('rotate_warn'), ok: tr('rotate'), danger: true })) return;
  try {
    await api('POST', `/tables/${t.id}/rotate-token`);
    toast(tr('rotated'));
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
  await load();
}

async function get(path, filename) {
  try {
    await download(path, filename);
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
}
