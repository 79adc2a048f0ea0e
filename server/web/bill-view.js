// The table's bill in the orders sheet: its total with tax, what was paid
// and what is still due, and "your share" — what this diner added to the
// shared cart, with its part of the tax, as staff split it by person.
// Only the current visit's: the server answers nothing of an earlier one.

import { h } from './dom.js';
import { pick } from './i18n.js';
import { S, fmt, tr } from './state.js';

export function billSection() {
  const b = S.bill;
  if (!b || b.visit_id !== S.table.visit_id || !b.lines.length) return null;
  const mine = b.mine;
  return h('section', { class: 'bill', 'aria-labelledby': 'bill-title', 'data-role': 'bill' },
    h('h3', { id: 'bill-title' }, tr('bill_title')),
    h('dl', { class: 'bill-sums' },
      h('dt', {}, b.tax_included ? tr('bill_tax_incl', { rate: b.tax_rate_bp / 100 }) : tr('bill_tax_added', { rate: b.tax_rate_bp / 100 })),
      h('dd', {}, fmt(b.tax.amount_minor)),
      h('dt', {}, tr('total')), h('dd', { 'data-role': 'bill-total' }, fmt(b.total.amount_minor)),
      b.paid.amount_minor ? [h('dt', {}, tr('bill_paid')), h('dd', { 'data-role': 'bill-paid' }, fmt(b.paid.amount_minor))] : null,
      h('dt', { class: 'due' }, tr('bill_due')), h('dd', { class: 'due', 'data-role': 'bill-due' }, fmt(b.due.amount_minor))),
    mine ? h('div', { class: 'mine', 'data-role': 'my-share' },
      h('div', { class: 'total-row big' }, h('span', {}, tr('bill_mine')), h('strong', { 'data-minor': mine.total.amount_minor }, fmt(mine.total.amount_minor))),
      h('ul', { class: 'mine-lines' }, mine.lines.map((l) => h('li', {},
        h('span', { class: 'qty' }, `${l.qty}×`), h('span', { class: 'name' }, pick(S.lang, l.name)),
        h('span', { class: 'line-price' }, fmt(l.line_total.amount_minor))))),
      h('p', { class: 'hint' }, mine.due.amount_minor === 0 && mine.total.amount_minor > 0 ? tr('bill_mine_paid')
        : tr('bill_mine_hint', { tax: fmt(mine.tax.amount_minor) })))
      : h('p', { class: 'hint' }, tr('bill_mine_none')));
}
