// The diner's page: the menu of the table's restaurant, the table's shared
// cart (live over the WebSocket), ordering, and the table's orders with
// their live status. Talks to /api/v1/tables/{token}/… and /ws/tables/{token}
// of the server that served it.
//
// The top of the page's modules: it loads the table and the menu, gives the
// views to `views` (state.js) and opens the socket. Below it, in the order
// they import each other: the views (cart-sheet.js, orders-sheet.js,
// service-sheet.js, menu.js, item-sheet.js, header.js), then service.js,
// ordering.js, live.js, api.js,
// toasts.js, and at the bottom state.js with cart.js, socket.js,
// pricing.js, dom.js and i18n.js.

import { h, fill } from './dom.js';
import { t, chooseLanguage, LANGUAGE_NAMES, NICKNAMES } from './i18n.js';
import { S, el, store, tr, views } from './state.js';
import { ApiFailure, getJson, loadOrders, loadRequests, setMenu } from './api.js';
import { connect } from './live.js';
import { renderConn, renderHeader } from './header.js';
import { renderMenu } from './menu.js';
import { openCart, renderCart } from './cart-sheet.js';
import { renderOrders, showOrders } from './orders-sheet.js';
import { renderService, showService } from './service-sheet.js';

Object.assign(views, {
  menu: renderMenu, cart: renderCart, orders: renderOrders, header: renderHeader, conn: renderConn,
  service: renderService, showOrders,
});

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
  loadRequests().catch(() => {});

  connect();
}

function showFatal(key) {
  document.body.classList.remove('loading');
  fill(el.menu, h('div', { class: 'fatal', role: 'alert' },
    h('p', {}, t(chooseLanguage(['en', 'ko'], navigator.languages || []), key)),
    key === 'err_network' ? h('button', { class: 'btn', type: 'button', onclick: () => location.reload() }, t('en', 'reload')) : null));
}

function wireStatic() {
  el.lang.addEventListener('click', () => {
    const langs = S.table.languages.filter((l) => l in LANGUAGE_NAMES);
    S.lang = langs[(langs.indexOf(S.lang) + 1) % langs.length];
    store.set('lang', S.lang);
    renderAll();
  });
  el.people.addEventListener('click', () => openCart(el.people));
  el.ordersBtn.addEventListener('click', showOrders);
  el.serviceBtn.addEventListener('click', showService);
  for (const d of [el.cartDialog, el.ordersDialog, el.serviceDialog, el.itemDialog, el.nameDialog]) {
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
  renderService();
  renderConn();
}

start();
