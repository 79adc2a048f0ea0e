// The table's live link (/ws/tables/{token}, through socket.js): joining,
// the server's messages (cart snapshots and ops, people at the table,
// orders placed, changed by a void and their status, service requests,
// menu changes, resync,
// refusals), sending
// the cart changes made here, and looking now and then when the socket is
// down. The state it keeps is in `S` and `cart`; it redraws through `views`.

import { pick } from './i18n.js';
import { sameOptions } from './cart.js';
import { TableSocket } from './socket.js';
import { S, WS_URL, cart, clientId, el, itemName, store, tr, views, withStatusOf } from './state.js';
import { loadBill, loadMenu, loadOrders, loadRequests, putRequest } from './api.js';
import { toast } from './toasts.js';

/** A sent cart change unanswered this long asks for a snapshot. */
const CHANGE_TIMEOUT_MS = 4000;
/** Without the socket: how often orders and the menu are fetched instead. */
const POLL_ORDERS_MS = 15_000;
const POLL_MENU_MS = 60_000;

let socket = null;

/** Opens the table's socket (once the page has its table and menu) and starts the clock. */
export function connect() {
  socket = new TableSocket(WS_URL, { open: onOpen, message: onMessage, state: onState });
  socket.connect();
  setInterval(tick, 1000);
}

/** Whether the socket is open now (joined or not). */
export function connected() {
  return Boolean(socket?.open);
}

/** Sends `message` if the socket is open; says whether it did. */
export function send(message) {
  return socket?.send(message) ?? false;
}

function onOpen() {
  S.snapshot = false;
  S.joined = false;
  cart.markSync();
  socket.send({ type: 'hello', client_id: clientId, nickname: S.nickname, last_version: cart.version });
}

/** The first snapshot of a connection: the join was accepted (it may not be). */
function joined() {
  if (S.joined) return;
  S.joined = true;
  if (S.everOpen) {
    // Events may have been missed while away.
    loadMenu().catch(() => {});
    loadOrders().catch(() => {});
    loadRequests().catch(() => {});
  }
  S.everOpen = true;
}

function onState(state) {
  S.conn = state;
  if (state !== 'open') {
    S.snapshot = false;
    cart.disconnected();
  }
  markSynced();
  views.conn();
}

/** For tests and styles: whether the page holds the table's live cart now. */
function markSynced() {
  document.body.dataset.live = String(S.conn === 'open' && S.snapshot);
}

function onMessage(m) {
  switch (m.type) {
    case 'cart':
      joined();
      cart.snapshot(m.version, m.lines || []);
      if (m.participants) S.participants = uniquePeople(m.participants);
      S.snapshot = true;
      markSynced();
      flush();
      views.cart();
      views.header();
      break;
    case 'cart_op':
      if (cart.serverOp(m.version, m.op) === 'gap') requestSync();
      views.cart();
      break;
    case 'participants':
      S.participants = uniquePeople(m.participants);
      views.header();
      views.cart();
      break;
    case 'order_placed':
      orderPlaced(m.order, false);
      if (S.bill) loadBill().catch(() => {});
      break;
    case 'order_status': {
      const o = S.orders.find((x) => x.id === m.order_id);
      if (!o) {
        loadOrders().catch(() => {});
        break;
      }
      if (o.status !== m.status) {
        o.status = m.status;
        o[`${m.status}_at`] = Date.now();
        toast(tr('status_toast', { n: o.number, status: tr(`status_${m.status}`) }), views.showOrders);
        views.orders();
      }
      break;
    }
    case 'order_changed': {
      // Staff voided lines of an order: it as it now stands (the sheet
      // leaves voided lines out), and the bill shown follows.
      if (!S.orders.some((x) => x.id === m.order.id)) {
        loadOrders().catch(() => {});
        break;
      }
      S.orders = S.orders.map((x) => (x.id === m.order.id ? withStatusOf(x, m.order) : x));
      views.orders();
      if (S.bill) loadBill().catch(() => {});
      break;
    }
    case 'menu_changed':
      loadMenu().catch(() => {});
      break;
    case 'service_request': {
      const before = S.requests.find((r) => r.id === m.request.id);
      putRequest(m.request);
      // Staff saw it: say so, even with the sheet closed.
      if (m.request.state === 'acked' && before?.state !== 'acked') {
        toast(tr('service_acked_toast', { what: tr(`service_${m.request.kind}`) }));
      }
      break;
    }
    case 'table':
      // A payment taken, or the bill closed: the bill shown follows.
      if (S.bill) loadBill().catch(() => {});
      break;
    case 'resync':
      // Events may have been lost (the server's Redis link was redone): the
      // cart snapshot that follows settles what was sent (or, if the cart is
      // unavailable, one is asked for shortly); the rest is fetched again.
      S.snapshot = false;
      cart.markSync();
      markSynced();
      loadMenu().catch(() => {});
      loadOrders().catch(() => {});
      loadRequests().catch(() => {});
      break;
    case 'error': {
      if (m.code === 'outside_restaurant') {
        // The join itself was refused; the socket closes next (state
        // 'refused'), and the bar says why.
        S.joinRefusal = m.details?.reason;
        views.conn();
        break;
      }
      if (m.code === 'table_not_found') {
        // The table's code was changed while we were here; the socket
        // closes next (state 'gone'), and the bar says so.
        views.conn();
        break;
      }
      if (m.code === 'too_many_sockets') {
        // Turned away at join; the socket closes next (state 'busy').
        break;
      }
      if (m.code === 'cart_unavailable' || m.code === 'rate_limited') {
        // Not a refusal: the server could not do it now. Try again shortly.
        if (S.snapshot) cart.later();
        S.retryAt = Date.now() + 2000;
        views.cart();
        break;
      }
      // Changes are answered in order: the oldest one sent was refused.
      const op = cart.refused();
      if (op?.kind === 'add' && m.code === 'unavailable') {
        toast(tr('add_unavailable', { name: itemName(op.line.item_id) }));
        loadMenu().catch(() => {});
      } else toast(tr('err_cart_op', { message: m.message || m.code }));
      requestSync();
      views.cart();
      break;
    }
    default:
  }
}

/** One entry per diner (a diner may have the page open twice). */
function uniquePeople(list = []) {
  const seen = new Map();
  for (const p of list) seen.set(p.client_id, p);
  return [...seen.values()];
}

/** Asks the server for a cart snapshot (if the socket is open). */
export function requestSync() {
  if (!socket?.open) return;
  S.lastSyncAt = Date.now();
  cart.markSync();
  socket.send({ type: 'sync' });
}

/** Sends the cart changes that can go now. */
function flush() {
  if (!socket?.open || !S.snapshot) return;
  for (const m of cart.outgoing()) socket.send(m);
}

let lastOrdersPoll = Date.now();
let lastMenuPoll = Date.now();
function tick() {
  const now = Date.now();
  if (socket.open && S.retryAt && now > S.retryAt) {
    S.retryAt = 0;
    if (S.snapshot) flush();
    else requestSync();
  }
  if (socket.open && cart.overdue(now, CHANGE_TIMEOUT_MS) && now - S.lastSyncAt > CHANGE_TIMEOUT_MS) requestSync();
  if (!socket.open && S.conn !== 'gone') {
    // Degraded: no live events, so look now and then.
    const open = S.orders.some((o) => o.status !== 'served' && o.status !== 'cancelled');
    if (open && now - lastOrdersPoll > POLL_ORDERS_MS) {
      lastOrdersPoll = now;
      loadOrders().catch(() => {});
    }
    if (now - lastMenuPoll > POLL_MENU_MS) {
      lastMenuPoll = now;
      loadMenu().catch(() => {});
    }
  }
  if (S.conn !== 'open' && now - S.startedAt < 2000) return;
  views.conn();
}

// ---- Changes made here

/** Makes a change to the cart (`fn` calls `cart`), sends it if it can go now, redraws. */
export function change(fn) {
  fn();
  flush();
  views.cart();
}

/** Adds `qty` of `item` (to this diner's same line, if there is one) and says so. */
export function addToCart(item, qty, options, note) {
  const same = cart.view().find((l) => l.item_id === item.id && l.added_by === clientId
    && (l.note || null) === (note || null) && sameOptions(l.options, options));
  change(() => {
    if (same) cart.setQty(same.line_id, same.qty + qty);
    else cart.add({ item_id: item.id, qty, options, note: note || null, added_by_name: S.nickname });
  });
  toast(tr('added', { name: pick(S.lang, item.name), n: same ? same.qty + qty : qty }));
}

/** The diner's new nickname: kept on this phone and told to the table. */
export function rename(nickname) {
  S.nickname = nickname;
  store.set('nickname', nickname);
  S.participants = S.participants.map((p) => (p.client_id === clientId ? { ...p, nickname } : p));
  send({ type: 'rename', nickname });
}

/**
 * A new order of the table: this diner's (`mine`, the answer to our POST)
 * or another's (`order_placed`). Its lines leave the shared cart through
 * the server's own ops.
 */
export function orderPlaced(order, mine) {
  const known = S.orders.some((o) => o.id === order.id);
  S.orders = [...S.orders.filter((o) => o.id !== order.id), order].sort((a, b) => a.created_at - b.created_at);
  if (mine) {
    S.myOrders.add(order.id);
    S.needGps = false;
    S.error = null;
    S.step = 'cart';
  } else if (S.step === 'review' && !S.busy) {
    // What was being reviewed has just been ordered by someone else.
    S.step = 'cart';
    S.error = null;
  }
  views.cart();
  views.orders();
  if (mine) {
    el.cartDialog.close();
    toast(tr('placed_toast', { n: order.number }));
    views.showOrders();
  } else if (!known && !S.myOrders.has(order.id) && !S.busy) {
    toast(tr('placed_other', { n: order.number }), views.showOrders);
  }
}
