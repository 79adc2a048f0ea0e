// A dish's sheet: photo, description, allergens, its option groups (each
// with its min/max, checked before adding), a note and the quantity; "Add"
// shows the price of what was chosen.

import { h, fill, icon } from './dom.js';
import { pick, allergen } from './i18n.js';
import { S, el, fmt, tr } from './state.js';
import { unitPrice } from './pricing.js';
import { addToCart } from './live.js';

export function openItem(item) {
  if (!item.available) return;
  const name = pick(S.lang, item.name);
  const chosen = {};
  let qty = 1;
  const priceOut = h('span', {});
  const qtyOut = h('output', { class: 'qty', 'aria-live': 'polite' }, '1');
  const errors = new Map();
  const update = () => {
    priceOut.textContent = tr('add_to_cart', { price: fmt(unitPrice(item, chosen) * qty) });
    qtyOut.textContent = String(qty);
  };
  const groups = item.option_groups.map((g) => {
    const single = g.max === 1;
    const err = h('p', { class: 'field-error', id: `err-${g.id}`, hidden: true }, tr('pick_n', { min: g.min, max: g.max }));
    errors.set(g.id, err);
    const inputs = g.options.map((o) => {
      const input = h('input', { type: single ? 'radio' : 'checkbox', name: `opt-${g.id}`, value: o.id,
        onchange: () => {
          chosen[g.id] = inputs.filter((i) => i.checked).map((i) => i.value);
          if (!single) for (const i of inputs) i.disabled = !i.checked && chosen[g.id].length >= g.max;
          err.hidden = true;
          update();
        } });
      return input;
    });
    return h('fieldset', { class: 'group', 'aria-describedby': `err-${g.id}` },
      h('legend', {}, pick(S.lang, g.name), h('span', { class: `req${g.min > 0 ? ' on' : ''}` }, g.min > 0 ? tr('required') : tr('optional')),
        h('span', { class: 'pick' }, tr('pick_n', { min: g.min, max: g.max }))),
      ...g.options.map((o, i) => h('label', { class: 'choice' }, inputs[i],
        h('span', { class: 'choice-name' }, pick(S.lang, o.name)),
        o.price_delta_minor ? h('span', { class: 'delta' }, `+${fmt(o.price_delta_minor)}`) : null)),
      err);
  });
  const note = h('textarea', { id: 'item-note', maxlength: '200', rows: '2', placeholder: tr('note_placeholder') });
  const desc = pick(S.lang, item.description);
  const form = h('form', { class: 'item-form', onsubmit: (e) => {
    e.preventDefault();
    for (const g of item.option_groups) {
      const n = (chosen[g.id] || []).length;
      if (n < g.min || n > g.max) {
        errors.get(g.id).hidden = false;
        form.querySelector(`[name="opt-${CSS.escape(g.id)}"]`)?.focus();
        return;
      }
    }
    const options = Object.fromEntries(Object.entries(chosen).filter(([, v]) => v.length));
    el.itemDialog.close();
    addToCart(item, qty, options, note.value.trim() || null);
  } },
  h('div', { class: 'sheet-head' },
    h('h2', { id: 'item-title', tabindex: '-1' }, name),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': tr('close'), onclick: () => el.itemDialog.close() }, icon('close'))),
  h('div', { class: 'sheet-scroll' },
    thumb(item, 'hero'),
    desc ? h('p', { class: 'desc' }, desc) : null,
    item.allergens.length ? h('p', { class: 'allergens' }, `${tr('contains')}: ${item.allergens.map((a) => allergen(S.lang, a)).join(', ')}`) : null,
    ...groups,
    h('div', { class: 'field' }, h('label', { for: 'item-note' }, tr('note')), note),
    h('div', { class: 'qty-row' },
      h('span', { id: 'qty-label' }, tr('quantity')),
      h('div', { class: 'stepper', role: 'group', 'aria-labelledby': 'qty-label' },
        h('button', { type: 'button', class: 'step', 'aria-label': tr('less', { name }), onclick: () => { qty = Math.max(1, qty - 1); update(); } }, icon('minus', 18)),
        qtyOut,
        h('button', { type: 'button', class: 'step', 'aria-label': tr('more', { name }), onclick: () => { qty = Math.min(99, qty + 1); update(); } }, icon('plus', 18))))),
  h('div', { class: 'sheet-actions' }, h('button', { type: 'submit', class: 'btn primary wide' }, priceOut)));
  update();
  fill(el.itemDialog, form);
  const opener = document.activeElement;
  el.itemDialog.showModal();
  el.itemDialog.querySelector('h2').focus();
  el.itemDialog.addEventListener('close', () => opener?.isConnected && opener.focus(), { once: true });
}

/** A dish's photo, or a tile with its first letter: the card's thumbnail, the sheet's hero. */
export function thumb(item, cls) {
  if (item.image_url) return h('img', { class: cls, src: item.image_url, alt: '', loading: 'lazy', decoding: 'async' });
  // No photo: a tile with the dish's first letter, coloured per dish.
  const tile = h('div', { class: `${cls} tile`, 'aria-hidden': 'true' }, Array.from(pick('ko', item.name))[0] || '?');
  tile.style.setProperty('--hue', String((item.id * 47 + 12) % 360));
  return tile;
}
