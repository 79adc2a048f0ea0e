// The table's client API (/api/v1/tables/{token}/…): the fetches, and the
// loads that bring the menu, the orders and the service requests into the
// state and redraw them.

import { pick } from './i18n.js';
import { API, S, cart, clientId, fmt, tr, views } from './state.js';
import { toast } from './toasts.js';

/** A refusal from the API: HTTP status plus the body's `code` and `details`. */
export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || `http_${status}`;
    this.details = body?.details || null;
  }
}

/** GET `API + path` as JSON; an answer other than 2xx throws an `ApiFailure`. */
export async function getJson(path) {
  const res = await fetch(API + path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new ApiFailure(res.status, await res.json().catch(() => null));
  return res.json();
}

/**
 * POSTs an order (`body` as the server's NewOrder) under its idempotency
 * key. Returns the placed order; throws an `ApiFailure` when refused (and
 * whatever `fetch` throws when the network fails).
 */
export async function postOrder(body, key) {
  const res = await fetch(`${API}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new ApiFailure(res.status, await res.json().catch(() => null));
  return res.json();
}

/**
 * Asks for staff, water or the bill (`body` as the server's
 * NewServiceRequest). Returns `{ request, created }`: a new request
 * (201), or the one of that kind already open (200). Throws an
 * `ApiFailure` when refused.
 */
export async function postServiceRequest(body) {
  const res = await fetch(`${API}/service-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new ApiFailure(res.status, await res.json().catch(() => null));
  return { request: await res.json(), created: res.status === 201 };
}

/**
 * Fetches the menu again. Calls while one is under way wait for it and one
 * more fetch after it (one event may follow another), so that two reloads
 * never compare against the same old menu (a notice told twice).
 */
let menuLoad = null;
let menuAgain = false;
export function loadMenu() {
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
  views.menu();
  views.cart();
}

/** Takes `menu` (the API's public menu) as the page's menu. */
export function setMenu(menu) {
  S.menu = menu;
  S.items = new Map(menu.categories.flatMap((c) => c.items.map((i) => [i.id, i])));
}

export async function loadOrders() {
  S.orders = await getJson('/orders');
  views.orders();
}

/** The visit's service requests, with their states. */
export async function loadRequests() {
  S.requests = await getJson('/service-requests');
  views.service();
}

/** Takes a request the server told of (an answer, or a `service_request` message). */
export function putRequest(request) {
  S.requests = [...S.requests.filter((r) => r.id !== request.id), request].sort((a, b) => a.id - b.id);
  views.service();
}

/** The visit's bill and this diner's share of it (what they added to the cart). */
export async function loadBill() {
  S.bill = await getJson(`/bill?client_id=${encodeURIComponent(clientId)}`);
  views.orders();
}
