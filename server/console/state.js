// The one shared state of the console: the session, the restaurant, the
// language, saved choices, and `views` — redraws that lower modules ask
// for without importing the pages. Nothing else is shared between modules.

import { dateTime, elapsed, money, t } from './i18n.js';

export const S = {
  /** {token, role, restaurant_id, expires_at} or null. */
  session: null,
  /** GET /me: {id, email, name, role} of the signed-in account. */
  me: null,
  /** GET /restaurant. */
  restaurant: null,
  lang: 'en',
  /** The page shown: a key of app.js's PAGES ('orders', 'menu', 'tables', 'devices', …). */
  page: null,
  /** The staff socket's state: 'connecting' | 'open' | 'reconnecting'. */
  conn: 'connecting',
  /** The session that ended under an open page (to tell a different sign-in). */
  lastSession: null,
};

/** localStorage that never throws (private modes, full quota). */
export const store = {
  get(key) {
    try { return localStorage.getItem(`qrorder-console:${key}`); } catch { return null; }
  },
  set(key, value) {
    try { localStorage.setItem(`qrorder-console:${key}`, value); } catch { /* kept for this page only */ }
  },
};

export const tr = (key, vars) => t(S.lang, key, vars);
export const fmt = (minor) => money(S.lang, minor, S.restaurant?.currency || 'KRW');
export const when = (ms, withDate) => dateTime(S.lang, ms, S.restaurant?.timezone || 'UTC', withDate);
/** How long since `ms`, in words ("4 min"). */
export const ago = (ms) => elapsed(S.lang, Date.now() - ms);
export const isOwner = () => S.session?.role === 'owner';

/** Filled by app.js: redraw the page shown, the header, the connection banner. */
export const views = { page() {}, header() {}, conn() {} };

export const el = {
  get app() { return document.getElementById('app'); },
  get main() { return document.getElementById('main'); },
  get toasts() { return document.getElementById('toasts'); },
  get login() { return document.getElementById('login'); },
};

/**
 * An order as `order_changed` (a void, or a kitchen's confirmation) brings it, with the status and its
 * times we already hold: the snapshot was read when the void committed and
 * may arrive after a later `order_status`, which must not be undone.
 */
export function withStatusOf(held, changed) {
  if (!held) return changed;
  const merged = { ...changed };
  for (const [k, v] of Object.entries(held)) if (k === 'status' || k.endsWith('_at')) merged[k] = v;
  // A kitchen's confirmation only ever comes, never goes.
  merged.kitchen_confirmed_at = changed.kitchen_confirmed_at ?? held.kitchen_confirmed_at ?? null;
  return merged;
}
