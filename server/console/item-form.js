// Creating and editing one menu item: names and descriptions in English
// and Korean, price, category, allergens, station, availability, stock,
// option groups and the photo (previewed before it is sent). A save sends
// only what was changed here, with the version the form was opened at; a
// stale version is said in words and offers to reload the item, listing
// what was typed so that nothing is lost.

import { h, fill, field, icon } from './dom.js';
import { ALLERGENS, allergen, pick } from './i18n.js';
import { S, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { optionGroupsEditor, toMajor, toMinor } from './option-groups.js';
import { toast } from './toasts.js';

/**
 * Shows the form for `item` (null: a new one in `categoryId`) in `box`;
 * `done(saved)` is called after a save (with the item) or cancel (null).
 */
export function itemForm(box, { item, categories, categoryId, done }) {
  let base = item;
  let photo = null;
  let preview = null;

  function build(from, notice) {
    const v = from ? valuesOf(from) : { name: {}, description: {}, price_minor: 0, category_id: categoryId, allergens: [], station: 'kitchen', available: true, stock: null, option_groups: [] };
    const known = Object.keys(ALLERGENS);
    const groups = optionGroupsEditor(v.option_groups);
    const input = (name, value, attrs = {}) => h('input', { name, value: value ?? '', ...attrs });
    const img = h('img', { class: 'photo-preview', alt: '', src: preview || from?.image_url || null, hidden: !(preview || from?.image_url) });
    const noPhoto = h('span', { class: 'photo-none' }, icon('image', 28), tr('no_photo'));
    noPhoto.hidden = !img.hidden;
    const file = h('input', {
      type: 'file', name: 'photo', accept: 'image/png,image/jpeg', onchange: (e) => {
        photo = e.target.files[0] || null;
        if (preview) URL.revokeObjectURL(preview);
        preview = photo ? URL.createObjectURL(photo) : null;
        img.src = preview || from?.image_url || '';
        img.hidden = !(preview || from?.image_url);
        noPhoto.hidden = !img.hidden;
      },
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'item-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(form, groups, error); } },
      h('div', { class: 'page-head' }, h('h2', { tabindex: '-1' }, from ? pick(S.lang, from.name) : tr('new_item'))),
      notice || null,
      h('div', { class: 'form-cols' },
        h('div', { class: 'form-col' },
          h('div', { class: 'grid-2' },
            field(tr('name_en'), input('name_en', v.name.en, { required: true, autocomplete: 'off' })),
            field(tr('name_ko'), input('name_ko', v.name.ko, { lang: 'ko', autocomplete: 'off' })),
            field(tr('desc_en'), h('textarea', { name: 'desc_en', rows: 2 }, v.description.en || '')),
            field(tr('desc_ko'), h('textarea', { name: 'desc_ko', rows: 2, lang: 'ko' }, v.description.ko || ''))),
          h('div', { class: 'grid-3' },
            field(`${tr('price')} (${S.restaurant.currency})`, input('price', toMajor(v.price_minor), { inputmode: 'decimal', required: true })),
            field(tr('category'), h('select', { name: 'category_id' }, categories.map((c) => h('option', { value: String(c.id), selected: c.id === v.category_id }, pick(S.lang, c.name))))),
            field(tr('station'), input('station', v.station, { list: 'stations' }))),
          h('datalist', { id: 'stations' }, ['kitchen', 'bar', 'grill', 'dessert'].map((s) => h('option', { value: s }))),
          h('fieldset', { class: 'allergens' }, h('legend', {}, tr('allergens')),
            h('div', { class: 'checks' }, known.map((code) => h('label', { class: 'check' },
              h('input', { type: 'checkbox', name: 'allergen', value: code, checked: v.allergens.includes(code) }), allergen(S.lang, code)))),
            field(tr('allergens_other'), input('allergens_other', v.allergens.filter((a) => !known.includes(a)).join(', ')))),
          groups),
        h('div', { class: 'form-col form-side' },
          h('div', { class: 'photo' }, h('span', { class: 'field-label' }, tr('photo')), img, noPhoto,
            h('label', { class: 'btn file-btn' }, tr('choose_photo'), file), h('span', { class: 'hint' }, tr('photo_hint'))),
          h('label', { class: 'check big' }, h('input', { type: 'checkbox', name: 'available', checked: v.available }), tr('available')),
          field(tr('stock'), input('stock', v.stock === null ? '' : String(v.stock), { type: 'number', min: '0', step: '1' }), tr('stock_hint')))),
      error,
      h('div', { class: 'row-end sticky-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => done(null) }, tr('cancel')),
        h('button', { type: 'submit', class: 'btn btn-primary' }, tr('save'))));
    fill(box, form);
    form.querySelector('h2').focus();
  }

  function read(form, groups) {
    const f = form.elements;
    const text = (en, ko, old) => {
      const t = { ...(old || {}) };
      for (const [k, val] of [['en', en], ['ko', ko]]) {
        if (val.trim()) t[k] = val.trim(); else delete t[k];
      }
      return t;
    };
    const price = toMinor(f.price.value);
    if (Number.isNaN(price) || price < 0) throw new Error(`${tr('price')}: ${f.price.value}`);
    const stockText = f.stock.value.trim();
    const stock = stockText === '' ? null : Number(stockText);
    if (stock !== null && !(Number.isInteger(stock) && stock >= 0)) throw new Error(`${tr('stock')}: ${stockText}`);
    const other = f.allergens_other.value.split(',').map((a) => a.trim().toLowerCase().replace(/\s+/g, '_')).filter(Boolean);
    return {
      name: text(f.name_en.value, f.name_ko.value, base?.name),
      description: text(f.desc_en.value, f.desc_ko.value, base?.description),
      price_minor: price,
      category_id: Number(f.category_id.value),
      allergens: [...new Set([...[...form.querySelectorAll('[name=allergen]:checked')].map((c) => c.value), ...other])],
      station: f.station.value.trim() || 'kitchen',
      available: f.available.checked,
      stock,
      option_groups: groups.value(),
    };
  }

  async function save(form, groups, error) {
    error.textContent = '';
    let values;
    try {
      values = read(form, groups);
    } catch (e) {
      error.textContent = e.message;
      return;
    }
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      let saved;
      if (!base) saved = await api('POST', '/menu-items', values);
      else {
        const patch = changes(valuesOf(base), values);
        saved = Object.keys(patch).length ? await api('PATCH', `/menu-items/${base.id}`, { version: base.version, ...patch }) : base;
      }
      base = saved;
      if (photo) {
        const body = new FormData();
        body.append('image', photo, photo.name);
        saved = await api('POST', `/menu-items/${saved.id}/image`, body);
        photo = null;
      }
      toast(tr('saved'));
      done(saved);
    } catch (e) {
      button.disabled = false;
      if (e instanceof ApiFailure && e.code === 'stale_version') staleNotice(form, values);
      else if (e instanceof ApiFailure && e.status === 404 && base) error.textContent = tr('item_gone');
      else error.textContent = failureText(e);
    }
  }

  function staleNotice(form, mine) {
    const ours = changes(valuesOf(base), mine);
    const banner = h('div', { class: 'banner banner-warn', role: 'alert', 'data-role': 'stale' },
      h('p', {}, icon('alert', 18), tr('stale')),
      h('button', {
        type: 'button', class: 'btn btn-primary', onclick: async () => {
          try {
            base = await api('GET', `/menu-items/${base.id}`);
          } catch (e) {
            toast(e instanceof ApiFailure && e.status === 404 ? tr('item_gone') : failureText(e), { kind: 'error' });
            return;
          }
          build(base, editsList(ours));
        },
      }, icon('refresh', 18), tr('reload_item')));
    form.querySelector('[data-role=stale]')?.remove();
    form.querySelector('.page-head').after(banner);
    banner.querySelector('button').focus();
  }

  build(item);
}

/** The item's editable values, as the form reads them. */
function valuesOf(item) {
  return {
    name: item.name, description: item.description, price_minor: item.price.amount_minor, category_id: item.category_id,
    allergens: item.allergens, station: item.station, available: item.available, stock: item.stock, option_groups: item.option_groups,
  };
}

/** The fields of `next` that differ from `before`. */
function changes(before, next) {
  const norm = (v) => JSON.stringify(Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...v].sort() : v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => norm(v) !== norm(before[k])));
}

/** What this person had typed, shown after a reload so they can apply it again. */
function editsList(edits) {
  const label = {
    name: tr('name_en'), description: tr('desc_en'), price_minor: tr('price'), category_id: tr('category'), allergens: tr('allergens'),
    station: tr('station'), available: tr('available'), stock: tr('stock'), option_groups: tr('option_groups'),
  };
  const show = (k, v) => {
    if (k === 'name' || k === 'description') return Object.entries(v).map(([l, t]) => `${l}: ${t}`).join(' · ');
    if (k === 'price_minor') return toMajor(v);
    if (k === 'stock') return v === null ? tr('unlimited') : String(v);
    if (k === 'option_groups') return v.map((g) => `${pick(S.lang, g.name)} (${g.options.map((o) => pick(S.lang, o.name)).join(', ')})`).join('; ');
    if (Array.isArray(v)) return v.join(', ');
    return String(v);
  };
  return h('div', { class: 'banner banner-info', 'data-role': 'my-edits' },
    h('p', {}, tr('your_edits')),
    h('ul', {}, Object.entries(edits).map(([k, v]) => h('li', {}, h('strong', {}, `${label[k]}: `), show(k, v)))));
}
