// Modal <dialog>s. A confirmation: the question, what it means, and two
// real buttons (Escape and the backdrop answer "no"); focus starts on the
// safe answer and returns to where it was. A form dialog: a few fields,
// kept open until its submit succeeds (the submit shows its refusals).

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

/**
 * A form in a modal dialog: `content` (nodes) above Cancel and `ok`.
 * `submit(form)` resolves true when done (the dialog closes), false to keep
 * it open. Resolves true once submitted, false when dismissed.
 */
export function formDialog({ title, content, ok, submit }) {
  const dialog = document.getElementById('form-dialog');
  const back = document.activeElement;
  return new Promise((resolve) => {
    let done = false;
    const button = h('button', { type: 'submit', class: 'btn btn-primary' }, ok);
    const form = h('form', {
      class: 'dialog-form', novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        try {
          done = await submit(form);
        } finally {
          button.disabled = false;
        }
        if (done) dialog.close();
      },
    }, content,
    h('div', { class: 'row-end' }, h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, tr('cancel')), button));
    fill(dialog, h('h2', { id: 'form-dialog-title' }, title), form);
    dialog.onclick = null;
    dialog.onclose = () => {
      back?.focus?.();
      resolve(done);
    };
    dialog.showModal();
    form.querySelector('input, select, textarea')?.focus();
  });
}
