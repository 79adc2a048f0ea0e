// The location guard on the settings page: the policy, the restaurant's
// networks (with "allow the network I am on now": the /24 or /64 of the
// address the server sees for this browser), its position (typed, or this
// device's from the browser) and radius, the trusted proxies, and a check
// of this browser: which checks an order sent from it now would pass, and
// the very refusal it would get (POST /location/check, nothing placed).

import { h, fill, icon } from './dom.js';
import { S, tr, views } from './state.js';
import { api } from './api.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { toast } from './toasts.js';

const POLICIES = ['network', 'gps', 'network_or_gps', 'network_and_gps'];
const L = { check: null, fix: null };

const lines = (text) => text.split(/[\s,]+/).map((l) => l.trim()).filter(Boolean);

/** The location form and the check panel (placed by settings.js). */
export function locationSettings() {
  const r = S.restaurant;
  const panel = h('section', { class: 'check-panel', 'aria-live': 'polite', 'aria-labelledby': 'check-title' });
  const geoNote = h('p', { class: 'hint geo-note', role: 'status' });
  const form = h('form', { class: 'settings card-box location', novalidate: true, 'aria-labelledby': 'location-title', onsubmit: (e) => { e.preventDefault(); save(form, {}); } },
    h('h2', { id: 'location-title' }, icon('pin', 18), tr('location_title')),
    h('p', { class: 'hint' }, tr('location_intro')),
    h('fieldset', {}, h('legend', {}, tr('policy')),
      h('div', { class: 'radios' }, POLICIES.map((p) => h('label', { class: 'check' },
        h('input', { type: 'radio', name: 'location_policy', value: p, checked: r.location_policy === p }), tr(`policy_${p}`)))),
      errorSlot('location_policy')),
    h('fieldset', {}, h('legend', {}, tr('networks')),
      h('p', { class: 'seen', 'data-role': 'seen' }, seenText()),
      checkedField(tr('network_cidrs'), h('textarea', { name: 'network_cidrs', rows: 3, spellcheck: 'false' }, r.network_cidrs.join('\n')), tr('network_cidrs_hint')),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'allow-here', disabled: !L.check?.suggested_network, onclick: () => allowHere(form) }, icon('wifi', 18), tr('allow_here')))),
    h('fieldset', {}, h('legend', {}, tr('position')),
      h('div', { class: 'grid-3' },
        checkedField(tr('lat'), h('input', { name: 'lat', value: r.lat ?? '', inputmode: 'decimal', autocomplete: 'off' })),
        checkedField(tr('lon'), h('input', { name: 'lon', value: r.lon ?? '', inputmode: 'decimal', autocomplete: 'off' })),
        checkedField(tr('radius'), h('input', { name: 'radius_m', value: r.radius_m ?? '', type: 'number', min: '10', max: '50000', step: '1' }), tr('radius_hint'))),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'use-position', onclick: () => usePosition(form, geoNote) }, icon('pin', 18), tr('use_position'))),
      geoNote),
    h('details', { class: 'advanced' }, h('summary', {}, tr('proxies')),
      checkedField(tr('trusted_proxies'), h('textarea', { name: 'trusted_proxies', rows: 2, spellcheck: 'false' }, r.trusted_proxies.join('\n')), tr('trusted_proxies_hint'))),
    errorSlot(),
    h('div', { class: 'row-end' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-key': 'save-location' }, tr('save'))));
  drawCheck(panel);
  runCheck(panel).catch(() => {});
  return { form, panel };
}

function seenText() {
  const c = L.check;
  if (!c) return tr('seen_loading');
  if (!c.client_address) return tr('seen_unknown');
  return [tr('seen_as'), ' ', h('strong', { 'data-role': 'client-address' }, c.client_address), c.suggested_network ? ` · ${tr('seen_network', { net: c.suggested_network })}` : ''];
}

/** A number from a field (empty: null; not a number: NaN). */
function num(text) {
  const t = String(text).trim().replace(',', '.');
  return t === '' ? null : (/^-?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN);
}

async function save(form, extra) {
  clearErrors(form);
  const f = form.elements;
  const r = S.restaurant;
  const next = {
    location_policy: form.querySelector('[name=location_policy]:checked')?.value || r.location_policy,
    network_cidrs: lines(f.network_cidrs.value),
    trusted_proxies: lines(f.trusted_proxies.value),
    lat: num(f.lat.value), lon: num(f.lon.value), radius_m: num(f.radius_m.value),
    ...extra,
  };
  for (const k of ['lat', 'lon', 'radius_m']) {
    // An emptied field is sent as null: the position is cleared.
    if (Number.isNaN(next[k])) return showError(form, { details: { field: k } }, tr('not_a_number'));
  }
  const patch = Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(r[k])));
  if (!Object.keys(patch).length) {
    toast(tr('nothing_changed'));
    return false;
  }
  try {
    S.restaurant = await api('PATCH', '/restaurant', patch);
  } catch (e) {
    showError(form, e);
    return false;
  }
  toast(tr('saved'));
  views.page();
  return true;
}

async function allowHere(form) {
  const net = L.check?.suggested_network;
  if (!net) return;
  const nets = lines(form.elements.network_cidrs.value);
  if (!nets.includes(net)) nets.push(net);
  form.elements.network_cidrs.value = nets.join('\n');
  await save(form, { network_cidrs: nets });
}

function usePosition(form, note) {
  note.textContent = '';
  if (!window.isSecureContext || !navigator.geolocation) {
    note.textContent = tr('geo_unavailable_here');
    return;
  }
  note.textContent = tr('geo_asking');
  navigator.geolocation.getCurrentPosition((p) => {
    L.fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy, at: Date.now() };
    form.elements.lat.value = p.coords.latitude.toFixed(6);
    form.elements.lon.value = p.coords.longitude.toFixed(6);
    note.textContent = tr('geo_filled', { m: Math.round(p.coords.accuracy) });
    const panel = document.querySelector('.check-panel');
    if (panel) runCheck(panel).catch(() => {});
  }, (e) => {
    note.textContent = e.code === 1 ? tr('geo_denied') : e.code === 3 ? tr('geo_timeout') : tr('geo_unavailable');
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
}

async function runCheck(panel) {
  panel.dataset.state = 'checking';
  try {
    L.check = await api('POST', '/location/check', { location: L.fix });
    L.error = null;
  } catch (e) {
    L.error = e;
  }
  panel.dataset.state = 'done';
  drawCheck(panel);
  const seen = document.querySelector('[data-role=seen]');
  if (seen) fill(seen, seenText());
  const allow = document.querySelector('[data-key=allow-here]');
  if (allow) allow.disabled = !L.check?.suggested_network;
}

function mark(ok, yes, no, none) {
  if (ok === null || ok === undefined) return h('span', { class: 'mark mark-none' }, '–', ' ', none);
  return h('span', { class: `mark ${ok ? 'mark-ok' : 'mark-bad'}` }, ok ? icon('check', 16) : icon('close', 16), ok ? yes : no);
}

function drawCheck(panel) {
  const c = L.check;
  const needsNet = c && c.policy !== 'gps';
  const needsGps = c && c.policy !== 'network';
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', { id: 'check-title' }, tr('check_title')),
      h('button', { type: 'button', class: 'btn btn-small', 'data-key': 'run-check', onclick: () => runCheck(panel) }, icon('refresh', 16), tr('check_again'))),
    h('p', { class: 'hint' }, tr('check_intro')),
    L.error ? h('p', { class: 'form-error' }, tr('check_failed')) : null,
    !c ? h('p', { class: 'hint' }, tr('seen_loading')) : [
      h('dl', { class: 'facts' },
        h('dt', {}, tr('check_address')), h('dd', {}, c.client_address || tr('seen_unknown')),
        h('dt', {}, tr('check_network')), h('dd', { 'data-role': 'network' }, mark(c.network_ok, tr('net_ok'), tr('net_bad')), needsNet ? null : h('span', { class: 'hint' }, ` (${tr('not_needed')})`)),
        h('dt', {}, tr('check_gps')), h('dd', { 'data-role': 'gps' }, mark(c.gps_ok, c.distance_m !== null ? tr('gps_ok', { m: Math.round(c.distance_m) }) : tr('gps_ok_plain'),
          c.distance_m !== null ? tr('gps_bad', { m: Math.round(c.distance_m) }) : tr('gps_bad_plain'), L.fix ? tr('gps_no_position') : tr('gps_no_fix')),
        needsGps ? null : h('span', { class: 'hint' }, ` (${tr('not_needed')})`))),
      h('div', { class: `verdict ${c.allowed ? 'verdict-ok' : 'verdict-bad'}`, 'data-role': 'verdict', 'data-allowed': String(c.allowed) },
        c.allowed ? [icon('check', 20), h('strong', {}, tr('verdict_ok'))]
          : [icon('alert', 20), h('span', {}, h('strong', {}, tr('verdict_bad')), ' ', h('q', { 'data-role': 'refusal' }, c.refusal?.message || ''))]),
      needsGps && !L.fix ? h('p', { class: 'hint' }, tr('check_with_position')) : null,
    ]);
}
