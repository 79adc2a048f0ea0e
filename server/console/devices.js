// The kitchen devices page (owners): pairing a new display with a one-time
// code (shown large with its countdown; the page notices when the display
// has paired), registering one by hand (its token shown once, with a copy
// button and a warning), the devices with when each was last seen and its
// printer, and revoking one after a confirmation.

import { h, fill, icon } from './dom.js';
import { tr, when } from './state.js';
import { api, failureText } from './api.js';
import { confirmDialog } from './dialogs.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { toast } from './toasts.js';

const D = { devices: null, created: null, pairing: null };
let ticker = null;
const STATIONS = ['kitchen', 'bar', 'grill', 'dessert'];

export function renderDevices(main) {
  if (main.dataset.view !== 'devices') {
    main.dataset.view = 'devices';
    D.devices = null;
    D.created = null;
    stopPairing();
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
  const pair = main.querySelector('form.pair-device') || pairForm();
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('devices_title'))),
    D.pairing ? pairingBox(D.pairing) : null,
    h('div', { class: 'card-box' }, h('h2', {}, tr('pair_title')), h('p', { class: 'hint' }, tr('pair_hint')), pair),
    D.created ? tokenBox(D.created) : null,
    h('div', { class: 'card-box' }, h('h2', {}, tr('register_device')), h('p', { class: 'hint' }, tr('register_hint')), form),
    D.devices === null ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
      : D.devices.length === 0 ? h('p', { class: 'empty' }, tr('no_devices'))
        : h('table', { class: 'tables devices' },
          h('thead', {}, h('tr', {}, [tr('device_name'), tr('station'), tr('registered'), tr('last_seen'), tr('printer'), tr('device_state')].map((t) => h('th', { scope: 'col' }, t)),
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('revoke'))))),
          h('tbody', {}, D.devices.map(row))));
}

/**
 * A device's name and station, and a button: `submit(name, station, reset)`
 * does the call and what follows (`reset` clears the form once it went
 * through; a refusal is shown on the form). `key` prefixes the fields'
 * `data-key`; `extra` goes after the fields.
 */
function deviceForm({ cls, key, button, extra = null, submit }) {
  const form = h('form', {
    class: `row ${cls}`, novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      clearErrors(form);
      const name = form.elements.name.value.trim();
      const station = form.elements.station.value.trim();
      if (!name) return showError(form, { details: { field: 'name' } }, tr('name_needed'));
      const submitButton = form.querySelector('[type=submit]');
      submitButton.disabled = true;
      try {
        await submit(name, station, () => form.reset());
      } catch (err) {
        showError(form, err);
      } finally {
        submitButton.disabled = false;
      }
    },
  },
  checkedField(tr('device_name'), h('input', { name: 'name', autocomplete: 'off', placeholder: tr('device_name_example'), 'data-key': `${key}-name` })),
  checkedField(tr('station'), h('input', { name: 'station', value: 'kitchen', list: 'device-stations', autocomplete: 'off', 'data-key': `${key}-station` }), tr('station_rule')),
  extra,
  button,
  errorSlot());
  return form;
}

function registerForm() {
  return deviceForm({
    cls: 'new-device', key: 'device',
    extra: h('datalist', { id: 'device-stations' }, STATIONS.map((s) => h('option', { value: s }))),
    button: h('button', { type: 'submit', class: 'btn btn-primary' }, icon('plus', 18), tr('register')),
    submit: async (name, station, reset) => {
      D.created = await api('POST', '/devices', { name, station });
      reset();
      await load();
      document.querySelector('[data-role=device-token] input')?.focus();
    },
  });
}

function pairForm() {
  return deviceForm({
    cls: 'pair-device', key: 'pair',
    button: h('button', { type: 'submit', class: 'btn btn-primary' }, icon('devices', 18), tr('pair_button')),
    submit: async (name, station, reset) => {
      const code = await api('POST', '/devices/pairing-codes', { name, station });
      const known = new Set((D.devices || []).map((d) => d.id));
      D.pairing = { ...code, endsAt: Date.now() + code.expires_in_secs * 1000, known };
      reset();
      startPairing();
      redraw();
      document.querySelector('[data-role=pairing-code] [data-key=pairing-done]')?.focus();
    },
  });
}

/** The one-time code, large, with what to type on the display and the time left. */
function pairingBox(p) {
  const left = Math.max(0, Math.round((p.endsAt - Date.now()) / 1000));
  const expired = left === 0;
  const shown = `${p.code.slice(0, 4)} ${p.code.slice(4)}`;
  return h('div', { class: `banner ${expired ? 'banner-warn' : 'banner-info'} pairing-box`, role: 'region', 'aria-label': tr('pair_code_for', p), 'data-role': 'pairing-code' },
    h('p', {}, h('strong', {}, tr('pair_code_for', p))),
    h('div', { class: `pairing-code${expired ? ' is-expired' : ''}`, 'aria-label': tr('pair_code_label'), 'data-code': p.code }, shown),
    h('p', { class: 'pairing-left', 'aria-live': 'polite', 'data-role': 'pairing-left' },
      expired ? tr('pair_expired') : tr('pair_expires_in', { time: clock(left) })),
    expired ? null : h('p', {}, tr('pair_on_display')),
    expired ? null : h('pre', { class: 'pairing-command' }, `kds pair --server ${location.origin} --code ${p.code}`),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', 'data-key': 'pairing-done', onclick: () => { stopPairing(); redraw(); } }, expired ? tr('close') : tr('pair_cancel'))));
}

function clock(secs) {
  return `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
}

/** Ticks the countdown every second; looks for the paired display every 3 s. */
function startPairing() {
  clearInterval(ticker);
  let n = 0;
  ticker = setInterval(async () => {
    const main = document.getElementById('main');
    if (!D.pairing || main.dataset.view !== 'devices') return stopPairing();
    const left = Math.max(0, Math.round((D.pairing.endsAt - Date.now()) / 1000));
    const line = main.querySelector('[data-role=pairing-left]');
    if (left === 0) {
      clearInterval(ticker);
      ticker = null;
      redraw();
      return;
    }
    if (line) line.textContent = tr('pair_expires_in', { time: clock(left) });
    if (++n % 3 !== 0) return;
    try {
      const devices = await api('GET', '/devices');
      const paired = D.pairing && devices.find((d) => !D.pairing.known.has(d.id) && d.name === D.pairing.name);
      D.devices = devices;
      if (paired) {
        stopPairing();
        toast(tr('paired_done', { name: paired.name }));
        redraw();
      }
    } catch {
      // The next tick asks again.
    }
  }, 1000);
}

function stopPairing() {
  clearInterval(ticker);
  ticker = null;
  D.pairing = null;
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
