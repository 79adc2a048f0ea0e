// Assigning the bill's lines to shares (split by items), in a table's
// panel: staff name the shares, pick one, and tap the lines it pays for —
// a line in several shares is divided between them (one bottle between
// three). "Save the shares" posts them (POST …/bill/shares); the server
// answers the bill in those shares, each then paid like any other
// (floor-pay.js). Once a payment was taken against one of them the server
// keeps them as they are (409 `shares_paid`), and so does this screen.

import { h } from './dom.js';
import { pick } from './i18n.js';
import { S, fmt, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { toast } from './toasts.js';

/** The draft: {visit, shares: [{name, lines: Set<line_id>}], active, dirty, busy, error}. */
let D = null;
/** A refusal to show on the draft made afresh from the bill loaded after it. */
let pendingError = null;

function fromBill(b) {
  const shares = b.shares.filter((s) => s.kind === 'items').map((s) => ({
    name: s.name,
    lines: new Set(b.items.filter((i) => i.shares.includes(s.id)).map((i) => i.line_id)),
  }));
  const d = { visit: b.visit_id, shares, active: shares.length ? 0 : -1, dirty: false, busy: false, error: pendingError };
  pendingError = null;
  return d;
}

/** The draft of bill `b`: kept while it has changes not saved on the same visit (lines gone from the bill dropped), else made from the bill when a new one came. */
function draftFor(b) {
  if (D && D.visit === b.visit_id && (D.dirty || D.busy)) {
    const known = new Set(b.items.map((i) => i.line_id));
    for (const s of D.shares) for (const id of [...s.lines]) if (!known.has(id)) s.lines.delete(id);
    return D;
  }
  if (!D || D.bill !== b) {
    const active = D && D.visit === b.visit_id ? D.active : 0;
    D = fromBill(b);
    D.bill = b;
    D.active = Math.min(Math.max(active, 0), D.shares.length - 1);
  }
  return D;
}

/** Another table's panel, or the same one opened again: start from what is saved. */
export function resetItems() {
  D = null;
  pendingError = null;
}

const paidOn = (b) => b.payments.some((p) => p.share && (p.share.startsWith('items:') || p.share === 'unassigned'));

function itemsFailure(e) {
  if (e instanceof ApiFailure && e.code === 'shares_paid') return tr('fi_shares_paid');
  if (e instanceof ApiFailure && e.code === 'invalid_field' && e.details?.line_id) return tr('fi_line_gone');
  if (e instanceof ApiFailure && e.code === 'invalid_field') return tr('fi_invalid', { m: e.message });
  return failureText(e);
}

function who(i) {
  if (i.added_by?.nickname) return i.added_by.nickname;
  if (i.entered_by?.name) return tr('fl_by_staff', { name: i.entered_by.name }).replace(/^ · /, '');
  return tr('fl_by_table').replace(/^ · /, '');
}

/**
 * The editor of bill `b` (split=items). `redraw()` after a change made
 * here; `reload(bill)` once saved (the server's answer) or refused (null:
 * load the bill again).
 */
export function itemsEditor(b, redraw, reload) {
  const d = draftFor(b);
  const locked = paidOn(b);
  const change = (fn) => {
    fn();
    d.dirty = true;
    d.error = null;
    redraw();
  };
  const nameInput = h('input', {
    type: 'text', maxlength: '40', 'data-key': 'share-name', 'aria-label': tr('fi_share_name'), placeholder: tr('fi_share_name'),
    disabled: locked, value: d.typed || '',
    // Kept in the draft: the panel is drawn again by live events while one types.
    oninput: (ev) => { d.typed = ev.target.value; },
    onkeydown: (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); addShare(); } },
  });
  function addShare() {
    const name = nameInput.value.trim();
    const problem = !name ? tr('fi_name_needed') : d.shares.some((s) => s.name === name) ? tr('fi_name_taken', { name }) : null;
    if (problem) {
      d.error = problem;
      redraw();
      return;
    }
    change(() => {
      d.typed = '';
      d.shares.push({ name, lines: new Set() });
      d.active = d.shares.length - 1;
    });
  }
  async function save() {
    d.busy = true;
    d.error = null;
    redraw();
    try {
      const bill = await api('POST', `/tables/${b.table_id}/bill/shares`, { shares: d.shares.map((s) => ({ name: s.name, line_ids: [...s.lines] })) });
      D = null;
      toast(tr('fi_saved', { n: d.shares.length }));
      reload(bill);
    } catch (e) {
      d.busy = false;
      const text = itemsFailure(e);
      if (e instanceof ApiFailure && (e.code === 'shares_paid' || e.details?.line_id)) {
        // What is saved stands (or the bill changed): show it again, with why.
        D = null;
        pendingError = text;
        reload(null);
        return;
      }
      d.error = text;
      redraw();
    }
  }
  const active = d.shares[d.active];
  return h('div', { class: 'items-split', 'data-role': 'items-editor' },
    h('p', { class: 'hint' }, locked ? tr('fi_locked') : tr('fi_explain')),
    h('div', { class: 'share-picks', role: 'group', 'aria-label': tr('fi_shares') },
      d.shares.map((s, i) => h('span', { class: 'share-pick' },
        h('button', {
          type: 'button', class: 'btn btn-small', 'aria-pressed': String(i === d.active), 'data-key': `pick-${i}`, 'data-share-pick': s.name,
          onclick: () => { d.active = i; redraw(); },
        }, `${s.name} (${s.lines.size})`),
        locked ? null : h('button', {
          type: 'button', class: 'btn btn-small btn-link', 'aria-label': tr('fi_remove', { name: s.name }), 'data-key': `unpick-${i}`,
          onclick: () => change(() => { d.shares.splice(i, 1); d.active = Math.min(d.active, d.shares.length - 1); }),
        }, '×'))),
      locked ? null : h('span', { class: 'share-add' }, nameInput,
        h('button', { type: 'button', class: 'btn btn-small', 'data-key': 'add-share', onclick: addShare }, tr('fi_add')))),
    h('p', { class: 'hint', 'data-role': 'items-active' }, active ? tr('fi_tap', { name: active.name }) : tr('fi_first')),
    h('ul', { class: 'item-lines' }, b.items.map((i) => {
      const holders = d.shares.filter((s) => s.lines.has(i.line_id)).map((s) => s.name);
      const inActive = Boolean(active?.lines.has(i.line_id));
      return h('li', {},
        h('button', {
          type: 'button', class: `item-line${inActive ? ' in-share' : ''}`, 'aria-pressed': String(inActive), 'data-line': i.line_id,
          'data-key': `line-${i.line_id}`, disabled: locked || !active || d.busy,
          onclick: () => change(() => { if (inActive) active.lines.delete(i.line_id); else active.lines.add(i.line_id); }),
        },
        h('span', { class: 'item-what' }, h('span', { class: 'qty' }, `${i.qty}×`), ' ', pick(S.lang, i.name),
          h('span', { class: 'hint' }, ` · ${who(i)}`)),
        h('span', { class: 'price' }, fmt(i.line_total.amount_minor)),
        h('span', { class: 'item-holders', 'data-role': 'holders' },
          holders.length === 0 ? tr('fi_in_none') : holders.length === 1 ? holders[0] : tr('fi_divided', { names: holders.join(', '), n: holders.length }))));
    })),
    d.error ? h('p', { class: 'form-error', role: 'alert', 'data-role': 'items-error' }, d.error) : null,
    locked ? null : h('div', { class: 'row-end' },
      d.dirty ? h('span', { class: 'hint' }, tr('fi_unsaved')) : null,
      h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'save-shares', disabled: !d.dirty || d.busy, onclick: save }, tr('fi_save'))));
}
