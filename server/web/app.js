// The diner's page: the menu of the table's restaurant, the table's shared
// cart (live over the WebSocket, see cart.js), ordering, and the table's
// orders with their live status. Talks to /api/v1/tables/{token}/… and
// /ws/tables/{token} of the server that served it.

import { h, fill, icon } from './dom.js';
import { t, pick, money, chooseLanguage, allergen, LANGUAGE_NAMES, NICKNAMES } from './i18n.js';
import { SharedCart, sameOptions } from './cart.js';
import { TableSocket } from './socket.js';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
const API = `/api/v1/tables/${encodeURIComponent(token)}`;
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/tables/${encodeURIComponent(token)}`;
const STATUSES = ['placed', 'accepted', 'preparing', 'ready', 'served'];
/** A sent cart change unanswered this long asks for a snapshot. */
const CHANGE_TIMEOUT_MS = 4000;
/** Without the socket: how often orders and the menu are fetched instead. */
const POLL_ORDERS_MS = 15_000;
const POLL_MENU_MS = 60_000;

const store = {
  get(k) {
    try { return localStorage.getItem(`qrorder.${k}`); } catch { return null; }
  },
  set(k, v) {
    try { localStorage.setItem(`qrorder.${k}`, v); } catch { /* private mode: fine */ }
  },
};

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const clientId = store.get('client_id') || randomId();
store.set('client_id', clientId);

const S = {
  lang: 'en',
  table: null,
  menu: null,
  /** item id → menu item */
  items: new Map(),
  orders: [],
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
const cart = new SharedCart(clientId);
let socket = null;

const $ = (id) => document.getElementById(id);
const el = {
  restaurant: $('restaurant'), table: $('table'), people: $('people'), ordersBtn: $('orders-btn'),
  lang: $('lang-btn'), conn: $('conn'), cats: $('cats'), menu: $('menu'), cartBar: $('cart-bar'),
  cartDialog: $('cart-dialog'), cartBody: $('cart-body'), cartTitle: $('cart-title'),
  ordersDialog: $('orders-dialog'), ordersBody: $('orders-body'), ordersTitle: $('orders-title'),
  itemDialog: $('item-dialog'), nameDialog: $('name-dialog'), toasts: $('toasts'),
};

const tr = (key, vars) => t(S.lang, key, vars);
const fmt = (minor) => money(S.lang, minor, S.table?.currency || 'KRW');

// ---- API

class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || `http_${status}`;
    this.details = body?.details || null;
  }
}

async function getJson(path) {
  const res = await fetch(API + path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new ApiFailure(res.status, await res.json().catch(() => null));
  return res.json();
}

/**
 * Fetches the menu again. Calls while one is under way wait for it and one
 * more fetch after it (one event may follow another), so that two reloads
 * never compare against the same old menu (a notice told twice).
 */
let menuLoad = null;
let menuAgain = false;
function loadMenu() {
  if (menuLoad) {
    menuAgain = true;
    return menuLoad;
  }
  menuLoad = (async () => {
    try {
      do {
        menuAgain = false;
        await fetchMenu();
      } while (menuAgain);
    } finally {
      menuLoad = null;
    }
  })();
  return menuLoad;
}

async function fetchMenu() {
  const before = S.items;
  setMenu(await getJson('/menu'));
  // Tell the diner what changed about what is in the cart.
  const inCart = new Set(cart.view().map((l) => l.item_id));
  for (const id of inCart) {
    const old = before.get(id);
    const now = S.items.get(id);
    if (!old || !now) continue;
    if (old.available && !now.available) toast(tr('now_sold_out', { name: pick(S.lang, now.name) }));
    else if (old.price.amount_minor !== now.price.amount_minor) {
      toast(tr('price_changed', { name: pick(S.lang, now.name), price: fmt(now.price.amount_minor) }));
    }
  }
  renderMenu();
  renderCart();
}

function setMenu(menu) {
  S.menu = menu;
  S.items = new Map(menu.categories.flatMap((c) => c.items.map((i) => [i.id, i])));
}

async function loadOrders() {
  S.orders = await getJson('/orders');
  renderOrders();
}

// ---- Start

async function start() {
  document.title = 'QR Order';
  let table;
  let menu;
  try {
    [table, menu] = await Promise.all([getJson(''), getJson('/menu')]);
  } catch (e) {
    showFatal(e instanceof ApiFailure && e.status === 404 ? 'bad_table' : 'err_network');
    return;
  }
  S.table = table;
  const saved = store.get('lang');
  S.lang = table.languages.includes(saved) ? saved : chooseLanguage(table.languages, navigator.languages || [navigator.language]);
  const nick = store.get('nickname');
  if (nick) S.nickname = nick;
  else {
    const pair = NICKNAMES[Math.floor(Math.random() * NICKNAMES.length)];
    S.nickname = S.lang === 'ko' ? pair[1] : pair[0];
  }
  setMenu(menu);
  wireStatic();
  renderAll();
  document.body.classList.remove('loading');
  loadOrders().catch(() => {});

  socket = new TableSocket(WS_URL, { open: onOpen, message: onMessage, state: onState });
  socket.connect();
  setInterval(tick, 1000);
}

function showFatal(key) {
  document.body.classList.remove('loading');
  fill(el.menu, h('div', { class: 'fatal', role: 'alert' },
    h('p', {}, t(chooseLanguage(['en', 'ko'], navigator.languages || []), key)),
    key === 'err_network' ? h('button', { class: 'btn', type: 'button', onclick: () => location.reload() }, t('en', 'reload')) : null));
}

// ---- The socket

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
  renderConn();
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
      renderCart();
      renderHeader();
      break;
    case 'cart_op':
      if (cart.serverOp(m.version, m.op) === 'gap') requestSync();
      renderCart();
      break;
    case 'participants':
      S.participants = uniquePeople(m.participants);
      renderHeader();
      renderCart();
      break;
    case 'order_placed':
      orderPlaced(m.order, false);
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
        toast(tr('status_toast', { n: o.number, status: tr(`status_${m.status}`) }), showOrders);
        renderOrders();
      }
      break;
    }
    case 'menu_changed':
      loadMenu().catch(() => {});
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
      break;
    case 'error': {
      if (m.code === 'outside_restaurant') {
        // The join itself was refused; the socket closes next (state
        // 'refused'), and the bar says why.
        S.joinRefusal = m.details?.reason;
        renderConn();
        break;
      }
      if (m.code === 'cart_unavailable' || m.code === 'rate_limited') {
        // Not a refusal: the server could not do it now. Try again shortly.
        if (S.snapshot) cart.later();
        S.retryAt = Date.now() + 2000;
        renderCart();
        break;
      }
      // Changes are answered in order: the oldest one sent was refused.
      const op = cart.refused();
      if (op?.kind === 'add' && m.code === 'unavailable') {
        toast(tr('add_unavailable', { name: itemName(op.line.item_id) }));
        loadMenu().catch(() => {});
      } else toast(tr('err_cart_op', { message: m.message || m.code }));
      requestSync();
      renderCart();
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

function requestSync() {
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
  if (!socket.open) {
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
  renderConn();
}

// ---- Cart changes made here

function change(fn) {
  fn();
  flush();
  renderCart();
}

function addToCart(item, qty, options, note) {
  const same = cart.view().find((l) => l.item_id === item.id && l.added_by === clientId
    && (l.note || null) === (note || null) && sameOptions(l.options, options));
  change(() => {
    if (same) cart.setQty(same.line_id, same.qty + qty);
    else cart.add({ item_id: item.id, qty, options, note: note || null, added_by_name: S.nickname });
  });
  toast(tr('added', { name: pick(S.lang, item.name), n: same ? same.qty + qty : qty }));
}

function unitPrice(item, options) {
  let price = item.price.amount_minor;
  for (const g of item.option_groups) {
    for (const id of options?.[g.id] || []) {
      price += g.options.find((o) => o.id === id)?.price_delta_minor || 0;
    }
  }
  return price;
}

/** Why a cart line cannot be ordered as it is, if it cannot. */
function lineProblem(line, lines) {
  const item = S.items.get(line.item_id);
  if (!item) return 'line_removed';
  if (item.remaining === 0) return 'line_sold_out';
  if (!item.available) return 'line_unavailable';
  if (item.remaining !== null) {
    const wanted = lines.filter((l) => l.item_id === item.id).reduce((n, l) => n + l.qty, 0);
    if (wanted > item.remaining) return 'line_sold_out';
  }
  for (const [gid, picks] of Object.entries(line.options || {})) {
    const g = item.option_groups.find((x) => x.id === gid);
    if (!g || picks.some((p) => !g.options.some((o) => o.id === p))) return 'line_changed';
  }
  return null;
}

function cartTotals(lines) {
  let total = 0;
  let count = 0;
  for (const l of lines) {
    const item = S.items.get(l.item_id);
    if (item) total += unitPrice(item, l.options) * l.qty;
    count += l.qty;
  }
  return { total, count };
}

function optionText(item, options) {
  if (!item) return '';
  const names = [];
  for (const g of item.option_groups) {
    for (const id of options?.[g.id] || []) {
      const o = g.options.find((x) => x.id === id);
      if (o) names.push(pick(S.lang, o.name));
    }
  }
  return names.join(', ');
}

// ---- Ordering

class LocationFailure extends Error {}

function locate() {
  if (S.fix && Date.now() - S.fix.at < 60_000) return Promise.resolve(S.fix);
  return new Promise((resolve, reject) => {
    // Browsers give the location to https pages (and localhost) only.
    if (!window.isSecureContext) {
      reject(new LocationFailure('err_location_insecure'));
      return;
    }
    if (!navigator.geolocation) {
      reject(new LocationFailure('err_location_unavailable'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        S.fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy, at: Math.round(p.timestamp || Date.now()) };
        resolve(S.fix);
      },
      (e) => reject(new LocationFailure(e.code === 1 ? 'err_location_denied' : 'err_location_unavailable')),
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 },
    );
  });
}

const needsGps = () => S.table.location.gps_required || S.needGps;

function waitFor(test, ms) {
  return new Promise((resolve) => {
    const until = Date.now() + ms;
    const check = () => (test() || Date.now() > until ? resolve() : setTimeout(check, 50));
    check();
  });
}

async function placeOrder() {
  if (S.busy) return;
  S.busy = true;
  S.error = null;
  S.status = 'placing';
  renderCart();
  try {
    // What is ordered is what everybody saw: let own changes land first.
    await waitFor(() => !cart.busy || !socket.open, 3000);
    const lines = cart.view();
    if (!lines.length) return;
    const body = {
      visit_id: S.table.visit_id,
      items: lines.map((l) => ({
        menu_item_id: l.item_id,
        menu_version: S.items.get(l.item_id)?.version ?? 0,
        qty: l.qty,
        options: l.options || {},
        note: l.note || null,
      })),
    };
    // The same order retried keeps its key, so it is placed once.
    const same = JSON.stringify(body);
    if (!S.lastKey || S.lastKey.body !== same) S.lastKey = { body: same, key: randomId() };
    const fromSharedCart = socket.open && S.snapshot && cart.version !== null && !cart.busy;
    if (fromSharedCart) body.cart_version = cart.version;
    if (needsGps()) {
      S.status = 'locating';
      renderCart();
      body.location = await locate();
      S.status = 'placing';
      renderCart();
    }
    const res = await fetch(`${API}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': S.lastKey.key },
      body: JSON.stringify(body),
    });
    if (res.ok) {
      const order = await res.json();
      S.lastKey = null;
      if (fromSharedCart) cart.dropLines(lines.map((l) => l.line_id));
      // Ordered without the socket: the server's cart still has these lines;
      // take them out once connected again.
      else for (const l of lines) cart.remove(l.line_id);
      orderPlaced(order, true);
      return;
    }
    await refused(new ApiFailure(res.status, await res.json().catch(() => null)));
  } catch (e) {
    S.error = e instanceof LocationFailure ? tr(e.message) : tr('err_network');
  } finally {
    S.busy = false;
    S.status = '';
    renderCart();
    if (S.error) el.cartBody.querySelector('.error')?.focus();
  }
}

function itemName(id) {
  const item = S.items.get(id);
  return item ? pick(S.lang, item.name) : `#${id}`;
}

/** Why the restaurant refused this phone, in words (`details.reason`). */
function locationError(reason) {
  const key = {
    not_on_restaurant_network: 'err_not_on_network',
    too_far: 'err_too_far',
    location_required: 'err_location_required',
    location_inaccurate: 'err_location_inaccurate',
  }[reason] || 'err_not_on_network';
  return tr(key);
}

/** Puts a refusal into words, and brings the page up to date with its cause. */
async function refused(e) {
  switch (e.code) {
    case 'outside_restaurant': {
      const reason = e.details?.reason;
      if (reason === 'location_required' && !needsGps() && S.table.location.gps_accepted) S.needGps = true;
      if (reason === 'location_inaccurate' || reason === 'too_far') S.fix = null;
      S.error = locationError(reason);
      break;
    }
    case 'menu_changed': {
      await loadMenu().catch(() => {});
      const list = (e.details?.items || []).map((i) => tr(`reason_${i.reason}`, { name: itemName(i.menu_item_id) }));
      S.error = tr('err_menu_changed', { list: list.join('; ') });
      break;
    }
    case 'sold_out': {
      await loadMenu().catch(() => {});
      const list = (e.details?.items || []).map((i) => (i.remaining > 0
        ? tr('sold_out_left', { name: itemName(i.menu_item_id), n: i.remaining })
        : itemName(i.menu_item_id)));
      S.error = tr('err_sold_out', { list: list.join(', ') });
      break;
    }
    case 'cart_changed': {
      const c = e.details?.cart || e.details;
      if (c && Array.isArray(c.lines) && typeof c.version === 'number') {
        cart.markSync();
        cart.snapshot(c.version, c.lines);
      } else requestSync();
      S.error = tr('err_cart_changed');
      break;
    }
    case 'visit_closed':
      S.error = tr('err_visit_closed');
      break;
    case 'not_found':
      S.error = tr('bad_table');
      break;
    default:
      if (e.status === 422) S.error = tr('err_invalid', { message: e.message });
      else if (e.status === 429 || e.status === 503) S.error = tr('err_busy');
      else S.error = tr('err_generic', { code: e.code });
  }
}

function orderPlaced(order, mine) {
  const known = S.orders.some((o) => o.id === order.id);
  S.orders = [...S.orders.filter((o) => o.id !== order.id), order].sort((a, b) => a.created_at - b.created_at);
  // The ordered lines leave the shared cart through the server's own ops.
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
  renderCart();
  renderOrders();
  if (mine) {
    el.cartDialog.close();
    toast(tr('placed_toast', { n: order.number }));
    showOrders();
  } else if (!known && !S.myOrders.has(order.id) && !S.busy) {
    toast(tr('placed_other', { n: order.number }), showOrders);
  }
}

// ---- Rendering

function wireStatic() {
  el.lang.addEventListener('click', () => {
    const langs = S.table.languages.filter((l) => l in LANGUAGE_NAMES);
    S.lang = langs[(langs.indexOf(S.lang) + 1) % langs.length];
    store.set('lang', S.lang);
    renderAll();
  });
  el.people.addEventListener('click', () => openCart(el.people));
  el.ordersBtn.addEventListener('click', showOrders);
  for (const d of [el.cartDialog, el.ordersDialog, el.itemDialog, el.nameDialog]) {
    // A tap on the backdrop closes, like the close button.
    d.addEventListener('click', (e) => { if (e.target === d) d.close(); });
  }
  el.cartDialog.addEventListener('close', () => { S.step = 'cart'; S.error = null; });
}

function renderAll() {
  document.documentElement.lang = S.lang;
  document.title = `${S.table.restaurant_name} · ${S.table.table_name}`;
  for (const b of document.querySelectorAll('.close')) b.setAttribute('aria-label', tr('close'));
  renderHeader();
  renderMenu();
  renderCart();
  renderOrders();
  renderConn();
}

function renderHeader() {
  el.restaurant.textContent = S.table.restaurant_name;
  el.table.textContent = S.table.table_name;
  const n = Math.max(1, S.participants.length);
  fill(el.people, icon('people', 18), h('span', { 'aria-hidden': 'true' }, String(n)));
  el.people.setAttribute('aria-label', tr('people', { n }));
  el.people.title = tr('people', { n });
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

function renderConn() {
  if (S.conn === 'refused') {
    // Not a connection problem: nothing to wait for until the phone moves.
    el.conn.hidden = false;
    el.conn.dataset.refused = 'true';
    fill(el.conn, icon('wifi', 18), locationError(S.joinRefusal));
    return;
  }
  delete el.conn.dataset.refused;
  const show = S.conn !== 'open' && (S.everOpen || Date.now() - S.startedAt > 2000);
  el.conn.hidden = !show;
  if (show) fill(el.conn, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(S.everOpen ? 'conn_reconnecting' : 'conn_connecting'));
}

let observer = null;
/** What the menu on screen was drawn from: its layout, and each item. */
let drawnLayout = null;
const drawnItems = new Map();

/**
 * Draws the menu. When only items changed (sold out, a price), only their
 * cards are replaced: a menu redrawn whole would replace the "Add" button
 * a diner is tapping (every order of a limited dish changes the menu of
 * every table).
 */
function renderMenu() {
  const cats = S.menu.categories;
  const layout = JSON.stringify([S.lang, cats.map((c) => [c.id, c.name, c.items.map((i) => i.id)])]);
  if (layout === drawnLayout) {
    const counts = inCartCounts();
    for (const item of S.items.values()) {
      const drawn = JSON.stringify(item);
      if (drawnItems.get(item.id) === drawn) continue;
      drawnItems.set(item.id, drawn);
      const card = el.menu.querySelector(`.card[data-item="${item.id}"]`);
      if (!card) continue;
      const focused = card.contains(document.activeElement) ? document.activeElement.dataset.key : null;
      const fresh = menuCard(item, counts.get(item.id) || 0);
      card.replaceWith(fresh);
      if (focused) fresh.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    }
    return;
  }
  drawnLayout = layout;
  drawnItems.clear();
  for (const item of S.items.values()) drawnItems.set(item.id, JSON.stringify(item));
  fill(el.cats, ...cats.map((c, i) => h('a', {
    href: `#cat-${c.id}`, class: 'cat', 'data-cat': c.id, 'aria-current': i === 0 ? 'true' : null,
    onclick: (e) => {
      e.preventDefault();
      $(`cat-${c.id}`).scrollIntoView({ behavior: 'smooth', block: 'start' });
      $(`cat-${c.id}`).querySelector('h2').focus({ preventScroll: true });
    },
  }, pick(S.lang, c.name))));
  el.cats.setAttribute('aria-label', tr('categories'));
  const counts = inCartCounts();
  fill(el.menu, ...cats.map((c) => h('section', { id: `cat-${c.id}`, class: 'category', 'aria-labelledby': `cat-h-${c.id}` },
    h('h2', { id: `cat-h-${c.id}`, tabindex: '-1' }, pick(S.lang, c.name)),
    h('ul', { class: 'items' }, ...c.items.map((item) => h('li', {}, menuCard(item, counts.get(item.id) || 0)))))));
  observer?.disconnect();
  observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const id = e.target.id.slice(4);
      for (const a of el.cats.querySelectorAll('.cat')) {
        const on = a.dataset.cat === id;
        a.toggleAttribute('aria-current', on);
        if (on) revealCategoryLink(a);
      }
    }
  }, { rootMargin: '-120px 0px -65% 0px' });
  for (const s of el.menu.querySelectorAll('.category')) observer.observe(s);
}

/**
 * Scrolls the category bar sideways so that its link `a` is in sight. Only
 * the bar: `scrollIntoView` would also scroll the page (the link sits inside
 * the html's scroll-padding-top), moving the menu under a diner's finger
 * right after they scrolled — and a tap landing mid-jump is lost.
 */
function revealCategoryLink(a) {
  const link = a.getBoundingClientRect();
  const bar = el.cats.getBoundingClientRect();
  const margin = 14;
  if (link.left < bar.left + margin) el.cats.scrollLeft -= bar.left + margin - link.left;
  else if (link.right > bar.right - margin) el.cats.scrollLeft += link.right - (bar.right - margin);
}

function inCartCounts() {
  const counts = new Map();
  for (const l of cart.view()) counts.set(l.item_id, (counts.get(l.item_id) || 0) + l.qty);
  return counts;
}

function thumb(item, cls) {
  if (item.image_url) return h('img', { class: cls, src: item.image_url, alt: '', loading: 'lazy', decoding: 'async' });
  // No photo: a tile with the dish's first letter, coloured per dish.
  const tile = h('div', { class: `${cls} tile`, 'aria-hidden': 'true' }, Array.from(pick('ko', item.name))[0] || '?');
  tile.style.setProperty('--hue', String((item.id * 47 + 12) % 360));
  return tile;
}

function menuCard(item, inCart) {
  const name = pick(S.lang, item.name);
  const [otherLang, other] = Object.entries(item.name).find(([l, v]) => l !== S.lang && v && v !== name) || [];
  const soldOut = !item.available;
  const needsChoice = item.option_groups.some((g) => g.min > 0);
  const desc = pick(S.lang, item.description);
  return h('article', { class: `card${soldOut ? ' sold-out' : ''}`, 'data-item': item.id, 'aria-label': name },
    h('button', { type: 'button', class: 'card-main', 'data-key': `open-${item.id}`, disabled: soldOut,
      'aria-label': `${name}, ${fmt(item.price.amount_minor)}${soldOut ? `, ${tr('sold_out')}` : ''}`,
      onclick: () => openItem(item) },
    h('span', { class: 'card-text' },
      h('span', { class: 'name' }, name),
      other ? h('span', { class: 'other-name', lang: otherLang }, other) : null,
      desc ? h('span', { class: 'desc' }, desc) : null,
      item.allergens.length ? h('span', { class: 'allergens' }, `${tr('contains')}: ${item.allergens.map((a) => allergen(S.lang, a)).join(', ')}`) : null),
    thumb(item, 'thumb')),
    h('div', { class: 'card-actions' },
      h('span', { class: 'price', 'aria-hidden': 'true' }, fmt(item.price.amount_minor)),
      soldOut ? h('span', { class: 'pill pill-out' }, tr('sold_out'))
        : item.remaining !== null && item.remaining <= 5 ? h('span', { class: 'pill pill-low' }, tr('left', { n: item.remaining })) : null,
      inCart ? h('span', { class: 'in-cart', 'data-n': String(inCart) }, icon('check', 14), tr('in_cart', { n: inCart })) : null,
      soldOut ? null : h('button', {
        type: 'button', class: 'add', 'data-key': `add-${item.id}`,
        'aria-label': needsChoice ? tr('choose_named', { name }) : tr('add_named', { name }),
        onclick: () => (needsChoice ? openItem(item) : addToCart(item, 1, {}, null)),
      }, icon('plus', 16), needsChoice ? tr('choose') : tr('add'))));
}

function renderCartBar() {
  const lines = cart.view();
  const { total, count } = cartTotals(lines);
  el.cartBar.hidden = count === 0;
  document.body.classList.toggle('has-cart', count > 0);
  if (!count) return;
  fill(el.cartBar, h('button', { type: 'button', class: 'cart-btn', 'data-key': 'cart-bar', onclick: () => openCart(el.cartBar.firstChild) },
    h('span', { class: 'count', 'aria-hidden': 'true' }, String(count)),
    h('span', { class: 'label' }, tr('view_cart'), h('span', { class: 'visually-hidden' }, `, ${tr('items', { n: count })}, `)),
    h('span', { class: 'sum' }, fmt(total))));
}

function renderCart() {
  if (!S.table) return;
  document.body.dataset.pending = String(cart.pending.length);
  renderCartBar();
  // Keep the menu's "in cart" marks true.
  const counts = inCartCounts();
  for (const card of el.menu.querySelectorAll('.card')) {
    const id = Number(card.dataset.item);
    const n = counts.get(id) || 0;
    const mark = card.querySelector('.in-cart');
    if ((mark && Number(mark.dataset.n) === n) || (!mark && !n)) continue;
    const fresh = menuCard(S.items.get(id), n);
    if (mark) mark.remove();
    const newMark = fresh.querySelector('.in-cart');
    if (newMark) {
      newMark.dataset.n = String(n);
      card.querySelector('.card-actions').insertBefore(newMark, card.querySelector('.add'));
    }
  }
  if (!el.cartDialog.open) return;
  if (S.step === 'review') renderReview();
  else renderCartStep();
}

function participantsBlock() {
  const people = S.participants.length ? S.participants : [{ client_id: clientId, nickname: S.nickname }];
  return h('section', { class: 'people', 'aria-labelledby': 'people-h' },
    h('h3', { id: 'people-h' }, icon('people', 16), tr('at_table')),
    h('ul', { class: 'chips' }, ...people.map((p) => h('li', { class: p.client_id === clientId ? 'chip me' : 'chip' },
      p.client_id === clientId ? `${p.nickname} (${tr('you')})` : p.nickname))),
    h('button', { type: 'button', class: 'link', 'data-key': 'rename', onclick: openRename }, icon('edit', 14), tr('change_name')));
}

function renderCartStep() {
  el.cartTitle.textContent = tr('cart_title');
  const lines = cart.view();
  const { total } = cartTotals(lines);
  if (!lines.length) {
    fill(el.cartBody, participantsBlock(), h('p', { class: 'empty' }, icon('bag', 32), tr('cart_empty')));
    return;
  }
  fill(el.cartBody,
    participantsBlock(),
    h('ul', { class: 'lines', 'aria-label': tr('cart_title') }, ...lines.map((l) => cartLine(l, lines))),
    h('div', { class: 'total-row' }, h('span', {}, tr('total')), h('strong', { class: 'cart-total' }, fmt(total))),
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'btn primary wide', 'data-key': 'review', onclick: () => { S.step = 'review'; S.error = null; renderCart(); focusTitle(el.cartDialog); } },
        tr('review'))));
}

function cartLine(l, lines) {
  const item = S.items.get(l.item_id);
  const name = item ? pick(S.lang, item.name) : `#${l.item_id}`;
  const problem = lineProblem(l, lines);
  const opts = optionText(item, l.options);
  const mine = l.added_by === clientId;
  const who = mine ? tr('added_by_you') : tr('added_by', { name: l.added_by_name });
  const price = item ? fmt(unitPrice(item, l.options) * l.qty) : '';
  const id = l.line_id;
  return h('li', { class: `line${problem ? ' has-problem' : ''}${l.pending ? ' pending' : ''}`, 'data-line': id, 'data-item': l.item_id },
    h('div', { class: 'line-head' },
      h('div', { class: 'line-text' },
        h('span', { class: 'name' }, name),
        opts ? h('span', { class: 'opts' }, opts) : null,
        h('span', { class: 'who' }, who)),
      h('span', { class: 'line-price' }, price)),
    problem ? h('p', { class: 'problem' }, icon('alert', 16), tr(problem)) : null,
    l.note ? h('p', { class: 'note' }, icon('note', 14), l.note) : null,
    h('div', { class: 'line-actions' },
      h('div', { class: 'stepper', role: 'group', 'aria-label': tr('qty_of', { name }) },
        l.qty > 1
          ? h('button', { type: 'button', class: 'step', 'data-key': `less-${id}`, 'aria-label': tr('less', { name }), onclick: () => change(() => cart.setQty(id, l.qty - 1)) }, icon('minus', 18))
          : h('button', { type: 'button', class: 'step', 'data-key': `less-${id}`, 'aria-label': tr('remove', { name }), onclick: () => change(() => cart.remove(id)) }, icon('trash', 18)),
        h('output', { class: 'qty', 'aria-live': 'polite' }, String(l.qty)),
        h('button', { type: 'button', class: 'step', 'data-key': `more-${id}`, 'aria-label': tr('more', { name }), disabled: l.qty >= 99, onclick: () => change(() => cart.setQty(id, l.qty + 1)) }, icon('plus', 18))),
      h('button', { type: 'button', class: 'link', 'data-key': `note-${id}`, onclick: () => editNote(l, name) }, icon('note', 14), l.note ? tr('edit_note') : tr('add_note')),
      l.qty > 1 ? h('button', { type: 'button', class: 'link danger', 'data-key': `rm-${id}`, 'aria-label': tr('remove', { name }), onclick: () => change(() => cart.remove(id)) }, icon('trash', 16)) : null));
}

function editNote(line, name) {
  const li = el.cartBody.querySelector(`[data-line="${CSS.escape(line.line_id)}"]`);
  if (!li) return;
  const input = h('input', { type: 'text', id: 'note-input', maxlength: '200', value: line.note || '', placeholder: tr('note_placeholder'), autocomplete: 'off' });
  const form = h('form', { class: 'note-form', onsubmit: (e) => {
    e.preventDefault();
    const note = input.value.trim() || null;
    if (note !== (line.note || null)) change(() => cart.setNote(line.line_id, note));
    else renderCart();
    el.cartBody.querySelector(`[data-key="note-${CSS.escape(line.line_id)}"]`)?.focus();
  } },
  h('label', { for: 'note-input' }, tr('note_for', { name })),
  input,
  h('div', { class: 'row' },
    h('button', { type: 'button', class: 'btn', onclick: () => renderCart() }, tr('cancel')),
    h('button', { type: 'submit', class: 'btn primary' }, tr('save'))));
  li.querySelector('.line-actions').replaceWith(form);
  input.focus();
}

function renderReview() {
  el.cartTitle.textContent = tr('review_title');
  const lines = cart.view();
  const { total } = cartTotals(lines);
  const problems = lines.filter((l) => lineProblem(l, lines));
  const gps = needsGps();
  const label = gps ? tr('gps_place', { total: fmt(total) }) : tr('place_order', { total: fmt(total) });
  fill(el.cartBody,
    h('p', { class: 'hint' }, tr('review_hint')),
    h('ul', { class: 'review-lines' }, ...lines.map((l) => {
      const item = S.items.get(l.item_id);
      const problem = lineProblem(l, lines);
      return h('li', { class: problem ? 'has-problem' : '' },
        h('span', { class: 'qty' }, `${l.qty}×`),
        h('span', { class: 'line-text' },
          h('span', { class: 'name' }, item ? pick(S.lang, item.name) : `#${l.item_id}`),
          optionText(item, l.options) ? h('span', { class: 'opts' }, optionText(item, l.options)) : null,
          l.note ? h('span', { class: 'note' }, l.note) : null,
          problem ? h('span', { class: 'problem' }, icon('alert', 14), tr(problem)) : null),
        h('span', { class: 'line-price' }, item ? fmt(unitPrice(item, l.options) * l.qty) : ''));
    })),
    h('div', { class: 'total-row big' }, h('span', {}, tr('total')), h('strong', { class: 'cart-total' }, fmt(total))),
    gps ? h('section', { class: 'gps', 'aria-labelledby': 'gps-h' },
      h('h3', { id: 'gps-h' }, icon('pin', 16), tr('gps_title')),
      h('p', {}, tr('gps_explain'))) : null,
    S.error || problems.length ? h('div', { class: 'error', role: 'alert', tabindex: '-1' },
      icon(S.error === tr('err_not_on_network') ? 'wifi' : 'alert', 20),
      h('div', {},
        h('p', {}, S.error || tr('has_problems')),
        problems.length ? h('button', { type: 'button', class: 'btn', 'data-key': 'drop-problems', onclick: () => {
          S.error = null;
          change(() => { for (const l of problems) cart.remove(l.line_id); });
          if (!cart.view().length) { S.step = 'cart'; renderCart(); }
        } }, tr('remove_problems')) : null)) : null,
    S.busy ? h('p', { class: 'status', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(S.status === 'locating' ? 'locating' : 'placing')) : null,
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'btn', 'data-key': 'back-to-cart', onclick: () => { S.step = 'cart'; S.error = null; renderCart(); focusTitle(el.cartDialog); } }, tr('back_to_cart')),
      h('button', { type: 'button', class: 'btn primary wide', 'data-key': 'place', disabled: S.busy || !lines.length, onclick: placeOrder }, label)));
}

function focusTitle(dialog) {
  dialog.querySelector('h2')?.focus();
}

function openCart(opener) {
  S.step = 'cart';
  S.error = null;
  if (!el.cartDialog.open) el.cartDialog.showModal();
  renderCart();
  focusTitle(el.cartDialog);
  el.cartDialog.addEventListener('close', () => opener?.isConnected && opener.focus(), { once: true });
}

function showOrders() {
  if (el.cartDialog.open) el.cartDialog.close();
  renderOrders();
  if (!el.ordersDialog.open) el.ordersDialog.showModal();
  focusTitle(el.ordersDialog);
}

function renderOrders() {
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
        h('ul', { class: 'order-lines' }, ...o.items.map((l) => h('li', {},
          h('span', { class: 'qty' }, `${l.qty}×`),
          h('span', { class: 'line-text' }, h('span', { class: 'name' }, pick(S.lang, l.name)),
            l.options.length ? h('span', { class: 'opts' }, l.options.map((x) => pick(S.lang, x.option)).join(', ')) : null,
            l.note ? h('span', { class: 'note' }, l.note) : null),
          h('span', { class: 'line-price' }, fmt(l.line_total.amount_minor))))),
        h('div', { class: 'total-row' }, h('span', {}, tr('total')), h('strong', {}, fmt(o.total.amount_minor))));
    })),
    h('div', { class: 'total-row big table-total' }, h('span', {}, tr('table_total')), h('strong', {}, fmt(total))));
}

// ---- Item sheet

function openItem(item) {
  if (!item.available) return;
  const name = pick(S.lang, item.name);
  const chosen = {};
  let qty = 1;
  const priceOut = h('span', {});
  const qtyOut = h('output', { class: 'qty', 'aria-live': 'polite' }, '1');
  const errors = new Map();
  const update = () => {
    priceOut.textContent = tr('add_to_cart', { price: fmt(unitPrice(item, chosen) * qty) });
    qtyOut.textContent = String(qty);
  };
  const groups = item.option_groups.map((g) => {
    const single = g.max === 1;
    const err = h('p', { class: 'field-error', id: `err-${g.id}`, hidden: true }, tr('pick_n', { min: g.min, max: g.max }));
    errors.set(g.id, err);
    const inputs = g.options.map((o) => {
      const input = h('input', { type: single ? 'radio' : 'checkbox', name: `opt-${g.id}`, value: o.id,
        onchange: () => {
          chosen[g.id] = inputs.filter((i) => i.checked).map((i) => i.value);
          if (!single) for (const i of inputs) i.disabled = !i.checked && chosen[g.id].length >= g.max;
          err.hidden = true;
          update();
        } });
      return input;
    });
    return h('fieldset', { class: 'group', 'aria-describedby': `err-${g.id}` },
      h('legend', {}, pick(S.lang, g.name), h('span', { class: `req${g.min > 0 ? ' on' : ''}` }, g.min > 0 ? tr('required') : tr('optional')),
        h('span', { class: 'pick' }, tr('pick_n', { min: g.min, max: g.max }))),
      ...g.options.map((o, i) => h('label', { class: 'choice' }, inputs[i],
        h('span', { class: 'choice-name' }, pick(S.lang, o.name)),
        o.price_delta_minor ? h('span', { class: 'delta' }, `+${fmt(o.price_delta_minor)}`) : null)),
      err);
  });
  const note = h('textarea', { id: 'item-note', maxlength: '200', rows: '2', placeholder: tr('note_placeholder') });
  const desc = pick(S.lang, item.description);
  const form = h('form', { class: 'item-form', onsubmit: (e) => {
    e.preventDefault();
    for (const g of item.option_groups) {
      const n = (chosen[g.id] || []).length;
      if (n < g.min || n > g.max) {
        errors.get(g.id).hidden = false;
        form.querySelector(`[name="opt-${CSS.escape(g.id)}"]`)?.focus();
        return;
      }
    }
    const options = Object.fromEntries(Object.entries(chosen).filter(([, v]) => v.length));
    el.itemDialog.close();
    addToCart(item, qty, options, note.value.trim() || null);
  } },
  h('div', { class: 'sheet-head' },
    h('h2', { id: 'item-title', tabindex: '-1' }, name),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': tr('close'), onclick: () => el.itemDialog.close() }, icon('close'))),
  h('div', { class: 'sheet-scroll' },
    thumb(item, 'hero'),
    desc ? h('p', { class: 'desc' }, desc) : null,
    item.allergens.length ? h('p', { class: 'allergens' }, `${tr('contains')}: ${item.allergens.map((a) => allergen(S.lang, a)).join(', ')}`) : null,
    ...groups,
    h('div', { class: 'field' }, h('label', { for: 'item-note' }, tr('note')), note),
    h('div', { class: 'qty-row' },
      h('span', { id: 'qty-label' }, tr('quantity')),
      h('div', { class: 'stepper', role: 'group', 'aria-labelledby': 'qty-label' },
        h('button', { type: 'button', class: 'step', 'aria-label': tr('less', { name }), onclick: () => { qty = Math.max(1, qty - 1); update(); } }, icon('minus', 18)),
        qtyOut,
        h('button', { type: 'button', class: 'step', 'aria-label': tr('more', { name }), onclick: () => { qty = Math.min(99, qty + 1); update(); } }, icon('plus', 18))))),
  h('div', { class: 'sheet-actions' }, h('button', { type: 'submit', class: 'btn primary wide' }, priceOut)));
  update();
  fill(el.itemDialog, form);
  const opener = document.activeElement;
  el.itemDialog.showModal();
  el.itemDialog.querySelector('h2').focus();
  el.itemDialog.addEventListener('close', () => opener?.isConnected && opener.focus(), { once: true });
}

// ---- Nickname

function openRename() {
  const input = h('input', { type: 'text', id: 'nick-input', maxlength: '24', value: S.nickname, autocomplete: 'nickname', 'aria-describedby': 'nick-help' });
  fill(el.nameDialog, h('form', { class: 'name-form', onsubmit: (e) => {
    e.preventDefault();
    const nickname = input.value.trim().slice(0, 24);
    if (nickname && nickname !== S.nickname) {
      S.nickname = nickname;
      store.set('nickname', nickname);
      S.participants = S.participants.map((p) => (p.client_id === clientId ? { ...p, nickname } : p));
      socket?.send({ type: 'rename', nickname });
    }
    el.nameDialog.close();
    renderCart();
  } },
  h('h2', { id: 'nick-title', tabindex: '-1' }, tr('nickname_title')),
  h('label', { for: 'nick-input' }, tr('nickname_label')),
  input,
  h('p', { id: 'nick-help', class: 'hint' }, tr('nickname_help')),
  h('div', { class: 'row' },
    h('button', { type: 'button', class: 'btn', onclick: () => el.nameDialog.close() }, tr('cancel')),
    h('button', { type: 'submit', class: 'btn primary' }, tr('save')))));
  el.nameDialog.showModal();
  input.select();
}

// ---- Toasts

function toast(text, action) {
  const node = h('div', { class: 'toast' }, h('span', {}, text),
    action ? h('button', { type: 'button', class: 'link', onclick: () => { node.remove(); action(); } }, tr('orders')) : null);
  el.toasts.append(node);
  while (el.toasts.children.length > 3) el.toasts.firstChild.remove();
  setTimeout(() => {
    if (!node.contains(document.activeElement)) node.remove();
  }, 6000);
}

start();
