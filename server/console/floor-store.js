// The table map's state: every table in service, its current visit (as its
// bill says), that visit's orders, its open service requests and how many
// people are at it (diners with its page open: GET /tables/people). Loaded
// when the map is first shown and again on every `resync`; kept live by
// the staff feed's `order_placed`, `order_status`, `order_changed` (lines
// voided), `service_request` and `table` (a payment taken, or the bill
// closed: the next visit is loaded; or the people at it). A table is
// "seated" when its visit has people, orders or requests, "free" when it
// has none of them.

import { api } from './api.js';
import { S, views, withStatusOf } from './state.js';

/** table id → {table, visit: {id, opened_at}, orders: Map<id, Order>, requests: Map<id, ServiceRequest>}. */
export const floor = new Map();
let wanted = false;
let loaded = false;
const STAMP = { accepted: 'accepted_at', preparing: 'preparing_at', ready: 'ready_at', served: 'served_at', cancelled: 'cancelled_at' };
const ACTIVE = ['placed', 'accepted', 'preparing'];

export const isFloorLoaded = () => loaded;

/** The map is shown: load it once; from then on it is kept. */
export function wantFloor() {
  if (wanted) return;
  wanted = true;
  reloadFloor().catch(() => {});
}

/** On `resync`: reload if the map was ever shown. */
export function floorResync() {
  if (wanted) reloadFloor().catch(() => {});
}

function redraw() {
  if (S.page === 'floor') views.page();
}

const entryOf = (table, bill) => ({
  table,
  visit: { id: bill.visit_id, opened_at: bill.opened_at },
  paid: bill.paid?.amount_minor ?? 0,
  orders: new Map(bill.orders.map((o) => [o.id, o])),
  requests: new Map(),
  people: 0,
  seatedAt: null,
});

/** Who is at the tables; none known when it cannot be read (Redis away): the map still shows the rest. */
const loadPeople = () => api('GET', '/tables/people').catch(() => []);

function putPeople(e, list) {
  const p = list.find((x) => x.table_id === e.table.id && x.visit_id === e.visit.id);
  if (p) e.people = p.people;
}

/** `fn` over `items`, at most `n` at once. */
async function eachLimited(items, n, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length) await fn(queue.shift());
  }));
}

let loading = null;
let again = false;
/** Tables, their bills and the open requests (one load at a time; a call during one loads once more after it). */
export function reloadFloor() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      do {
        again = false;
        const [tables, requests, people] = await Promise.all([api('GET', '/tables'), api('GET', '/service-requests'), loadPeople()]);
        const next = new Map();
        await eachLimited(tables.filter((t) => t.active), 4, async (t) => {
          next.set(t.id, entryOf(t, await api('GET', `/tables/${t.id}/bill`)));
        });
        for (const r of requests) {
          const e = next.get(r.table_id);
          if (e && r.visit_id === e.visit.id) e.requests.set(r.id, r);
        }
        for (const e of next.values()) putPeople(e, people);
        floor.clear();
        for (const [id, e] of next) floor.set(id, e);
        loaded = true;
      } while (again);
    } finally {
      loading = null;
    }
    redraw();
  })();
  return loading;
}

/** One table again, from its bill (after closing it, or an event of a table not known yet). */
export async function refreshTable(id) {
  const e = floor.get(id);
  if (!e) {
    await reloadFloor();
    return;
  }
  const [bill, requests, people] = await Promise.all([api('GET', `/tables/${id}/bill`), api('GET', `/service-requests?table_id=${id}`), loadPeople()]);
  const fresh = entryOf(e.table, bill);
  for (const r of requests) if (r.visit_id === fresh.visit.id) fresh.requests.set(r.id, r);
  putPeople(fresh, people);
  if (fresh.visit.id === e.visit.id) fresh.seatedAt = e.seatedAt;
  floor.set(id, fresh);
  redraw();
}

/** The entry of `tableId` for an event of `visitId`: a newer visit starts afresh (the bill was closed elsewhere); an older one is gone. */
function entryFor(tableId, visitId, at) {
  const e = floor.get(tableId);
  if (!e) {
    if (loaded) refreshTable(tableId).catch(() => {});
    return null;
  }
  if (visitId < e.visit.id) return null;
  if (visitId > e.visit.id) {
    e.visit = { id: visitId, opened_at: at };
    e.orders.clear();
    e.requests.clear();
    e.people = 0;
    e.seatedAt = null;
  }
  return e;
}

export function floorOrderPlaced(order) {
  if (!loaded) return;
  const e = entryFor(order.table_id, order.visit_id, order.created_at);
  if (!e) return;
  // A copy: the orders' store changes its own object on `order_status`.
  e.orders.set(order.id, { ...order });
  redraw();
}

export function floorOrderStatus(id, status) {
  for (const e of floor.values()) {
    const o = e.orders.get(id);
    if (!o) continue;
    if (o.status === status) return;
    o.status = status;
    if (STAMP[status] && !o[STAMP[status]]) o[STAMP[status]] = Date.now();
    redraw();
    return;
  }
}

/**
 * An order as the server answered it (a status change or a void made here,
 * or `order_changed`: `fromFeed`, whose status may be older than ours, see
 * `withStatusOf`): its voided lines left out, as on the bill.
 */
export function floorOrderChanged(order, fromFeed = false) {
  const e = floor.get(order.table_id);
  if (e?.orders.has(order.id)) {
    const fresh = fromFeed ? withStatusOf(e.orders.get(order.id), order) : order;
    e.orders.set(order.id, { ...fresh, items: fresh.items.filter((l) => !l.voided) });
    redraw();
  }
}

export function floorServiceRequest(r) {
  if (!loaded) return;
  const e = entryFor(r.table_id, r.visit_id, r.created_at);
  if (!e) return;
  if (r.state === 'done') e.requests.delete(r.id);
  else e.requests.set(r.id, r);
  redraw();
}

/**
 * `table`: a payment was taken (what is paid changes the open panel's
 * bill), the bill closed (its next visit is loaded), or the number of
 * people at it changed.
 */
export function floorTable(u) {
  if (!loaded) return;
  const e = floor.get(u.table_id);
  if (!e || u.visit_id < e.visit.id) return;
  if (u.closed || u.visit_id > e.visit.id) {
    // Closed, or a visit begun that this map has not seen: load it.
    refreshTable(u.table_id).catch(() => {});
    return;
  }
  if (u.people !== undefined) {
    if (!e.people && u.people) e.seatedAt = Date.now();
    e.people = u.people;
  }
  if (u.paid) e.paid = u.paid.amount_minor;
  redraw();
}

const oldest = (list) => Math.min(...list);
const BY_KIND = ['call_staff', 'bill', 'water'];

/**
 * What a table needs, and since when: `called` (open requests, their kinds),
 * `ready` (an order to serve), `acked` (staff on the way), `ordered` (in the
 * kitchen), `seated` (all served), `free`. `urgent` for the first two.
 */
export function tableState(e) {
  const requests = [...e.requests.values()];
  const orders = [...e.orders.values()].filter((o) => o.status !== 'cancelled');
  const open = requests.filter((r) => r.state === 'open');
  const acked = requests.filter((r) => r.state === 'acked');
  const ready = orders.filter((o) => o.status === 'ready');
  const cooking = orders.filter((o) => ACTIVE.includes(o.status));
  const kinds = (list) => [...new Set(list.map((r) => r.kind))].sort((a, b) => BY_KIND.indexOf(a) - BY_KIND.indexOf(b));
  const counts = { ready: ready.length, cooking: cooking.length, orders: orders.length, people: e.people || 0 };
  let s;
  if (open.length) s = { state: 'called', since: oldest(open.map((r) => r.created_at)), kinds: kinds(open) };
  else if (ready.length) s = { state: 'ready', since: oldest(ready.map((o) => o.ready_at || o.created_at)) };
  else if (acked.length) s = { state: 'acked', since: oldest(acked.map((r) => r.acked_at || r.created_at)), kinds: kinds(acked) };
  else if (cooking.length) s = { state: 'ordered', since: oldest(cooking.map((o) => o.created_at)) };
  else if (orders.length || requests.length || e.people > 0) {
    const served = orders.map((o) => o.served_at).filter(Boolean);
    s = { state: 'seated', since: served.length ? Math.max(...served) : e.seatedAt || e.visit.opened_at };
  } else s = { state: 'free', since: e.visit.opened_at };
  return { ...s, kinds: s.kinds || [], also: s.state === 'acked' ? [] : kinds(acked), counts, urgent: s.state === 'called' || s.state === 'ready' };
}

const RANK = { called: 0, ready: 0, acked: 1, ordered: 2, seated: 3, free: 4 };
const byName = (a, b) => a.table.name.localeCompare(b.table.name, undefined, { numeric: true });

/** The tables, those needing someone first (oldest first), free ones last by name. */
export function tablesInOrder() {
  return [...floor.values()].map((e) => ({ ...e, s: tableState(e) }))
    .sort((a, b) => RANK[a.s.state] - RANK[b.s.state] || (a.s.state === 'free' ? byName(a, b) : a.s.since - b.s.since || byName(a, b)));
}
