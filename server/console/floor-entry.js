// Staff order entry and voids, from a table's panel. "Add order": the
// menu's available dishes, each with a quantity, its options (required
// groups start on their first choice) and a note, placed as the table's
// order with one Idempotency-Key for the form (a retry after a lost answer
// orders once). "Void" on a line: the reason asked, then the void posted.
// The server checks everything again; its refusals are said in words.

import { h, field } from './dom.js';
import { pick } from './i18n.js';
import { S, fmt, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { formDialog } from './dialogs.js';
import { toast } from './toasts.js';

/** 128 random bits in hex (crypto.randomUUID needs a secure context). */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `staff-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function errorLine() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-role': 'entry-error' });
}

function show(node, text) {
  node.textContent = text;
  node.hidden = false;
}

/** A group's control: a select for one choice, checkboxes for several. */
function groupControl(item, g) {
  const label = pick(S.lang, g.name);
  const choice = (o) => `${pick(S.lang, o.name)}${o.price_delta_minor ? ` (${o.price_delta_minor > 0 ? '+' : ''}${fmt(o.price_delta_minor)})` : ''}`;
  if (g.max <= 1) {
    const select = h('select', { 'data-key': `opt-${item.id}-${g.id}` },
      g.min > 0 ? null : h('option', { value: '' }, tr('fe_none')),
      g.options.map((o) => h('option', { value: o.id }, choice(o))));
    return { el: field(label, select), value: () => (select.value ? [select.value] : []) };
  }
  const boxes = g.options.map((o) => ({ id: o.id, box: h('input', { type: 'checkbox', 'data-key': `opt-${item.id}-${g.id}-${o.id}` }), text: choice(o) }));
  return {
    el: h('fieldset', { class: 'entry-group' }, h('legend', {}, label), boxes.map((b) => h('label', { class: 'inline-field' }, b.box, b.text))),
    value: () => boxes.filter((b) => b.box.checked).map((b) => b.id),
  };
}

function dishRow(item) {
  const qty = h('input', { type: 'number', min: '0', max: '99', value: '0', inputmode: 'numeric', class: 'entry-qty', 'data-key': `qty-${item.id}`, 'aria-label': tr('fe_qty', { name: pick(S.lang, item.name) }) });
  const groups = item.option_groups.map((g) => ({ g, ...groupControl(item, g) }));
  const note = h('input', { type: 'text', maxlength: '200', 'data-key': `note-${item.id}` });
  const extra = h('div', { class: 'entry-extra', hidden: true }, groups.map((g) => g.el), field(tr('fe_note'), note));
  qty.addEventListener('input', () => { extra.hidden = !(Number(qty.value) > 0); });
  const left = item.stock === null || item.stock === undefined ? '' : ` · ${tr('fe_left', { n: item.stock })}`;
  return {
    el: h('li', { class: 'entry-dish', 'data-item': item.id },
      h('div', { class: 'entry-head' }, h('span', {}, pick(S.lang, item.name), h('span', { class: 'hint' }, ` ${fmt(item.price.amount_minor)}${left}`)), qty),
      extra),
    qty: () => Math.round(Number(qty.value)) || 0,
    line() {
      const options = {};
      for (const g of groups) {
        const chosen = g.value();
        if (chosen.length) options[g.g.id] = chosen;
      }
      const text = note.value.trim();
      return { menu_item_id: item.id, menu_version: item.version, qty: this.qty(), options, ...(text ? { note: text } : {}) };
    },
  };
}

function entryFailure(e) {
  if (e instanceof ApiFailure && e.code === 'sold_out') return tr('fe_sold_out', { m: e.message });
  if (e instanceof ApiFailure && e.code === 'menu_changed') return tr('fe_menu_changed');
  return failureText(e);
}

/** "Add order" for `table`; `done(order)` once placed. */
export async function addOrder(table, done) {
  let menu;
  try {
    menu = (await api('GET', '/menu-items')).filter((i) => i.available && i.stock !== 0);
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
    return;
  }
  const rows = menu.map(dishRow);
  const error = errorLine();
  const key = newKey();
  await formDialog({
    title: tr('fe_title', { name: table.name }),
    content: [h('ul', { class: 'entry-menu', 'data-role': 'entry-menu' }, rows.map((r) => r.el)), error],
    ok: tr('fe_place'),
    async submit() {
      const picked = rows.filter((r) => r.qty() > 0);
      if (!picked.length) {
        show(error, tr('fe_nothing'));
        return false;
      }
      if (picked.some((r) => r.qty() > 99)) {
        show(error, tr('fe_too_many'));
        return false;
      }
      try {
        const order = await api('POST', `/tables/${table.id}/orders`, { items: picked.map((r) => r.line()) }, { headers: { 'idempotency-key': key } });
        toast(tr('fe_placed', { n: order.number, name: table.name }));
        done(order);
        return true;
      } catch (e) {
        show(error, entryFailure(e));
        return false;
      }
    },
  });
}

function voidFailure(e) {
  if (e instanceof ApiFailure && e.code === 'not_voidable') return tr('fv_not_voidable');
  if (e instanceof ApiFailure && e.code === 'already_voided') return tr('fv_already');
  if (e instanceof ApiFailure && e.code === 'bill_closed') return tr('fv_bill_closed');
  return failureText(e);
}

/** "Void" of `line` of `order`: asks the reason; `done(order)` once voided. */
export async function voidLine(order, line, done) {
  const reason = h('input', { type: 'text', maxlength: '200', required: true, 'data-key': 'void-reason' });
  const error = errorLine();
  await formDialog({
    title: tr('fv_title', { qty: line.qty, name: pick(S.lang, line.name), n: order.number }),
    content: [h('p', { class: 'hint' }, tr('fv_explain')), field(tr('fv_reason'), reason), error],
    ok: tr('fv_void'),
    async submit() {
      const text = reason.value.trim();
      if (!text) {
        show(error, tr('fv_reason_needed'));
        return false;
      }
      try {
        const changed = await api('POST', `/orders/${order.id}/void`, { line_ids: [line.id], reason: text });
        toast(tr('fv_done', { qty: line.qty, name: pick(S.lang, line.name), n: order.number }));
        done(changed);
        return true;
      } catch (e) {
        show(error, voidFailure(e));
        return false;
      }
    },
  });
}
