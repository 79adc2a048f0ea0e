// The staff page (owners): the restaurant's accounts with their role;
// creating a staff or owner account, changing a role, setting a new
// password (which ends that person's sessions), switching an account off
// (it cannot sign in, its sessions end; on again later) and removing one.
// The server's refusals (the last owner, an email in use, a short
// password) are said in words. One's own account is changed from the
// header's Account dialog instead.

import { h, fill, icon } from './dom.js';
import { S, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { confirmDialog, formDialog } from './dialogs.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { toast } from './toasts.js';

const U = { users: null };
const ROLES = ['staff', 'owner'];

export function renderStaff(main) {
  if (main.dataset.view !== 'staff') {
    main.dataset.view = 'staff';
    U.users = null;
    load().catch((e) => toast(failureText(e), { kind: 'error' }));
  }
  draw(main);
}

async function load() {
  U.users = await api('GET', '/users');
  const main = document.getElementById('main');
  if (main.dataset.view === 'staff') draw(main);
}

/** The server's refusals of accounts, in words. */
function refusal(e) {
  if (e instanceof ApiFailure && e.code === 'last_owner') return tr('last_owner');
  if (e instanceof ApiFailure && e.code === 'email_taken') return tr('email_taken');
  if (e instanceof ApiFailure && e.details?.field === 'password') return tr('password_weak');
  if (e instanceof ApiFailure && e.details?.field === 'email') return tr('email_invalid');
  return null;
}

function draw(main) {
  const form = main.querySelector('form.new-user') || createForm();
  const others = U.users?.filter((u) => u.id !== S.me?.id) || [];
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('staff_title'))),
    h('div', { class: 'card-box' }, h('h2', {}, tr('new_account')), form),
    U.users === null ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
      : h('table', { class: 'tables users' },
        h('thead', {}, h('tr', {}, [tr('user_name'), tr('email'), tr('role')].map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('edit'))))),
        h('tbody', {}, U.users.map(row))),
    U.users !== null && others.length === 0 ? h('p', { class: 'empty' }, tr('no_staff')) : null);
}

function createForm() {
  const form = h('form', {
    class: 'new-user', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      clearErrors(form);
      const f = form.elements;
      const body = { email: f.email.value.trim(), name: f.name.value.trim(), password: f.password.value, role: f.role.value };
      if (!body.email) return showError(form, { details: { field: 'email' } }, tr('email_invalid'));
      const button = form.querySelector('[type=submit]');
      button.disabled = true;
      try {
        const user = await api('POST', '/users', body);
        form.reset();
        toast(tr('account_created', { email: user.email }));
        await load();
      } catch (err) {
        const words = refusal(err);
        showError(form, err.code === 'email_taken' ? { details: { field: 'email' } } : err, words);
      } finally {
        button.disabled = false;
      }
    },
  },
  h('div', { class: 'grid-4 user-grid' },
    checkedField(tr('email'), h('input', { name: 'email', type: 'email', autocomplete: 'off', 'data-key': 'new-email' })),
    checkedField(tr('user_name'), h('input', { name: 'name', autocomplete: 'off' })),
    checkedField(tr('password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), tr('password_rule')),
    checkedField(tr('role'), h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, tr(`role_${r}`)))))),
  errorSlot(),
  h('div', { class: 'row form-foot' }, h('p', { class: 'hint' }, tr('role_hint')),
    h('button', { type: 'submit', class: 'btn btn-primary' }, icon('plus', 18), tr('create_account'))));
  return form;
}

function row(u) {
  const self = u.id === S.me?.id;
  const label = u.name || u.email;
  return h('tr', { 'data-user': u.id },
    h('th', { scope: 'row' }, h('span', { class: 'table-name' }, u.name || '—'), self ? h('span', { class: 'pill pill-placed you' }, tr('you')) : null,
      u.disabled ? h('span', { class: 'pill pill-cancelled' }, tr('switched_off')) : null),
    h('td', {}, u.email),
    h('td', {}, self ? tr(`role_${u.role}`) : h('select', {
      'aria-label': `${tr('role')}: ${label}`, 'data-key': `role-${u.id}`, onchange: (e) => setRole(u, e.target),
    }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, tr(`role_${r}`))))),
    h('td', { class: 'actions' }, self ? h('span', { class: 'hint' }, tr('self_hint')) : [
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `${tr('reset_password')}: ${label}`, onclick: () => resetPassword(u) }, tr('reset_password')),
      h('button', {
        type: 'button', class: 'btn btn-small', 'data-key': `switch-${u.id}`,
        'aria-label': `${tr(u.disabled ? 'switch_on' : 'switch_off')}: ${label}`, onclick: () => setDisabled(u, !u.disabled),
      }, tr(u.disabled ? 'switch_on' : 'switch_off')),
      h('button', { type: 'button', class: 'btn btn-small btn-quiet-danger', 'aria-label': `${tr('remove_account')}: ${label}`, onclick: () => remove(u) }, icon('trash', 16), tr('remove_account')),
    ]));
}

async function setRole(u, select) {
  try {
    await api('PATCH', `/users/${u.id}`, { role: select.value });
    toast(tr('role_changed', { name: u.name || u.email, role: tr(`role_${select.value}`) }));
  } catch (e) {
    select.value = u.role;
    toast(refusal(e) || failureText(e), { kind: 'error' });
  }
  await load().catch(() => {});
}

async function setDisabled(u, off) {
  const name = u.name || u.email;
  if (off && !await confirmDialog({ title: tr('switch_off_q', { name }), body: tr('switch_off_warn'), ok: tr('switch_off') })) return;
  try {
    await api('PATCH', `/users/${u.id}`, { disabled: off });
    toast(tr(off ? 'switched_off_done' : 'switched_on_done', { name }));
  } catch (e) {
    toast(refusal(e) || failureText(e), { kind: 'error' });
  }
  await load().catch(() => {});
}

function resetPassword(u) {
  return formDialog({
    title: tr('reset_password_q', { name: u.name || u.email }),
    ok: tr('set_password'),
    content: [
      h('p', { class: 'hint' }, tr('reset_password_note')),
      checkedField(tr('new_password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), tr('password_rule')),
      errorSlot(),
    ],
    submit: async (form) => {
      try {
        await api('PATCH', `/users/${u.id}`, { password: form.elements.password.value });
      } catch (e) {
        showError(form, e, refusal(e));
        return false;
      }
      toast(tr('password_reset', { name: u.name || u.email }));
      return true;
    },
  });
}

async function remove(u) {
  if (!await confirmDialog({ title: tr('remove_q', { name: u.name || u.email }), body: tr('remove_warn'), ok: tr('remove_account'), danger: true })) return;
  try {
    await api('DELETE', `/users/${u.id}`);
    toast(tr('account_removed', { email: u.email }));
  } catch (e) {
    toast(refusal(e) || failureText(e), { kind: 'error' });
  }
  await load().catch(() => {});
}
