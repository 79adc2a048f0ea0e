// The owner and staff console: signs in, loads the restaurant and the
// account, shows one page at a time (#orders, #floor, #menu, #tables, and for
// owners #devices, #staff, #settings, #reports) with the nav its role may
// use — an owners' page opened by staff says it is for owners — and keeps
// the staff socket open. Talks to /api/v1/admin and /ws/staff.
//
// The top of the modules. Below it: the pages (orders.js, floor.js with
// floor-panel.js and floor-store.js, menu-page.js with
// item-form.js and option-groups.js, tables.js, devices.js, staff.js,
// settings.js with location-settings.js, reports.js with hour-chart.js),
// account.js, then live.js and orders-store.js, session.js, forms.js,
// api.js, dialogs.js, toasts.js, beep.js, socket.js, and at the bottom
// state.js, dom.js and i18n.js (with words.js).

import { h, fill, icon } from './dom.js';
import { S, el, isOwner, store, tr, views } from './state.js';
import { api, failureText } from './api.js';
import { savedSession, signIn, signOut } from './session.js';
import { connect } from './live.js';
import { unlock } from './beep.js';
import { renderOrders } from './orders.js';
import { renderFloor } from './floor.js';
import { renderMenu } from './menu-page.js';
import { renderTables } from './tables.js';
import { renderDevices } from './devices.js';
import { renderStaff } from './staff.js';
import { renderSettings } from './settings.js';
import { renderReports } from './reports.js';
import { openAccount, whoName } from './account.js';

const PAGES = {
  orders: { render: renderOrders, icon: 'orders', staff: true },
  floor: { render: renderFloor, icon: 'floor', staff: true },
  menu: { render: renderMenu, icon: 'menu', staff: true },
  tables: { render: renderTables, icon: 'tables', staff: true },
  devices: { render: renderDevices, icon: 'devices', staff: false },
  staff: { render: renderStaff, icon: 'staff', staff: false },
  settings: { render: renderSettings, icon: 'settings', staff: false },
  reports: { render: renderReports, icon: 'reports', staff: false },
};

async function start() {
  const saved = store.get('lang');
  S.lang = saved === 'en' || saved === 'ko' ? saved : (navigator.language || '').toLowerCase().startsWith('ko') ? 'ko' : 'en';
  document.documentElement.lang = S.lang;
  document.body.classList.remove('loading');
  S.session = savedSession();
  if (!S.session) await signIn(false);
  unlock();
  try {
    [S.restaurant, S.me] = await Promise.all([api('GET', '/restaurant'), api('GET', '/me').catch(() => null)]);
  } catch (e) {
    fill(el.main, h('div', { class: 'empty', role: 'alert' }, h('p', {}, failureText(e)),
      h('button', { type: 'button', class: 'btn', onclick: () => location.reload() }, tr('reload'))));
    return;
  }
  document.addEventListener('pointerdown', unlock, { once: true });
  Object.assign(views, { page: renderPage, header: renderHeader, conn: renderConn });
  addEventListener('hashchange', route);
  route();
  connect();
}

function allowed(name) {
  const p = PAGES[name];
  return Boolean(p) && (isOwner() || p.staff);
}

function route() {
  const name = location.hash.replace(/^#\/?/, '') || 'orders';
  if (!PAGES[name]) {
    location.replace('#orders');
    if (S.page) return;
  }
  const next = PAGES[name] ? name : 'orders';
  const changed = S.page !== next;
  S.page = next;
  renderHeader();
  renderConn();
  renderPage();
  if (changed) el.main.querySelector('h1')?.focus({ preventScroll: true });
}

function renderPage(info) {
  document.body.dataset.page = S.page;
  if (!allowed(S.page)) {
    // Staff opening an owners' page (the API would refuse it anyway).
    el.main.dataset.view = 'owners-only';
    fill(el.main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr(`nav_${S.page}`))),
      h('div', { class: 'empty', role: 'alert', 'data-role': 'owners-only' }, h('p', {}, tr('owners_only')),
        h('a', { class: 'btn btn-primary', href: '#orders' }, tr('to_orders'))));
    return;
  }
  PAGES[S.page].render(el.main, info || {});
}

function renderHeader() {
  document.documentElement.lang = S.lang;
  document.title = `${tr(`nav_${S.page}`)} · ${S.restaurant.name}`;
  document.getElementById('restaurant-name').textContent = S.restaurant.name;
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', tr('nav_label'));
  fill(nav, Object.entries(PAGES).filter(([n]) => allowed(n)).map(([n, p]) => h('a', {
    href: `#${n}`, class: 'nav-link', 'aria-current': S.page === n ? 'page' : null, 'data-key': `nav-${n}`,
  }, icon(p.icon, 18), tr(`nav_${n}`))));
  fill(document.getElementById('who'),
    h('button', {
      type: 'button', class: 'btn btn-small who-btn', 'data-key': 'account', 'aria-label': `${tr('account')}: ${whoName()}`,
      title: `${S.me?.email || ''} · ${tr(`role_${S.session.role}`)}`, onclick: openAccount,
    }, icon('user', 16), h('span', { class: 'who-text' }, h('span', { class: 'who-name' }, whoName()),
      h('span', { class: 'who-email' }, S.me?.email && S.me.name ? S.me.email : tr(`role_${S.session.role}`)))),
    h('button', {
      type: 'button', class: 'btn btn-small', lang: S.lang === 'ko' ? 'en' : 'ko', 'data-key': 'lang', 'aria-label': `${tr('lang_label')}: ${tr('language')}`,
      onclick: () => {
        S.lang = S.lang === 'ko' ? 'en' : 'ko';
        store.set('lang', S.lang);
        renderHeader();
        renderConn();
        renderPage();
      },
    }, tr('language')),
    h('button', { type: 'button', class: 'btn btn-small', 'data-key': 'logout', onclick: signOut }, icon('logout', 16), tr('sign_out')));
}

function renderConn() {
  const bar = document.getElementById('conn');
  const down = S.conn === 'reconnecting';
  bar.hidden = !down;
  fill(bar, down ? [icon('wifi', 18), tr('offline')] : []);
}

start();
