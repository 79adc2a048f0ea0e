// The table's orders: every order of this visit with its progress through
// the kitchen, the table's total, and its bill with "your share"
// (bill-view.js), fetched when the sheet opens.

import { h, fill, icon, focusTitle } from './dom.js';
import { pick } from './i18n.js';
import { S, el, fmt, tr } from './state.js';
import { renderHeader } from './header.js';
import { loadBill } from './api.js';
import { billSection } from './bill-view.js';

const STATUSES = ['placed', 'accepted', 'preparing', 'ready', 'served'];

export function showOrders() {
  if (el.cartDialog.open) el.cartDialog.close();
  renderOrders();
  loadBill().catch(() => {});
  if (!el.ordersDialog.open) el.ordersDialog.showModal();
  focusTitle(el.ordersDialog);
}

export function renderOrders() {
  if (!S.table) return;
  renderHeader();
  el.ordersTitle.textContent = tr('orders_title');
  const orders = [...S.orders].sort((a, b) => b.created_at - a.created_at);
  const total = orders.filter((o) => o.status !== 'cancelled').reduce((s, o) => s + o.total.amount_minor, 0);
  if (!orders.length) {
    fill(el.ordersBody, h('p', { class: 'empty' }, icon('receipt', 32), tr('orders_empty')));
    return;
  }
  const time = new Intl.DateTimeFormat(S.lang, { hour: 'numeric', minute: '2-digit' });
  fill(el.ordersBody,
    h('ul', { class: 'orders' }, ...orders.map((o) => {
      const rank = STATUSES.indexOf(o.status);
      return h('li', { class: `order status-${o.status}`, 'data-order': o.id },
        h('div', { class: 'order-head' },
          h('h3', {}, tr('order_n', { n: o.number })),
          h('span', { class: 'time' }, time.format(new Date(o.created_at))),
          h('span', { class: `pill status-pill status-${o.status}`, 'data-status': o.status }, tr(`status_${o.status}`))),
        o.status === 'cancelled' ? null : h('ol', { class: 'progress', 'aria-label': tr('progress', { n: o.number }) },
          ...STATUSES.map((s, i) => h('li', { class: i < rank ? 'done' : i === rank ? 'current' : '', 'aria-current': i === rank ? 'step' : null },
            h('span', { class: 'dot', 'aria-hidden': 'true' }, i < rank ? icon('check', 12) : null),
            h('span', { class: 'step-label' }, tr(`step_${s}`))))),
        h('ul', { class: 'order-lines' }, ...o.items.filter((l) => !l.voided).map((l) => h('li', {},
          h('span', { class: 'qty' }, `${l.qty}×`),
          h('span', { class: 'line-text' }, h('span', { class: 'name' }, pick(S.lang, l.name)),
            l.options.length ? h('span', { class: 'opts' }, l.options.map((x) => pick(S.lang, x.option)).join(', ')) : null,
            l.note ? h('span', { class: 'note' }, l.note) : null),
          h('span', { class: 'line-price' }, fmt(l.line_total.amount_minor))))),
        h('div', { class: 'total-row' }, h('span', {}, tr('total')), h('strong', {}, fmt(o.total.amount_minor))));
    })),
    h('div', { class: 'total-row big table-total' }, h('span', {}, tr('table_total')), h('strong', {}, fmt(total))),
    billSection());
}
