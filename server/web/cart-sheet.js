// The cart: the bar at the bottom (count and total), and the cart sheet in
// its two steps — the lines (people at the table, steppers, notes) and the
// review (problems, the location notice, "Place order"); the nickname
// dialog opened from it. Lines show the page's own prices and problems
// (pricing.js); the server decides when the order is placed.

import { h, fill, icon, focusTitle } from './dom.js';
import { pick } from './i18n.js';
import { S, cart, clientId, el, fmt, tr } from './state.js';
import { cartTotals, lineProblem, unitPrice } from './pricing.js';
import { change, rename } from './live.js';
import { needsGps, placeOrder } from './ordering.js';
import { markInCart } from './menu.js';

function renderCartBar() {
  const lines = cart.view();
  const { total, count } = cartTotals(S.items, lines);
  el.cartBar.hidden = count === 0;
  document.body.classList.toggle('has-cart', count > 0);
  if (!count) return;
  fill(el.cartBar, h('button', { type: 'button', class: 'cart-btn', 'data-key': 'cart-bar', onclick: () => openCart(el.cartBar.firstChild) },
    h('span', { class: 'count', 'aria-hidden': 'true' }, String(count)),
    h('span', { class: 'label' }, tr('view_cart'), h('span', { class: 'visually-hidden' }, `, ${tr('items', { n: count })}, `)),
    h('span', { class: 'sum' }, fmt(total))));
}

export function renderCart() {
  if (!S.table) return;
  document.body.dataset.pending = String(cart.pending.length);
  renderCartBar();
  markInCart();
  if (!el.cartDialog.open) return;
  if (S.step === 'review') renderReview();
  else renderCartStep();
}

function participantsBlock() {
  const people = S.participants.length ? S.participants : [{ client_id: clientId, nickname: S.nickname }];
  return h('section', { class: 'people', 'aria-labelledby': 'people-h' },
    h('h3', { id: 'people-h' }, icon('people', 16), tr('at_table')),
    h('ul', { class: 'chips' }, ...people.map((p) => h('li', { class: p.client_id === clientId ? 'chip me' : 'chip' },
      p.client_id === clientId ? `${p.nickname} (${tr('you')})` : p.nickname))),
    h('button', { type: 'button', class: 'link', 'data-key': 'rename', onclick: openRename }, icon('edit', 14), tr('change_name')));
}

function renderCartStep() {
  el.cartTitle.textContent = tr('cart_title');
  const lines = cart.view();
  const { total } = cartTotals(S.items, lines);
  if (!lines.length) {
    fill(el.cartBody, participantsBlock(), h('p', { class: 'empty' }, icon('bag', 32), tr('cart_empty')));
    return;
  }
  fill(el.cartBody,
    participantsBlock(),
    h('ul', { class: 'lines', 'aria-label': tr('cart_title') }, ...lines.map((l) => cartLine(l, lines))),
    h('div', { class: 'total-row' }, h('span', {}, tr('total')), h('strong', { class: 'cart-total' }, fmt(total))),
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'btn primary wide', 'data-key': 'review', onclick: () => { S.step = 'review'; S.error = null; renderCart(); focusTitle(el.cartDialog); } },
        tr('review'))));
}

function cartLine(l, lines) {
  const item = S.items.get(l.item_id);
  const name = item ? pick(S.lang, item.name) : `#${l.item_id}`;
  const problem = lineProblem(S.items, l, lines);
  const opts = optionText(item, l.options);
  const mine = l.added_by === clientId;
  const who = mine ? tr('added_by_you') : tr('added_by', { name: l.added_by_name });
  const price = item ? fmt(unitPrice(item, l.options) * l.qty) : '';
  const id = l.line_id;
  return h('li', { class: `line${problem ? ' has-problem' : ''}${l.pending ? ' pending' : ''}`, 'data-line': id, 'data-item': l.item_id },
    h('div', { class: 'line-head' },
      h('div', { class: 'line-text' },
        h('span', { class: 'name' }, name),
        opts ? h('span', { class: 'opts' }, opts) : null,
        h('span', { class: 'who' }, who)),
      h('span', { class: 'line-price' }, price)),
    problem ? h('p', { class: 'problem' }, icon('alert', 16), tr(problem)) : null,
    l.note ? h('p', { class: 'note' }, icon('note', 14), l.note) : null,
    h('div', { class: 'line-actions' },
      h('div', { class: 'stepper', role: 'group', 'aria-label': tr('qty_of', { name }) },
        l.qty > 1
          ? h('button', { type: 'button', class: 'step', 'data-key': `less-${id}`, 'aria-label': tr('less', { name }), onclick: () => change(() => cart.setQty(id, l.qty - 1)) }, icon('minus', 18))
          : h('button', { type: 'button', class: 'step', 'data-key': `less-${id}`, 'aria-label': tr('remove', { name }), onclick: () => change(() => cart.remove(id)) }, icon('trash', 18)),
        h('output', { class: 'qty', 'aria-live': 'polite' }, String(l.qty)),
        h('button', { type: 'button', class: 'step', 'data-key': `more-${id}`, 'aria-label': tr('more', { name }), disabled: l.qty >= 99, onclick: () => change(() => cart.setQty(id, l.qty + 1)) }, icon('plus', 18))),
      h('button', { type: 'button', class: 'link', 'data-key': `note-${id}`, onclick: () => editNote(l, name) }, icon('note', 14), l.note ? tr('edit_note') : tr('add_note')),
      l.qty > 1 ? h('button', { type: 'button', class: 'link danger', 'data-key': `rm-${id}`, 'aria-label': tr('remove', { name }), onclick: () => change(() => cart.remove(id)) }, icon('trash', 16)) : null));
}

function editNote(line, name) {
  const li = el.cartBody.querySelector(`[data-line="${CSS.escape(line.line_id)}"]`);
  if (!li) return;
  const input = h('input', { type: 'text', id: 'note-input', maxlength: '200', value: line.note || '', placeholder: tr('note_placeholder'), autocomplete: 'off' });
  const form = h('form', { class: 'note-form', onsubmit: (e) => {
    e.preventDefault();
    const note = input.value.trim() || null;
    if (note !== (line.note || null)) change(() => cart.setNote(line.line_id, note));
    else renderCart();
    el.cartBody.querySelector(`[data-key="note-${CSS.escape(line.line_id)}"]`)?.focus();
  } },
  h('label', { for: 'note-input' }, tr('note_for', { name })),
  input,
  h('div', { class: 'row' },
    h('button', { type: 'button', class: 'btn', onclick: () => renderCart() }, tr('cancel')),
    h('button', { type: 'submit', class: 'btn primary' }, tr('save'))));
  li.querySelector('.line-actions').replaceWith(form);
  input.focus();
}

function renderReview() {
  el.cartTitle.textContent = tr('review_title');
  const lines = cart.view();
  const { total } = cartTotals(S.items, lines);
  const problems = lines.filter((l) => lineProblem(S.items, l, lines));
  const gps = needsGps();
  const label = gps ? tr('gps_place', { total: fmt(total) }) : tr('place_order', { total: fmt(total) });
  fill(el.cartBody,
    h('p', { class: 'hint' }, tr('review_hint')),
    h('ul', { class: 'review-lines' }, ...lines.map((l) => {
      const item = S.items.get(l.item_id);
      const problem = lineProblem(S.items, l, lines);
      return h('li', { class: problem ? 'has-problem' : '' },
        h('span', { class: 'qty' }, `${l.qty}×`),
        h('span', { class: 'line-text' },
          h('span', { class: 'name' }, item ? pick(S.lang, item.name) : `#${l.item_id}`),
          optionText(item, l.options) ? h('span', { class: 'opts' }, optionText(item, l.options)) : null,
          l.note ? h('span', { class: 'note' }, l.note) : null,
          problem ? h('span', { class: 'problem' }, icon('alert', 14), tr(problem)) : null),
        h('span', { class: 'line-price' }, item ? fmt(unitPrice(item, l.options) * l.qty) : ''));
    })),
    h('div', { class: 'total-row big' }, h('span', {}, tr('total')), h('strong', { class: 'cart-total' }, fmt(total))),
    gps ? h('section', { class: 'gps', 'aria-labelledby': 'gps-h' },
      h('h3', { id: 'gps-h' }, icon('pin', 16), tr('gps_title')),
      h('p', {}, tr('gps_explain'))) : null,
    S.error || problems.length ? h('div', { class: 'error', role: 'alert', tabindex: '-1' },
      icon(S.error === tr('err_not_on_network') ? 'wifi' : 'alert', 20),
      h('div', {},
        h('p', {}, S.error || tr('has_problems')),
        problems.length ? h('button', { type: 'button', class: 'btn', 'data-key': 'drop-problems', onclick: () => {
          S.error = null;
          change(() => { for (const l of problems) cart.remove(l.line_id); });
          if (!cart.view().length) { S.step = 'cart'; renderCart(); }
        } }, tr('remove_problems')) : null)) : null,
    S.busy ? h('p', { class: 'status', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(S.status === 'locating' ? 'locating' : 'placing')) : null,
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'btn', 'data-key': 'back-to-cart', onclick: () => { S.step = 'cart'; S.error = null; renderCart(); focusTitle(el.cartDialog); } }, tr('back_to_cart')),
      h('button', { type: 'button', class: 'btn primary wide', 'data-key': 'place', disabled: S.busy || !lines.length, onclick: placeOrder }, label)));
}

export function openCart(opener) {
  S.step = 'cart';
  S.error = null;
  if (!el.cartDialog.open) el.cartDialog.showModal();
  renderCart();
  focusTitle(el.cartDialog);
  el.cartDialog.addEventListener('close', () => opener?.isConnected && opener.focus(), { once: true });
}

/** The names of the chosen options of a line, in the diner's language. */
function optionText(item, options) {
  if (!item) return '';
  const names = [];
  for (const g of item.option_groups) {
    for (const id of options?.[g.id] || []) {
      const o = g.options.find((x) => x.id === id);
      if (o) names.push(pick(S.lang, o.name));
    }
  }
  return names.join(', ');
}

/** The nickname dialog (the diner's name in the cart and to the table). */
function openRename() {
  const input = h('input', { type: 'text', id: 'nick-input', maxlength: '24', value: S.nickname, autocomplete: 'nickname', 'aria-describedby': 'nick-help' });
  fill(el.nameDialog, h('form', { class: 'name-form', onsubmit: (e) => {
    e.preventDefault();
    const nickname = input.value.trim().slice(0, 24);
    if (nickname && nickname !== S.nickname) rename(nickname);
    el.nameDialog.close();
    renderCart();
  } },
  h('h2', { id: 'nick-title', tabindex: '-1' }, tr('nickname_title')),
  h('label', { for: 'nick-input' }, tr('nickname_label')),
  input,
  h('p', { id: 'nick-help', class: 'hint' }, tr('nickname_help')),
  h('div', { class: 'row' },
    h('button', { type: 'button', class: 'btn', onclick: () => el.nameDialog.close() }, tr('cancel')),
    h('button', { type: 'submit', class: 'btn primary' }, tr('save')))));
  el.nameDialog.showModal();
  input.select();
}
