// Taking a payment in a table's panel: under each share of the split bill
// (or under the whole bill) what was paid and what is still due, an
// amount prefilled with the due, and one button per method. One
// Idempotency-Key per share and standing, so a double tap records once;
// the payment that pays the bill in full closes the table (the server
// does it), and the panel shows the next visit.

import { h } from './dom.js';
import { fmt, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { toast } from './toasts.js';

const METHODS = ['card', 'cash', 'other'];
/** `${share}/${paid}` → the key of the payment being taken there. */
const keys = new Map();

function keyFor(slot) {
  if (!keys.has(slot)) keys.set(slot, (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`);
  return keys.get(slot);
}

/** "Paid … · Due …" of a share or the bill. */
export function standing(x) {
  return h('p', { class: `pay-standing${x.due.amount_minor === 0 && x.paid.amount_minor > 0 ? ' paid-up' : ''}`, 'data-role': 'standing', 'data-due': x.due.amount_minor },
    h('span', {}, `${tr('fl_paid')} `, h('strong', {}, fmt(x.paid.amount_minor))),
    ' · ',
    h('span', {}, `${tr('fl_due')} `, h('strong', { 'data-role': 'due' }, fmt(x.due.amount_minor))));
}

/**
 * The row that takes a payment of `share` (null: the whole bill) of bill
 * `b`, at most `due`; `done(receipt)` after it was recorded.
 */
export function payRow(b, share, due, done) {
  if (due <= 0 || b.due.amount_minor <= 0) return null;
  const max = Math.min(due, b.due.amount_minor);
  const slot = `${b.visit_id}/${share ?? 'bill'}/${b.paid.amount_minor}`;
  const input = h('input', {
    type: 'number', min: '1', max: String(max), step: 'any', value: String(max), inputmode: 'numeric',
    'aria-label': tr('fl_pay_amount'), 'data-key': `pay-amount-${share ?? 'bill'}`, class: 'pay-amount',
  });
  const take = async (ev, method) => {
    const row = ev.currentTarget.closest('.pay-row');
    const amount = Math.round(Number(input.value));
    if (!(amount > 0 && amount <= max)) {
      toast(tr('fl_pay_bad_amount', { max: fmt(max) }), { kind: 'error' });
      input.value = String(max);
      return;
    }
    for (const b2 of row.querySelectorAll('button')) b2.disabled = true;
    try {
      const receipt = await api('POST', `/tables/${b.table_id}/bill/payments`,
        { share, amount_minor: amount, method, expected_total_minor: b.total.amount_minor },
        { headers: { 'idempotency-key': `${keyFor(slot)}-${amount}-${method}` } });
      keys.delete(slot);
      toast(receipt.closed ? tr('fl_paid_closed', { name: b.table_name }) : tr('fl_pay_taken', { amount: fmt(amount), method: tr(`pm_${method}`) }));
      done(receipt);
    } catch (e) {
      const code = e instanceof ApiFailure ? e.code : '';
      toast(code === 'bill_changed' ? tr('fl_pay_changed') : code.startsWith('overpays') ? tr('fl_pay_over', { due: fmt(e.details?.due_minor ?? 0) }) : failureText(e), { kind: 'error' });
      done(null);
    }
  };
  return h('div', { class: 'pay-row', role: 'group', 'aria-label': tr('fl_pay') },
    input,
    METHODS.map((m) => h('button', {
      type: 'button', class: `btn btn-small${m === 'card' ? ' btn-primary' : ''}`, 'data-key': `pay-${m}-${share ?? 'bill'}`, 'data-method': m,
      onclick: (ev) => take(ev, m),
    }, tr(`pm_${m}`))));
}
