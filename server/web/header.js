// The page's header: restaurant and table, how many people are at the
// table, the service button (with the count of requests not done yet), the
// orders button (with the count of open orders), the language switch; and
// the connection bar under it.

import { h, fill, icon } from './dom.js';
import { LANGUAGE_NAMES } from './i18n.js';
import { S, el, tr } from './state.js';
import { locationError } from './ordering.js';

export function renderHeader() {
  el.restaurant.textContent = S.table.restaurant_name;
  el.table.textContent = S.table.table_name;
  const n = Math.max(1, S.participants.length);
  fill(el.people, icon('people', 18), h('span', { 'aria-hidden': 'true' }, String(n)));
  el.people.setAttribute('aria-label', tr('people', { n }));
  el.people.title = tr('people', { n });
  const kinds = S.table.service_kinds || [];
  el.serviceBtn.hidden = kinds.length === 0;
  const pending = S.requests.filter((r) => r.state !== 'done' && kinds.includes(r.kind)).length;
  fill(el.serviceBtn, icon('bell', 18), h('span', { 'aria-hidden': 'true' }, tr('service')),
    pending ? h('span', { class: 'badge', 'aria-hidden': 'true' }, String(pending)) : null);
  el.serviceBtn.setAttribute('aria-label', pending ? tr('service_pending', { n: pending }) : tr('service'));
  const active = S.orders.filter((o) => o.status !== 'served' && o.status !== 'cancelled').length;
  fill(el.ordersBtn, icon('receipt', 18), h('span', { 'aria-hidden': 'true' }, tr('orders')),
    active ? h('span', { class: 'badge', 'aria-hidden': 'true' }, String(active)) : null);
  el.ordersBtn.setAttribute('aria-label', active ? tr('orders_active', { n: active }) : tr('orders'));
  const langs = S.table.languages.filter((l) => l in LANGUAGE_NAMES);
  const next = langs[(langs.indexOf(S.lang) + 1) % langs.length];
  el.lang.hidden = langs.length < 2;
  el.lang.textContent = LANGUAGE_NAMES[next] || next;
  el.lang.setAttribute('lang', next);
}

export function renderConn() {
  if (S.conn === 'refused') {
    // Not a connection problem: nothing to wait for until the phone moves.
    el.conn.hidden = false;
    el.conn.dataset.refused = 'true';
    fill(el.conn, icon('wifi', 18), locationError(S.joinRefusal));
    return;
  }
  if (S.conn === 'gone') {
    // The table's code changed: only scanning the new one helps.
    el.conn.hidden = false;
    el.conn.dataset.refused = 'true';
    fill(el.conn, icon('wifi', 18), tr('conn_table_gone'));
    return;
  }
  if (S.conn === 'busy') {
    // Too many sockets at this table or address: tried again slowly.
    el.conn.hidden = false;
    delete el.conn.dataset.refused;
    fill(el.conn, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr('conn_busy'));
    return;
  }
  delete el.conn.dataset.refused;
  const show = S.conn !== 'open' && (S.everOpen || Date.now() - S.startedAt > 2000);
  el.conn.hidden = !show;
  if (show) fill(el.conn, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(S.everOpen ? 'conn_reconnecting' : 'conn_connecting'));
}
