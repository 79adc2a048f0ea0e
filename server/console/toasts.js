// Short notices in the corner (at most four), gone after 6 s unless focused;
// `kind` 'error' is announced assertively and stays 10 s.

import { h } from './dom.js';
import { el, tr } from './state.js';

export function toast(text, { kind = 'info', action, label } = {}) {
  const node = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', {}, text),
    action ? h('button', { type: 'button', class: 'link', onclick: () => { node.remove(); action(); } }, label || tr('retry')) : null);
  el.toasts.append(node);
  while (el.toasts.children.length > 4) el.toasts.firstChild.remove();
  setTimeout(() => {
    if (!node.contains(document.activeElement)) node.remove();
  }, kind === 'error' ? 10_000 : 6000);
  return node;
}
