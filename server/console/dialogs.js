// A confirmation in a modal <dialog>: the question, what it means, and two
// real buttons (Escape and the backdrop answer "no"). Focus starts on the
// safe answer and returns to where it was.

import { h, fill } from './dom.js';
import { tr } from './state.js';

/** Resolves true when `ok` is pressed. */
export function confirmDialog({ title, body, ok, danger = false }) {
  const dialog = document.getElementById('confirm');
  const back = document.activeElement;
  return new Promise((resolve) => {
    let answer = false;
    const no = h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, tr('keep'));
    fill(dialog,
      h('h2', { id: 'confirm-title' }, title),
      body ? h('p', { class: 'confirm-body' }, body) : null,
      h('div', { class: 'row-end' }, no,
        h('button', {
          type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`,
          onclick: () => { answer = true; dialog.close(); },
        }, ok)));
    dialog.onclick = (e) => { if (e.target === dialog) dialog.close(); };
    dialog.onclose = () => {
      back?.focus?.();
      resolve(answer);
    };
    dialog.showModal();
    no.focus();
  });
}
