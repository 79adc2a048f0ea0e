// A refused form said next to its fields: a 422 names its field
// (`details.field`), whose slot says why; anything else goes to the form's
// own slot. Slots are live regions, so the words are also announced.

import { h, field } from './dom.js';
import { failureText } from './api.js';
import { tr } from './state.js';

/** The slot where the refusals of field `name` appear ('form': the whole form's). */
export function errorSlot(name = 'form') {
  return h('span', { class: name === 'form' ? 'form-error' : 'field-error', 'data-error-for': name, role: 'alert' });
}

/** dom.js's field() with an error slot for the control's name (or `name`). */
export function checkedField(label, control, hint, name = control.name) {
  const slot = errorSlot(name);
  // Said until the field is changed.
  control.addEventListener('input', () => { slot.textContent = ''; });
  const f = field(label, control, hint);
  f.append(slot);
  return f;
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
}

/**
 * Shows refusal `e` in `form`: `text` (default: the server's words, without
 * the field's name it starts with) next to the field it names, focusing it.
 */
export function showError(form, e, text) {
  clearErrors(form);
  const name = e?.details?.field;
  const slot = (name && form.querySelector(`[data-error-for="${CSS.escape(name)}"]`)) || form.querySelector('[data-error-for="form"]');
  let words = text;
  if (!words) {
    words = name && e.status === 422 ? tr('err_field', { m: String(e.message).replace(new RegExp(`^${name}: `), '') }) : failureText(e);
  }
  if (slot) slot.textContent = words;
  const control = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
  (control || slot)?.focus?.();
  return words;
}
