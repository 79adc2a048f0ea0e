// Signing in and out. The session ({token, role, restaurant_id,
// expires_at}) is kept in sessionStorage: this tab only, gone with it.
// The login's `device_token` is kept in localStorage per email (it is no
// credential, and must outlive the tab): sent with the next sign-in, it
// gives this browser a budget of attempts that strangers cannot use up.
// When a call finds the session ended, the sign-in panel covers the page
// (which is made inert, not redrawn: open forms keep what was typed) and the
// waiting calls go on once signed in again as the same restaurant.

import { h, fill } from './dom.js';
import { api, ApiFailure, onUnauthorized } from './api.js';
import { S, el, store, tr } from './state.js';

const KEY = 'qrorder-console:session';
let waiting = [];
let endedUnderPage = false;

/** The saved session of this tab, if still valid. */
export function savedSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY));
    if (s?.token && s.expires_at > Date.now()) return s;
  } catch { /* none */ }
  return null;
}

function keep(session) {
  S.session = session;
  try {
    if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
    else sessionStorage.removeItem(KEY);
  } catch { /* this page only */ }
}

/** Shows the sign-in panel; resolves once signed in. `again`: a session ended under an open page. */
export function signIn(again = false) {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (waiting.length === 1) render(again);
  });
}

/** The session ended (a 401, or the socket closed with 1008). */
export function sessionEnded() {
  const had = S.session;
  keep(null);
  if (had) S.lastSession = had;
  return signIn(true);
}
onUnauthorized(sessionEnded);

export async function signOut() {
  try { await api('POST', '/logout'); } catch { /* ended anyway */ }
  keep(null);
  location.reload();
}

function render(again) {
  endedUnderPage = again;
  const panel = el.login;
  const form = panel.querySelector('form') || buildForm();
  const note = panel.querySelector('.login-note');
  note.textContent = again ? tr('sign_in_again') : '';
  note.hidden = !again;
  panel.querySelector('h1').textContent = tr('app_name');
  panel.querySelector('.lbl-email').textContent = tr('email');
  panel.querySelector('.lbl-password').textContent = tr('password');
  panel.querySelector('button[type=submit]').textContent = tr('sign_in');
  const lang = panel.querySelector('.login-lang');
  lang.textContent = tr('language');
  lang.lang = S.lang === 'ko' ? 'en' : 'ko';
  lang.setAttribute('aria-label', `${tr('lang_label')}: ${tr('language')}`);
  panel.querySelector('.login-error').textContent = '';
  panel.hidden = false;
  // A modal dialog would keep the sign-in panel out of reach.
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
  el.app.inert = true;
  document.body.classList.add('signing-in');
  const email = form.elements.email;
  (email.value ? form.elements.password : email).focus();
}

function buildForm() {
  const error = h('p', { class: 'login-error', role: 'alert' });
  const form = h('form', { class: 'login-form', novalidate: true, onsubmit: submit },
    h('label', { class: 'field' }, h('span', { class: 'field-label lbl-email' }),
      h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, value: store.get('email') || '' })),
    h('label', { class: 'field' }, h('span', { class: 'field-label lbl-password' }),
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    error,
    h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }));
  fill(el.login, h('div', { class: 'login-card' },
    h('img', { src: document.querySelector('link[rel=icon]').href, alt: '', width: 48, height: 48 }),
    h('button', {
      type: 'button', class: 'btn btn-small login-lang', onclick: () => {
        S.lang = S.lang === 'ko' ? 'en' : 'ko';
        store.set('lang', S.lang);
        document.documentElement.lang = S.lang;
        render(endedUnderPage);
      },
    }),
    h('h1', {}), h('p', { class: 'login-note', hidden: true }), form));
  return form;
}

const deviceKey = (email) => `device:${email.toLowerCase()}`;

/** The restaurants a password opened (409 restaurant_required), as buttons that sign in to one. */
function chooseRestaurant(form, error, restaurants) {
  fill(error, h('span', {}, tr('choose_restaurant')), ...restaurants.map((r) => h('button', {
    type: 'button', class: 'btn btn-small', onclick: () => {
      form.dataset.restaurant = String(r.id);
      form.requestSubmit();
    },
  }, r.name)));
}

async function submit(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const error = form.querySelector('.login-error');
  const button = form.querySelector('button[type=submit]');
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  if (!email || !password) {
    error.textContent = tr('wrong_password');
    (email ? form.elements.password : form.elements.email).focus();
    return;
  }
  button.disabled = true;
  button.textContent = tr('signing_in');
  error.textContent = '';
  try {
    const body = { email, password };
    const device = store.get(deviceKey(email));
    if (device) body.device_token = device;
    if (form.dataset.restaurant) {
      body.restaurant_id = Number(form.dataset.restaurant);
      delete form.dataset.restaurant;
    }
    const session = await api('POST', '/login', body, { auth: false });
    store.set('email', email);
    if (session.device_token) store.set(deviceKey(email), session.device_token);
    const before = S.lastSession;
    keep(session);
    form.elements.password.value = '';
    if (before && (before.restaurant_id !== session.restaurant_id || before.role !== session.role)) {
      // Another restaurant or role: nothing on this page is theirs.
      location.reload();
      return;
    }
    el.login.hidden = true;
    el.app.inert = false;
    document.body.classList.remove('signing-in');
    const resolve = waiting;
    waiting = [];
    for (const r of resolve) r(session);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) error.textContent = tr('wrong_password');
    else if (err instanceof ApiFailure && err.code === 'account_disabled') error.textContent = tr('account_disabled');
    else if (err instanceof ApiFailure && err.status === 429) {
      error.textContent = tr(err.details?.limit === 'account' ? 'too_many_account' : 'too_many', { s: err.retryAfter });
    } else if (err instanceof ApiFailure && err.code === 'restaurant_required') {
      chooseRestaurant(form, error, err.details?.restaurants || []);
      return;
    }
    else if (err instanceof ApiFailure && err.status === 0) error.textContent = tr('err_network');
    else error.textContent = tr('err_generic', { m: err.message });
    form.elements.password.select();
  } finally {
    button.disabled = false;
    button.textContent = tr('sign_in');
  }
}
