// The menu: the category bar (following the scrolled menu, sideways only)
// and a card per dish with its price, stock, "in cart" mark and "Add" (or
// "Choose", for a dish with required options, which opens its sheet).

import { h, fill, icon } from './dom.js';
import { pick, allergen } from './i18n.js';
import { S, cart, el, fmt, tr } from './state.js';
import { addToCart } from './live.js';
import { openItem, thumb } from './item-sheet.js';

let observer = null;
/** What the menu on screen was drawn from: its layout, and each item. */
let drawnLayout = null;
const drawnItems = new Map();

/**
 * Draws the menu. When only items changed (sold out, a price), only their
 * cards are replaced: a menu redrawn whole would replace the "Add" button
 * a diner is tapping (every order of a limited dish changes the menu of
 * every table).
 */
export function renderMenu() {
  const cats = S.menu.categories;
  const layout = JSON.stringify([S.lang, cats.map((c) => [c.id, c.name, c.items.map((i) => i.id)])]);
  if (layout === drawnLayout) {
    const counts = inCartCounts();
    for (const item of S.items.values()) {
      const drawn = JSON.stringify(item);
      if (drawnItems.get(item.id) === drawn) continue;
      drawnItems.set(item.id, drawn);
      const card = el.menu.querySelector(`.card[data-item="${item.id}"]`);
      if (!card) continue;
      const focused = card.contains(document.activeElement) ? document.activeElement.dataset.key : null;
      const fresh = menuCard(item, counts.get(item.id) || 0);
      card.replaceWith(fresh);
      if (focused) fresh.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    }
    return;
  }
  drawnLayout = layout;
  drawnItems.clear();
  for (const item of S.items.values()) drawnItems.set(item.id, JSON.stringify(item));
  fill(el.cats, ...cats.map((c, i) => h('a', {
    href: `#cat-${c.id}`, class: 'cat', 'data-cat': c.id, 'aria-current': i === 0 ? 'true' : null,
    onclick: (e) => {
      e.preventDefault();
      document.getElementById(`cat-${c.id}`).scrollIntoView({ behavior: 'smooth', block: 'start' });
      document.getElementById(`cat-${c.id}`).querySelector('h2').focus({ preventScroll: true });
    },
  }, pick(S.lang, c.name))));
  el.cats.setAttribute('aria-label', tr('categories'));
  const counts = inCartCounts();
  fill(el.menu, ...cats.map((c) => h('section', { id: `cat-${c.id}`, class: 'category', 'aria-labelledby': `cat-h-${c.id}` },
    h('h2', { id: `cat-h-${c.id}`, tabindex: '-1' }, pick(S.lang, c.name)),
    h('ul', { class: 'items' }, ...c.items.map((item) => h('li', {}, menuCard(item, counts.get(item.id) || 0)))))));
  observer?.disconnect();
  observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const id = e.target.id.slice(4);
      for (const a of el.cats.querySelectorAll('.cat')) {
        const on = a.dataset.cat === id;
        a.toggleAttribute('aria-current', on);
        if (on) revealCategoryLink(a);
      }
    }
  }, { rootMargin: '-120px 0px -65% 0px' });
  for (const s of el.menu.querySelectorAll('.category')) observer.observe(s);
}

/**
 * Scrolls the category bar sideways so that its link `a` is in sight. Only
 * the bar: `scrollIntoView` would also scroll the page (the link sits inside
 * the html's scroll-padding-top), moving the menu under a diner's finger
 * right after they scrolled — and a tap landing mid-jump is lost.
 */
function revealCategoryLink(a) {
  const link = a.getBoundingClientRect();
  const bar = el.cats.getBoundingClientRect();
  const margin = 14;
  if (link.left < bar.left + margin) el.cats.scrollLeft -= bar.left + margin - link.left;
  else if (link.right > bar.right - margin) el.cats.scrollLeft += link.right - (bar.right - margin);
}

function inCartCounts() {
  const counts = new Map();
  for (const l of cart.view()) counts.set(l.item_id, (counts.get(l.item_id) || 0) + l.qty);
  return counts;
}


function menuCard(item, inCart) {
  const name = pick(S.lang, item.name);
  const [otherLang, other] = Object.entries(item.name).find(([l, v]) => l !== S.lang && v && v !== name) || [];
  const soldOut = !item.available;
  const needsChoice = item.option_groups.some((g) => g.min > 0);
  const desc = pick(S.lang, item.description);
  return h('article', { class: `card${soldOut ? ' sold-out' : ''}`, 'data-item': item.id, 'aria-label': name },
    h('button', { type: 'button', class: 'card-main', 'data-key': `open-${item.id}`, disabled: soldOut,
      'aria-label': `${name}, ${fmt(item.price.amount_minor)}${soldOut ? `, ${tr('sold_out')}` : ''}`,
      onclick: () => openItem(item) },
    h('span', { class: 'card-text' },
      h('span', { class: 'name' }, name),
      other ? h('span', { class: 'other-name', lang: otherLang }, other) : null,
      desc ? h('span', { class: 'desc' }, desc) : null,
      item.allergens.length ? h('span', { class: 'allergens' }, `${tr('contains')}: ${item.allergens.map((a) => allergen(S.lang, a)).join(', ')}`) : null),
    thumb(item, 'thumb')),
    h('div', { class: 'card-actions' },
      h('span', { class: 'price', 'aria-hidden': 'true' }, fmt(item.price.amount_minor)),
      soldOut ? h('span', { class: 'pill pill-out' }, tr('sold_out'))
        : item.remaining !== null && item.remaining <= 5 ? h('span', { class: 'pill pill-low' }, tr('left', { n: item.remaining })) : null,
      inCart ? h('span', { class: 'in-cart', 'data-n': String(inCart) }, icon('check', 14), tr('in_cart', { n: inCart })) : null,
      soldOut ? null : h('button', {
        type: 'button', class: 'add', 'data-key': `add-${item.id}`,
        'aria-label': needsChoice ? tr('choose_named', { name }) : tr('add_named', { name }),
        onclick: () => (needsChoice ? openItem(item) : addToCart(item, 1, {}, null)),
      }, icon('plus', 16), needsChoice ? tr('choose') : tr('add'))));
}

/** Keeps the menu's "in cart" marks true (after any change to the cart). */
export function markInCart() {
  const counts = inCartCounts();
  for (const card of el.menu.querySelectorAll('.card')) {
    const id = Number(card.dataset.item);
    const n = counts.get(id) || 0;
    const mark = card.querySelector('.in-cart');
    if ((mark && Number(mark.dataset.n) === n) || (!mark && !n)) continue;
    const fresh = menuCard(S.items.get(id), n);
    if (mark) mark.remove();
    const newMark = fresh.querySelector('.in-cart');
    if (newMark) {
      newMark.dataset.n = String(n);
      card.querySelector('.card-actions').insertBefore(newMark, card.querySelector('.add'));
    }
  }
}
