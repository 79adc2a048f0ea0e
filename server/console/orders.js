// The orders page: today's orders, newest first, filtered by status and
// table; one tap moves an order to its next step, cancel asks first.

import { h, fill, icon } from './dom.js';
import { pick } from './i18n.js';
import { S, fmt, tr, when } from './state.js';
import { failureText, ApiFailure } from './api.js';
import { FLOW, canBecome, changeStatus, isLoaded, newestFirst, refreshOrder } from './orders-store.js';
import { muted, setMuted } from './beep.js';
import { confirmDialog } from './dialogs.js';
import { toast } from './toasts.js';

const filter = { status: 'all', table: 'all' };
const NEXT = { placed: 'accepted', accepted: 'preparing', preparing: 'ready', ready: 'served' };
// An open order no kitchen display confirmed this long after it was placed
// is flagged (the server keeps publishing it until one does).
export const KITCHEN_WAIT_MS = 30_000;
let recheck = null;

/** Whether an order should have reached a kitchen display by now and has not. */
export function kitchenWaiting(o, now = Date.now()) {
  return o.kitchen_confirmed_at == null && ['placed', 'accepted', 'preparing'].includes(o.status)
    && now - o.created_at >= KITCHEN_WAIT_MS;
}
let flash = null;

export function renderOrders(main, { fresh } = {}) {
  main.dataset.view = 'orders';
  if (fresh) flash = fresh;
  const all = newestFirst();
  const tables = [...new Map(all.map((o) => [String(o.table_id), o.table_name])).entries()]
    .sort((a, b) => a[1].localeCompare(b[1], undefined, { numeric: true }));
  if (filter.table !== 'all' && !tables.some(([id]) => id === filter.table)) filter.table = 'all';
  const shown = all.filter((o) => (filter.status === 'all' || (filter.status === 'open' ? !['served', 'cancelled'].includes(o.status) : o.status === filter.status))
    && (filter.table === 'all' || String(o.table_id) === filter.table));
  const select = (name, value, options, onchange) => h('select', { name, 'data-key': `filter-${name}`, onchange }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, tr('orders_title')),
      h('div', { class: 'toolbar' },
        h('label', { class: 'inline-field' }, tr('filter_status'),
          select('status', filter.status, [['all', tr('all')], ['open', tr('open_orders')], ...[...FLOW, 'cancelled'].map((s) => [s, tr(`st_${s}`)])],
            (e) => { filter.status = e.target.value; renderOrders(main); })),
        h('label', { class: 'inline-field' }, tr('filter_table'),
          select('table', filter.table, [['all', tr('all')], ...tables],
            (e) => { filter.table = e.target.value; renderOrders(main); })),
        h('button', {
          type: 'button', class: 'btn', 'data-key': 'mute', 'aria-pressed': String(!muted()),
          onclick: () => { setMuted(!muted()); renderOrders(main); },
        }, icon(muted() ? 'mute' : 'bell', 18), muted() ? tr('sound_off') : tr('sound_on')))),
    !isLoaded() ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'), h('div'))
      : all.length === 0 ? h('p', { class: 'empty' }, tr('no_orders'))
        : shown.length === 0 ? h('p', { class: 'empty' }, tr('no_match'))
          : h('ol', { class: 'orders', 'aria-label': tr('orders_title') }, shown.map(card)));
  if (flash) setTimeout(() => { flash = null; }, 2000);
  // The flag appears when an order's wait runs out, without a reload.
  clearTimeout(recheck);
  const now = Date.now();
  const soonest = Math.min(...all.filter((o) => o.kitchen_confirmed_at == null && !kitchenWaiting(o, now)
    && ['placed', 'accepted', 'preparing'].includes(o.status)).map((o) => o.created_at + KITCHEN_WAIT_MS - now));
  if (Number.isFinite(soonest)) recheck = setTimeout(() => { if (main.dataset.view === 'orders') renderOrders(main); }, Math.max(soonest, 0) + 50);
}

function card(o) {
  const next = NEXT[o.status];
  const items = o.items.filter((l) => !l.voided).reduce((n, l) => n + l.qty, 0);
  return h('li', { class: `order st-${o.status}${flash === o.id ? ' fresh' : ''}`, 'data-order': o.id, 'data-status': o.status, 'aria-label': tr('order_label', { n: o.number, table: o.table_name }) },
    h('div', { class: 'order-head' },
      h('span', { class: 'order-no' }, `#${o.number}`),
      h('span', { class: 'order-table' }, o.table_name),
      h('span', { class: `pill pill-${o.status}`, 'data-role': 'status' }, tr(`st_${o.status}`))),
    kitchenWaiting(o) ? h('p', { class: 'kitchen-waiting', role: 'status', 'data-role': 'kitchen-waiting', title: tr('kitchen_waiting_hint') },
      icon('alert', 16), ' ', tr('kitchen_waiting')) : null,
    h('p', { class: 'order-meta' }, h('time', { datetime: new Date(o.created_at).toISOString() }, when(o.created_at)),
      ` · ${tr('items_n', { n: items })} · `, h('strong', {}, fmt(o.total.amount_minor))),
    h('ul', { class: 'lines' }, o.items.map((l) => h('li', { class: l.voided ? 'voided' : null, 'data-line': l.id },
      h('span', { class: 'qty' }, `${l.qty}×`), ' ', h('span', {}, pick(S.lang, l.name)),
      l.options.length ? h('span', { class: 'opts' }, ` (${l.options.map((c) => pick(S.lang, c.option)).join(', ')})`) : null,
      l.note ? h('span', { class: 'note' }, ` — “${l.note}”`) : null,
      l.voided ? h('span', { class: 'void-why', 'data-role': 'voided' }, tr('voided_why', { reason: l.voided.reason })) : null))),
    h('div', { class: 'order-actions' },
      next ? h('button', { type: 'button', class: 'btn btn-primary', 'data-key': `next-${o.id}`, onclick: (e) => move(o, next, e.currentTarget) }, tr(`to_${next}`)) : null,
      o.status === 'ready' ? h('button', { type: 'button', class: 'btn', 'data-key': `recall-${o.id}`, onclick: (e) => move(o, 'preparing', e.currentTarget) }, tr('recall')) : null,
      canBecome(o.status, 'cancelled') ? h('button', { type: 'button', class: 'btn btn-quiet-danger', 'data-key': `cancel-${o.id}`, onclick: () => cancel(o) }, tr('cancel_order')) : null));
}

async function move(o, status, button) {
  button.disabled = true;
  try {
    await changeStatus(o.id, status);
  } catch (e) {
    button.disabled = false;
    if (e instanceof ApiFailure && e.status === 409) {
      toast(tr('illegal'));
      refreshOrder(o.id).catch(() => {});
    } else toast(failureText(e), { kind: 'error' });
  }
}

async function cancel(o) {
  const ok = await confirmDialog({
    title: tr('cancel_q', { n: o.number, table: o.table_name }), body: tr('cancel_explain'), ok: tr('cancel_order'), danger: true,
  });
  if (!ok) return;
  try {
    await changeStatus(o.id, 'cancelled');
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 409) {
      toast(tr('illegal'));
      refreshOrder(o.id).catch(() => {});
    } else toast(failureText(e), { kind: 'error' });
  }
}
