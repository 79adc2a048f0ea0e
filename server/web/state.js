// The page's state, shared by every module through this one: what the
// server told us (table, menu, orders, people), the connection's and the
// cart sheet's state (`S`), the table's shared cart (`cart`, see cart.js),
// the diner's id and saved choices, the page's fixed elements (`el`), and
// `views`, the redraws that app.js registers. Modules below the views
// (api.js, live.js, ordering.js) change the state and then ask `views` to
// redraw, without importing the views that import them.

import { t, pick, money } from './i18n.js';
import { SharedCart } from './cart.js';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
/** The table's client API, and its socket on the ws role. */
export const API = `/api/v1/tables/${encodeURIComponent(token)}`;
export const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/tables/${encodeURIComponent(token)}`;

/** The diner's choices kept on this phone (language, nickname, client id). */
export const store = {
  get(k) {
    try { return localStorage.getItem(`qrorder.${k}`); } catch { return null; }
  },
  set(k, v) {
    try { localStorage.setItem(`qrorder.${k}`, v); } catch { /* private mode: fine */ }
  },
};

export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const clientId = store.get('client_id') || randomId();
store.set('client_id', clientId);

export const S = {
  lang: 'en',
  table: null,
  menu: null,
  /** item id → menu item */
  items: new Map(),
  orders: [],
  /** The visit's service requests (call staff, water, bill), oldest first. */
  requests: [],
  /** The visit's bill with this diner's share (`GET …/bill`), once the orders sheet was opened. */
  bill: null,
  /** The kind of service request being sent, and the last refusal in words. */
  asking: null,
  serviceError: null,
  participants: [],
  nickname: '',
  conn: 'connecting',
  /** Why the last join was refused (`details.reason`), shown while 'refused'. */
  joinRefusal: null,
  /** Whether any connection was ever accepted (joined), and this one. */
  everOpen: false,
  joined: false,
  snapshot: false,
  step: 'cart',
  busy: false,
  status: '',
  error: null,
  needGps: false,
  fix: null,
  lastKey: null,
  myOrders: new Set(),
  lastSyncAt: 0,
  retryAt: 0,
  startedAt: Date.now(),
};

/** The table's shared cart as this page sees it. */
export const cart = new SharedCart(clientId);

const $ = (id) => document.getElementById(id);
/** The page's fixed elements (index.html). */
export const el = {
  restaurant: $('restaurant'), table: $('table'), people: $('people'), ordersBtn: $('orders-btn'),
  lang: $('lang-btn'), conn: $('conn'), cats: $('cats'), menu: $('menu'), cartBar: $('cart-bar'),
  cartDialog: $('cart-dialog'), cartBody: $('cart-body'), cartTitle: $('cart-title'),
  ordersDialog: $('orders-dialog'), ordersBody: $('orders-body'), ordersTitle: $('orders-title'),
  itemDialog: $('item-dialog'), nameDialog: $('name-dialog'), toasts: $('toasts'),
  serviceBtn: $('service-btn'), serviceDialog: $('service-dialog'), serviceBody: $('service-body'),
  serviceTitle: $('service-title'),
};

const nothing = () => {};
/**
 * The redraws, set once by app.js (the views sit above the modules that
 * call them): the menu, the cart bar and sheet, the orders sheet, the
 * header, the connection bar, the service sheet; `showOrders` opens the
 * orders sheet.
 */
export const views = {
  menu: nothing, cart: nothing, orders: nothing, header: nothing, conn: nothing, service: nothing, showOrders: nothing,
};

/** A text in the diner's language. */
export const tr = (key, vars) => t(S.lang, key, vars);
/** An amount in minor units, in the table's currency. */
export const fmt = (minor) => money(S.lang, minor, S.table?.currency || 'KRW');

/** A menu item's name in the diner's language (its id if the menu lost it). */
export function itemName(id) {
  const item = S.items.get(id);
  return item ? pick(S.lang, item.name) : `#${id}`;
}

/**
 * An order as `order_changed` (a void) brings it, with the status and its
 * times we already hold: the snapshot was read when the void committed and
 * may arrive after a later `order_status`, which must not be undone.
 */
export function withStatusOf(held, changed) {
  if (!held) return changed;
  const merged = { ...changed };
  for (const [k, v] of Object.entries(held)) if (k === 'status' || k.endsWith('_at')) merged[k] = v;
  return merged;
}
