// Short notices at the bottom of the page (at most three), gone after 6 s
// unless focused; one may carry a button that opens the orders sheet.

import { h } from './dom.js';
import { el, tr } from './state.js';

/** Shows `text`; with `action`, a button labelled "Orders" that calls it. */
export function toast(text, action) {
  const node = h('div', { class: 'toast' }, h('span', {}, text),
    action ? h('button', { type: 'button', class: 'link', onclick: () => { node.remove(); action(); } }, tr('orders')) : null);
  el.toasts.append(node);
  while (el.toasts.children.length > 3) el.toasts.firstChild.remove();
  setTimeout(() => {
    if (!node.contains(document.activeElement)) node.remove();
  }, 6000);
}
