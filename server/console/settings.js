// The settings page (owners): the restaurant's name, currency, time zone,
// tax and menu languages (PATCH /restaurant, only what changed; a refused
// field is said next to it), and below them the location guard
// (location-settings.js).

import { h, fill } from './dom.js';
import { S, fmt, tr, views } from './state.js';
import { api, failureText } from './api.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { locationSettings } from './location-settings.js';
import { toast } from './toasts.js';

/** The currencies the server knows (shared/src/money.rs). */
const CURRENCIES = ['AUD', 'CAD', 'CHF', 'CNY', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'IDR', 'INR', 'JPY', 'KRW', 'MXN', 'MYR',
  'NOK', 'NZD', 'PHP', 'PLN', 'SEK', 'SGD', 'THB', 'TWD', 'USD', 'VND', 'ZAR'];

export function renderSettings(main) {
  if (main.dataset.view !== 'settings') {
    // The settings as they are now (another owner may have changed them).
    main.dataset.view = 'settings';
    fill(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('settings_title'))),
      h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div')));
    api('GET', '/restaurant').then((r) => {
      S.restaurant = r;
      if (main.dataset.view === 'settings') drawPage(main);
    }, (e) => toast(failureText(e), { kind: 'error' }));
    return;
  }
  if (!main.querySelector('form.settings')) return;
  // A language switch: the forms are drawn again from what is saved, and
  // what was typed but not saved is put back.
  const typed = [...main.querySelectorAll('form.settings [name]')].map((c) => [c.name, c.type === 'checkbox' || c.type === 'radio' ? c.checked : c.value, c.value]);
  drawPage(main);
  for (const [name, value, raw] of typed) {
    for (const c of main.querySelectorAll(`form.settings [name="${CSS.escape(name)}"]`)) {
      if (c.type === 'radio') { if (value && c.value === raw) c.checked = true; } else if (c.type === 'checkbox') c.checked = value;
      else c.value = value;
    }
  }
}

function drawPage(main) {
  const location = locationSettings();
  fill(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('settings_title'))),
    h('div', { class: 'settings-layout' }, h('div', { class: 'settings-col' }, generalForm(S.restaurant), location.panel), location.form));
}

/** Basis points from a percent as typed ("10", "7.5"); NaN when not one. */
export function percentToBp(text) {
  const clean = String(text).trim().replace(',', '.').replace(/\s*%$/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return NaN;
  return Math.round(Number(clean) * 100);
}

function generalForm(r) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const form = h('form', { class: 'settings card-box', novalidate: true, 'aria-labelledby': 'general-title', onsubmit: (e) => { e.preventDefault(); save(form); } },
    h('h2', { id: 'general-title' }, tr('general')),
    checkedField(tr('restaurant_name'), h('input', { name: 'name', value: r.name, autocomplete: 'off' })),
    h('div', { class: 'grid-2' },
      checkedField(tr('currency'), h('select', { name: 'currency' }, CURRENCIES.map((c) => h('option', { value: c, selected: c === r.currency }, c))), tr('currency_hint')),
      checkedField(tr('timezone'), h('input', { name: 'timezone', value: r.timezone, list: 'zones', autocomplete: 'off', spellcheck: 'false' }), tr('timezone_hint'))),
    h('datalist', { id: 'zones' }, zones.map((z) => h('option', { value: z }))),
    h('fieldset', {}, h('legend', {}, tr('tax')),
      h('div', { class: 'grid-2' },
        checkedField(tr('tax_rate'), h('input', { name: 'tax_rate_bp', value: String(r.tax_rate_bp / 100), inputmode: 'decimal', autocomplete: 'off' }), tr('tax_rate_hint')),
        h('div', { class: 'radios', role: 'radiogroup', 'aria-label': tr('tax_mode') },
          h('label', { class: 'check' }, h('input', { type: 'radio', name: 'tax_included', value: 'true', checked: r.tax_included }), tr('tax_included')),
          h('label', { class: 'check' }, h('input', { type: 'radio', name: 'tax_included', value: 'false', checked: !r.tax_included }), tr('tax_added')))),
      h('p', { class: 'hint' }, tr('tax_example', { ex: example(r) }))),
    checkedField(tr('languages'), h('input', { name: 'languages', value: r.languages.join(', '), autocomplete: 'off', spellcheck: 'false' }), tr('languages_hint')),
    errorSlot(),
    h('div', { class: 'row-end' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-key': 'save-general' }, tr('save'))));
  return form;
}

function example(r) {
  const rate = `${r.tax_rate_bp / 100} %`;
  return r.tax_included ? tr('tax_example_included', { rate, price: fmt(11000) }) : tr('tax_example_added', { rate, price: fmt(10000) });
}

async function save(form) {
  clearErrors(form);
  const f = form.elements;
  const r = S.restaurant;
  const bp = percentToBp(f.tax_rate_bp.value);
  if (Number.isNaN(bp)) return showError(form, { details: { field: 'tax_rate_bp' } }, tr('tax_rate_invalid'));
  const next = {
    name: f.name.value.trim(),
    currency: f.currency.value,
    timezone: f.timezone.value.trim(),
    tax_rate_bp: bp,
    tax_included: form.querySelector('[name=tax_included]:checked')?.value === 'true',
    languages: f.languages.value.split(/[,\s]+/).map((l) => l.trim()).filter(Boolean),
  };
  const patch = Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(r[k])));
  if (!Object.keys(patch).length) {
    toast(tr('nothing_changed'));
    return null;
  }
  const button = form.querySelector('[type=submit]');
  button.disabled = true;
  try {
    S.restaurant = await api('PATCH', '/restaurant', patch);
    toast(tr('saved'));
    views.header();
    views.page();
  } catch (e) {
    showError(form, e);
  } finally {
    button.disabled = false;
  }
  return null;
}
