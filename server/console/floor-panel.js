// A table's panel on the map: a modal <dialog> with its open requests (to
// acknowledge, to mark done), the current visit's orders and their lines
// (who added or entered each), ready orders to mark served, "Add order"
// and a line's "Void" (floor-entry.js), and the bill — whole, by person,
// evenly in N, or by items (lines assigned to named shares there:
// floor-items.js), as the API splits it, each share with what was paid and
// is due and a payment to take (floor-pay.js) — with "Close the bill" after a
// confirmation. Redrawn live with the map; the bill is fetched again when
// the visit's orders or payments change.

import { h, fill, icon } from './dom.js';
import { pick } from './i18n.js';
import { S, ago, fmt, tr, when } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { floor, floorOrderChanged, floorServiceRequest, refreshTable, tableState } from './floor-store.js';
import { changeStatus } from './orders-store.js';
import { confirmDialog } from './dialogs.js';
import { addOrder, voidLine } from './floor-entry.js';
import { toast } from './toasts.js';
import { payRow, standing } from './floor-pay.js';
import { itemsEditor, resetItems } from './floor-items.js';

const P = { id: null, split: 'whole', ways: 2, bill: null, key: null, error: null };
let dialog = null;

/** A state in words: the kinds asked for, or the state's name. */
export function stateWords(s) {
  if (s.state === 'called') return s.kinds.map((k) => tr(`fl_kind_${k}`)).join(' · ');
  if (s.state === 'acked') return `${tr('fl_acked')}: ${s.kinds.map((k) => tr(`fl_req_${k}`)).join(', ')}`;
  return tr(`fl_${s.state}`);
}

export function openPanel(id) {
  Object.assign(P, { id, split: 'whole', bill: null, key: null, error: null });
  resetItems();
  if (!dialog) {
    dialog = h('dialog', { class: 'table-panel', 'aria-labelledby': 'panel-title', 'data-role': 'table-panel' });
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    document.body.append(dialog);
  }
  const back = document.activeElement;
  dialog.onclose = () => {
    P.id = null;
    // The tile may have been drawn again meanwhile: focus the new one.
    (document.querySelector(`[data-key="tile-${id}"]`) || back)?.focus?.();
  };
  draw();
  dialog.showModal();
  dialog.querySelector('h2')?.focus();
}

/** The map changed: the open panel follows. */
export function redrawPanel() {
  if (dialog?.open && P.id !== null) draw();
}

function draw() {
  const e = floor.get(P.id);
  if (!e) {
    dialog.close();
    return;
  }
  const s = tableState(e);
  const key = billKey(e);
  if (key !== P.key) loadBill(key);
  const orders = [...e.orders.values()].sort((a, b) => a.created_at - b.created_at);
  const requests = [...e.requests.values()].sort((a, b) => a.created_at - b.created_at);
  fill(dialog,
    h('div', { class: 'panel-top' },
      h('div', {},
        h('h2', { id: 'panel-title', tabindex: '-1', 'data-key': 'panel-title' }, e.table.name),
        h('p', { class: `panel-state tile-${s.state}`, 'data-role': 'state' }, stateWords(s),
          s.counts.people ? ` · ${tr('fl_people', { n: s.counts.people })}` : null, ' · ', ago(s.since))),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': tr('close'), 'data-key': 'panel-close', onclick: () => dialog.close() }, icon('close', 20))),
    h('section', { class: 'panel-sec', 'aria-labelledby': 'sec-req' },
      h('h3', { id: 'sec-req' }, tr('fl_requests')),
      requests.length ? h('ul', { class: 'reqs' }, requests.map(request)) : h('p', { class: 'hint' }, tr('fl_no_requests'))),
    h('section', { class: 'panel-sec', 'aria-labelledby': 'sec-orders' },
      h('div', { class: 'sec-head' }, h('h3', { id: 'sec-orders' }, tr('fl_orders')),
        h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-key': 'add-order', onclick: () => addOrder(e.table, changed) }, tr('fe_add'))),
      orders.length ? h('ol', { class: 'panel-orders' }, orders.map(order)) : h('p', { class: 'hint' }, tr('fl_no_orders'))),
    h('section', { class: 'panel-sec', 'aria-labelledby': 'sec-bill', 'data-role': 'bill' },
      h('h3', { id: 'sec-bill' }, tr('fl_bill')),
      billView(e)));
}

function request(r) {
  return h('li', { class: `req req-${r.state}`, 'data-request': r.id, 'data-state': r.state },
    h('span', { class: 'req-what' }, h('strong', {}, tr(`fl_req_${r.kind}`)),
      h('span', { class: 'hint' }, ` ${tr('fl_asked', { t: when(r.created_at) })} · ${ago(r.created_at)}`),
      r.state === 'acked' ? h('span', { class: 'pill pill-accepted' }, tr('fl_acked')) : h('span', { class: 'pill pill-placed' }, tr('fl_waiting'))),
    h('span', { class: 'row-end' },
      r.state === 'open' ? h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-key': `ack-${r.id}`, onclick: (ev) => serve(ev, 'ack', r) }, tr('fl_ack')) : null,
      h('button', { type: 'button', class: 'btn btn-small', 'data-key': `done-${r.id}`, onclick: (ev) => serve(ev, 'done', r) }, icon('check', 16), tr('fl_done'))));
}

async function serve(ev, step, r) {
  ev.currentTarget.disabled = true;
  try {
    floorServiceRequest(await api('POST', `/service-requests/${r.id}/${step}`));
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
    refreshTable(r.table_id).catch(() => {});
  }
}

function order(o) {
  return h('li', { class: `porder st-${o.status}`, 'data-order': o.id, 'data-status': o.status },
    h('div', { class: 'porder-head' },
      h('strong', {}, `#${o.number}`), h('span', { class: 'hint' }, when(o.created_at)),
      h('span', { class: `pill pill-${o.status}`, 'data-role': 'status' }, tr(`st_${o.status}`)),
      h('strong', { class: 'porder-total' }, fmt(o.total.amount_minor)),
      o.status === 'ready' ? h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-key': `served-${o.id}`, onclick: (ev) => served(ev, o) }, tr('to_served')) : null),
    h('ul', { class: 'lines' }, o.items.map((l) => h('li', {},
      h('span', { class: 'qty' }, `${l.qty}×`), ' ', h('span', {}, pick(S.lang, l.name)),
      l.options.length ? h('span', { class: 'opts' }, ` (${l.options.map((c) => pick(S.lang, c.option)).join(', ')})`) : null,
      l.note ? h('span', { class: 'note' }, ` — “${l.note}”`) : null,
      h('span', { class: 'by', 'data-role': 'by' }, by(l)),
      voidable(o) ? h('button', { type: 'button', class: 'btn btn-small btn-link', 'data-key': `void-${l.id}`, onclick: () => voidLine(o, l, changed) }, tr('fv_void')) : null))));
}

function by(l) {
  if (l.added_by?.nickname) return tr('fl_by', { name: l.added_by.nickname });
  if (l.entered_by?.name) return tr('fl_by_staff', { name: l.entered_by.name });
  return tr('fl_by_table');
}

/** Lines of orders not yet served can be voided (the server says the same). */
const voidable = (o) => !['served', 'cancelled'].includes(o.status);

/** An order entered or voided here: the table and its bill again. */
function changed(o) {
  floorOrderChanged(o);
  P.key = null;
  refreshTable(o.table_id).catch(() => {});
}

async function served(ev, o) {
  ev.currentTarget.disabled = true;
  try {
    floorOrderChanged(await changeStatus(o.id, 'served'));
  } catch (e) {
    toast(e instanceof ApiFailure && e.status === 409 ? tr('illegal') : failureText(e), { kind: e.status === 409 ? 'info' : 'error' });
    refreshTable(o.table_id).catch(() => {});
  }
}

// ---- The bill

function billKey(e) {
  // An order's total too: a void of some of its lines changes the bill.
  const counted = [...e.orders.values()].filter((o) => o.status !== 'cancelled').sort((a, b) => a.id - b.id).map((o) => `${o.id}:${o.total.amount_minor}`);
  return `${e.table.id}/${e.visit.id}/${counted.join(',')}/${e.paid ?? 0}/${P.split}/${P.split === 'even' ? P.ways : ''}`;
}

async function loadBill(key) {
  P.key = key;
  P.error = null;
  const query = P.split === 'person' ? '?split=person' : P.split === 'even' ? `?split=even&ways=${P.ways}` : P.split === 'items' ? '?split=items' : '';
  try {
    const bill = await api('GET', `/tables/${P.id}/bill${query}`);
    if (P.key === key) P.bill = bill;
  } catch (e) {
    if (P.key === key) P.error = failureText(e);
  }
  if (P.key === key) redrawPanel();
}

/** 2 to 50 ways, as the API takes; anything else goes back to what it was. */
function setWays(input) {
  const n = Math.round(Number(input.value));
  if (n >= 2 && n <= 50) {
    if (n !== P.ways) { P.ways = n; draw(); }
  } else input.value = String(P.ways);
}

function splitTo(split) {
  P.split = split;
  draw();
}

function billView(e) {
  const b = P.bill;
  const tabs = h('div', { class: 'split-tabs', role: 'group', 'aria-label': tr('fl_split') },
    ['whole', 'person', 'even', 'items'].map((m) => h('button', {
      type: 'button', class: 'btn btn-small', 'aria-pressed': String(P.split === m), 'data-key': `split-${m}`, onclick: () => splitTo(m),
    }, tr(`fl_split_${m}`))),
    P.split === 'even' ? h('label', { class: 'inline-field ways' }, tr('fl_ways'),
      h('input', {
        type: 'number', min: '2', max: '50', value: String(P.ways), 'data-key': 'ways', inputmode: 'numeric',
        onchange: (ev) => setWays(ev.target),
        onkeydown: (ev) => { if (ev.key === 'Enter') setWays(ev.target); },
      })) : null);
  if (P.error) return [tabs, h('p', { class: 'form-error', role: 'alert' }, P.error)];
  if (!b || b.visit_id !== e.visit.id) return [tabs, h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'))];
  const shares = b.shares || null;
  const sum = shares ? shares.reduce((n, sh) => n + sh.total.amount_minor, 0) : null;
  return [tabs,
    P.split === 'items' && b.items ? itemsEditor(b, redrawPanel, sharesSaved) : null,
    shares ? h('ul', { class: 'shares', 'data-role': 'shares' }, shares.map((sh) => share(sh, b, e))) : lineList(b.lines),
    h('dl', { class: 'bill-sums' },
      h('dt', {}, tr('fl_subtotal')), h('dd', {}, fmt(b.subtotal.amount_minor)),
      h('dt', {}, b.tax_included ? tr('fl_tax_incl', { rate: b.tax_rate_bp / 100 }) : tr('fl_tax_added', { rate: b.tax_rate_bp / 100 })), h('dd', {}, fmt(b.tax.amount_minor)),
      h('dt', { class: 'bill-total' }, tr('total')), h('dd', { class: 'bill-total', 'data-role': 'bill-total', 'data-minor': b.total.amount_minor }, fmt(b.total.amount_minor))),
    shares ? h('p', { class: `hint sum-check${sum === b.total.amount_minor ? '' : ' bad'}`, 'data-role': 'shares-sum', 'data-minor': sum }, tr('fl_shares_sum', { n: shares.length, sum: fmt(sum) })) : null,
    h('div', { class: 'bill-standing', 'data-role': 'bill-standing' }, standing(b),
      shares ? null : payRow(b, null, b.due.amount_minor, (receipt) => paid(e, receipt))),
    h('div', { class: 'row-end' },
      h('button', {
        type: 'button', class: 'btn btn-primary', 'data-key': 'close-bill', disabled: b.orders.length === 0 && e.requests.size === 0,
        onclick: () => closeBill(e, b),
      }, tr('fl_close_bill')))];
}

function lineList(lines) {
  if (!lines.length) return h('p', { class: 'hint' }, tr('fl_bill_empty'));
  return h('ul', { class: 'bill-lines' }, lines.map((l) => h('li', {},
    h('span', {}, h('span', { class: 'qty' }, `${l.qty}×`), ' ', pick(S.lang, l.name),
      l.options.length ? h('span', { class: 'opts' }, ` (${l.options.map((c) => pick(S.lang, c.option)).join(', ')})`) : null),
    h('span', { class: 'price' }, fmt(l.line_total.amount_minor)))));
}

/** The item shares saved (the server's bill in them), or refused (null: the bill again). */
function sharesSaved(bill) {
  if (bill && bill.visit_id === P.bill?.visit_id) P.bill = bill;
  else Object.assign(P, { bill: null, key: null });
  redrawPanel();
}

/** After a payment (null: refused): the next visit if it closed the table, else the bill again. */
function paid(e, receipt) {
  if (receipt?.closed) {
    refreshTable(e.table.id).catch(() => {});
    return;
  }
  P.key = null;
  redrawPanel();
}

function share(sh, b, e) {
  const name = sh.kind === 'table' ? tr('fl_share_table', { name: sh.name }) : sh.kind === 'even' ? tr('fl_share_even', { name: sh.name })
    : sh.kind === 'unassigned' ? tr('fi_unassigned') : sh.name;
  return h('li', { class: `share share-${sh.kind}${sh.total.amount_minor > 0 && sh.due.amount_minor === 0 ? ' share-paid' : ''}`, 'data-share': sh.name, 'data-share-id': sh.id, 'data-kind': sh.kind },
    h('div', { class: 'share-head' }, h('strong', { 'data-role': 'share-name' }, name),
      h('strong', { class: 'price', 'data-role': 'share-total', 'data-minor': sh.total.amount_minor }, fmt(sh.total.amount_minor))),
    sh.lines.length ? lineList(sh.lines) : null,
    h('p', { class: 'hint share-sums' }, `${tr('fl_subtotal')} ${fmt(sh.subtotal.amount_minor)} · ${b.tax_included ? tr('fl_tax_in_share') : tr('fl_tax_on_share')} ${fmt(sh.tax.amount_minor)}`),
    standing(sh),
    payRow(b, sh.id, sh.due.amount_minor, (receipt) => paid(e, receipt)));
}

async function closeBill(e, b) {
  const ok = await confirmDialog({
    title: tr('fl_close_q', { name: e.table.name, total: fmt(b.total.amount_minor) }), body: tr('fl_close_explain'), ok: tr('fl_close_bill'),
  });
  if (!ok) return;
  try {
    // Only the bill that was shown is closed: an order that came in
    // meanwhile makes it 409 `bill_changed`, and the panel shows it again.
    await api('POST', `/tables/${e.table.id}/close?expected_total_minor=${b.total.amount_minor}`);
    toast(tr('fl_closed', { name: e.table.name }));
  } catch (err) {
    const changed = err instanceof ApiFailure && err.status === 409 && err.code === 'bill_changed';
    toast(changed ? tr('fl_bill_changed') : err instanceof ApiFailure && err.status === 409 ? tr('fl_already_closed') : failureText(err), { kind: 'error' });
  }
  await refreshTable(e.table.id).catch(() => {});
}
