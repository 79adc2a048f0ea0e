// Today's orders (of the restaurant's business day), kept whichever page is
// shown: loaded from GET /orders on `resync`, then changed by the socket's
// messages and by status changes made here. A new order chimes and is told.

import { api } from './api.js';
import { businessDayStart } from './i18n.js';
import { S, tr, views, withStatusOf } from './state.js';
import { beep } from './beep.js';
import { toast } from './toasts.js';

/** id → Order. */
export const orders = new Map();
export const FLOW = ['placed', 'accepted', 'preparing', 'ready', 'served'];
const STAMP = { accepted: 'accepted_at', preparing: 'preparing_at', ready: 'ready_at', served: 'served_at', cancelled: 'cancelled_at' };
let since = 0;
let loaded = false;

/** Orders newest first. */
export function newestFirst() {
  return [...orders.values()].sort((a, b) => b.created_at - a.created_at || b.id - a.id);
}

export function isLoaded() {
  return loaded;
}

let loading = null;
let again = false;
/** Reloads today's orders (one fetch at a time; a call during one fetches once more after it). */
export function reloadOrders() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      do {
        again = false;
        since = businessDayStart(Date.now(), S.restaurant.timezone);
        const list = await api('GET', `/orders?since=${since}&limit=1000`);
        orders.clear();
        for (const o of list) orders.set(o.id, o);
        loaded = true;
      } while (again);
    } finally {
      loading = null;
    }
    if (S.page === 'orders') views.page();
  })();
  return loading;
}

export function orderPlaced(order) {
  const fresh = !orders.has(order.id);
  orders.set(order.id, order);
  if (fresh && order.created_at >= since) {
    beep();
    toast(tr('new_order', { n: order.number, table: order.table_name }));
  }
  if (S.page === 'orders') views.page({ fresh: fresh ? order.id : null });
}

export function orderStatus(id, status) {
  const o = orders.get(id);
  if (!o) {
    // An order of before this page's load (or of another day): fetch it.
    api('GET', `/orders/${id}`).then((order) => {
      if (order.created_at >= since) orderPlacedQuietly(order);
    }).catch(() => {});
    return;
  }
  if (o.status === status) return;
  o.status = status;
  if (STAMP[status] && !o[STAMP[status]]) o[STAMP[status]] = Date.now();
  if (S.page === 'orders') views.page();
}

/** `order_changed` (lines voided): the order as it now stands replaces ours. */
export function orderChanged(order) {
  if (!orders.has(order.id) && order.created_at < since) return;
  orders.set(order.id, withStatusOf(orders.get(order.id), order));
  if (S.page === 'orders') views.page();
}

function orderPlacedQuietly(order) {
  orders.set(order.id, order);
  if (S.page === 'orders') views.page();
}

/** The statuses `from` may become, as the server's `OrderStatus::can_become`. */
export function canBecome(from, to) {
  const a = FLOW.indexOf(from);
  const b = FLOW.indexOf(to);
  if (a < 0) return false;
  if (to === 'cancelled') return a < 4;
  return b > a || (from === 'ready' && to === 'preparing');
}

/** PATCHes the status; the answer (the order as it is now) replaces ours. */
export async function changeStatus(id, status) {
  const order = await api('PATCH', `/orders/${id}`, { status });
  orders.set(order.id, order);
  if (S.page === 'orders') views.page();
  return order;
}

/** Fetches one order again (after a refusal). */
export async function refreshOrder(id) {
  const order = await api('GET', `/orders/${id}`);
  orders.set(order.id, order);
  if (S.page === 'orders') views.page();
}
