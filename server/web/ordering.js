// Placing an order: the cart as everybody saw it, under an idempotency key
// (a retried order is placed once), with the phone's location when the
// restaurant asks for it; and every refusal put into words, after bringing
// the page up to date with its cause (menu, cart).

import { ApiFailure, loadMenu, postOrder } from './api.js';
import { S, cart, el, itemName, randomId, tr, views } from './state.js';
import { connected, orderPlaced, requestSync } from './live.js';

/** The phone's location could not be had; its message is a text key. */
export class LocationFailure extends Error {}

/** The phone's position (a fix under a minute old is reused). */
export function locate() {
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

/** Whether an order from here must carry the phone's location. */
export const needsGps = () => S.table.location.gps_required || S.needGps;

function waitFor(test, ms) {
  return new Promise((resolve) => {
    const until = Date.now() + ms;
    const check = () => (test() || Date.now() > until ? resolve() : setTimeout(check, 50));
    check();
  });
}

/** Orders the cart (the review's "Place order"). */
export async function placeOrder() {
  if (S.busy) return;
  S.busy = true;
  S.error = null;
  S.status = 'placing';
  views.cart();
  try {
    // What is ordered is what everybody saw: let own changes land first.
    await waitFor(() => !cart.busy || !connected(), 3000);
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
    const fromSharedCart = connected() && S.snapshot && cart.version !== null && !cart.busy;
    if (fromSharedCart) body.cart_version = cart.version;
    if (needsGps()) {
      S.status = 'locating';
      views.cart();
      body.location = await locate();
      S.status = 'placing';
      views.cart();
    }
    let order;
    try {
      order = await postOrder(body, S.lastKey.key);
    } catch (e) {
      if (!(e instanceof ApiFailure)) throw e;
      await refused(e);
      return;
    }
    S.lastKey = null;
    if (fromSharedCart) cart.dropLines(lines.map((l) => l.line_id));
    // Ordered without the socket: the server's cart still has these lines;
    // take them out once connected again.
    else for (const l of lines) cart.remove(l.line_id);
    orderPlaced(order, true);
  } catch (e) {
    S.error = e instanceof LocationFailure ? tr(e.message) : tr('err_network');
  } finally {
    S.busy = false;
    S.status = '';
    views.cart();
    if (S.error) el.cartBody.querySelector('.error')?.focus();
  }
}

/** Why the restaurant refused this phone, in words (`details.reason`). */
export function locationError(reason) {
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
    case 'table_not_found':
      S.error = tr('bad_table');
      break;
    default:
      if (e.status === 422) S.error = tr('err_invalid', { message: e.message });
      else if (e.status === 429 || e.status === 503) S.error = tr('err_busy');
      else S.error = tr('err_generic', { code: e.code });
  }
}
