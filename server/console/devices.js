// The kitchen devices page (owners): the registered displays and printers
// with their station, registering one (its token shown once, with a copy
// button and a warning) and revoking one after a confirmation. The server
// does not report a device's last contact or printer state yet, so neither
// is shown.

import { h, fill, icon } from './dom.js';
import { tr, when } from './state.js';
import { api, failureText } from './api.js';
import { confirmDialog } from './dialogs.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { toast } from './toasts.js';

const D = { devices: null, created: null };
const STATIONS = ['kitchen', 'bar', 'grill', 'dessert'];

export function renderDevices(main) {
  if (main.dataset.view !== 'devices') {
    main.dataset.view = 'devices';
    D.devices = null;
    D.created = null;
    load().catch((e) => toast(failureText(e), { kind: 'error' }));
  }
  draw(main);
}

async function load() {
  D.devices = await api('GET', '/devices');
  redraw();
}

function redraw() {
  const main = document.getElementById('main');
  if (main.dataset.view === 'devices') draw(main);
}

function draw(main) {
  const form = main.querySelector('form.new-device') || registerForm();
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('devices_title'))),
    D.created ? tokenBox(D.created) : null,
    h('div', { class: 'card-box' }, h('h2', {}, tr('register_device')), h('p', { class: 'hint' }, tr('register_hint')), form),
    D.devices === null ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
      : D.devices.length === 0 ? h('p', { class: 'empty' }, tr('no_devices'))
        : h('table', { class: 'tables devices' },
          h('thead', {}, h('tr', {}, [tr('device_name'), tr('station'), tr('registered'), tr('last_seen'), tr('printer'), tr('device_state')].map((t) => h('th', { scope: 'col' }, t)),
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('revoke'))))),
          h('tbody', {}, D.devices.map(row))));
}

function registerForm() {
  const form = h('form', {
    class: 'row new-device', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      clearErrors(form);
      const name = form.elements.name.value.trim();
      const station = form.elements.station.value.trim();
      if (!name) return showError(form, { details: { field: 'name' } }, tr('name_needed'));
      const button = form.querySelector('[type=submit]');
      button.disabled = true;
      try {
        D.created = await api('POST', '/devices', { name, station });
        form.reset();
        await load();
        document.querySelector('[data-role=device-token] input')?.focus();
      } catch (err) {
        showError(form, err);
      } finally {
        button.disabled = false;
      }
    },
  },
  checkedField(tr('device_name'), h('input', { name: 'name', autocomplete: 'off', placeholder: tr('device_name_example'), 'data-key': 'device-name' })),
  checkedField(tr('station'), h('input', { name: 'station', value: 'kitchen', list: 'device-stations', autocomplete: 'off', 'data-key': 'device-station' }), tr('station_rule')),
  h('datalist', { id: 'device-stations' }, STATIONS.map((s) => h('option', { value: s }))),
  h('button', { type: 'submit', class: 'btn btn-primary' }, icon('plus', 18), tr('register')),
  errorSlot());
  return form;
}

/** The new device's token: shown once, copied with one press. */
function tokenBox(created) {
  const input = h('input', { class: 'token', readonly: true, value: created.token, 'aria-label': tr('device_token', { name: created.name }), onfocus: (e) => e.target.select() });
  return h('div', { class: 'banner banner-warn token-box', role: 'alert', 'data-role': 'device-token' },
    h('p', {}, icon('alert', 18), h('span', {}, h('strong', {}, tr('token_for', { name: created.name, station: created.station })), ' ', tr('token_once'))),
    h('div', { class: 'row' }, input,
      h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'copy-token', onclick: () => copy(input) }, icon('copy', 18), tr('copy')),
      h('button', { type: 'button', class: 'btn', onclick: () => { D.created = null; redraw(); } }, tr('token_done'))));
}

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // Without the clipboard API (a page not served over HTTPS): the selection.
    input.select();
    if (!document.execCommand('copy')) {
      toast(tr('copy_failed'), { kind: 'error' });
      return;
    }
  }
  toast(tr('copied'));
}

function row(d) {
  return h('tr', { class: d.revoked ? 'is-out' : '', 'data-device': d.id },
    h('th', { scope: 'row' }, h('span', { class: 'table-name' }, d.name)),
    h('td', {}, h('code', {}, d.station)),
    h('td', {}, when(d.created_at, true)),
    h('td', {}, d.last_seen_at ? when(d.last_seen_at, true) : h('span', { class: 'muted' }, tr('never_seen'))),
    h('td', {}, d.printer ? h('span', { class: `pill ${d.printer === 'ready' ? 'pill-ready' : d.printer === 'not_configured' ? '' : 'pill-cancelled'}` }, tr(`printer_${d.printer}`))
      : h('span', { class: 'muted' }, tr('printer_unknown'))),
    h('td', {}, h('span', { class: `pill ${d.revoked ? 'pill-cancelled' : 'pill-ready'}` }, d.revoked ? tr('revoked') : tr('device_active'))),
    h('td', { class: 'actions' }, d.revoked ? null : h('button', {
      type: 'button', class: 'btn btn-small btn-quiet-danger', 'aria-label': `${tr('revoke')}: ${d.name}`, onclick: () => revoke(d),
    }, icon('close', 16), tr('revoke'))));
}

async function revoke(d) {
  if (!await confirmDialog({ title: tr('revoke_q', { name: d.name }), body: tr('revoke_warn'), ok: tr('revoke'), danger: true })) return;
  try {
    await api('POST', `/devices/${d.id}/revoke`);
    toast(tr('revoked_done', { name: d.name }));
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
  await load().catch((e) => toast(failureText(e), { kind: 'error' }));
}
