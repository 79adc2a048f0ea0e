// The signed-in person's account, from the header: who they are, and
// changing their own password (the current one is asked again; the
// account's other sessions end, this one stays).

import { h } from './dom.js';
import { S, tr } from './state.js';
import { api, ApiFailure } from './api.js';
import { formDialog } from './dialogs.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { toast } from './toasts.js';

/** The name to show for the signed-in account. */
export function whoName() {
  return S.me?.name || S.me?.email || tr(`role_${S.session.role}`);
}

export function openAccount() {
  const input = (name, autocomplete) => h('input', { name, type: 'password', autocomplete, required: true });
  return formDialog({
    title: tr('account'),
    ok: tr('change_password'),
    content: [
      S.me ? h('dl', { class: 'facts' },
        h('dt', {}, tr('user_name')), h('dd', {}, S.me.name || '—'),
        h('dt', {}, tr('email')), h('dd', {}, S.me.email),
        h('dt', {}, tr('role')), h('dd', {}, tr(`role_${S.me.role}`))) : null,
      h('h3', {}, tr('change_password')),
      h('p', { class: 'hint' }, tr('password_change_note')),
      // For password managers: whose password this is.
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: S.me?.email || '', hidden: true, readonly: true, tabindex: '-1' }),
      checkedField(tr('current_password'), input('current_password', 'current-password')),
      checkedField(tr('new_password'), input('new_password', 'new-password'), tr('password_rule')),
      checkedField(tr('repeat_password'), input('repeat_password', 'new-password')),
      errorSlot(),
    ],
    submit: async (form) => {
      clearErrors(form);
      const f = form.elements;
      if (!f.current_password.value) return !showError(form, { details: { field: 'current_password' } }, tr('fill_current'));
      if (f.new_password.value !== f.repeat_password.value) return !showError(form, { details: { field: 'repeat_password' } }, tr('passwords_differ'));
      try {
        await api('POST', '/me/password', { current_password: f.current_password.value, new_password: f.new_password.value });
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'wrong_password') showError(form, { details: { field: 'current_password' } }, tr('current_wrong'));
        else if (e instanceof ApiFailure && e.details?.field === 'password') showError(form, { details: { field: 'new_password' } }, tr('password_weak'));
        else showError(form, e);
        return false;
      }
      toast(tr('password_changed_self'));
      return true;
    },
  });
}
