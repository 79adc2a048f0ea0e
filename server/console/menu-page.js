// The menu page: categories (create, rename in both languages, reorder,
// delete when empty) beside the items of the chosen one (photo, names,
// price, stock, "sold out now"). Owners edit items in item-form.js; staff
// only mark them sold out or back on sale. Reloads when the menu changes.

import { h, fill, field, icon } from './dom.js';
import { pick } from './i18n.js';
import { S, fmt, isOwner, tr } from './state.js';
import { api, ApiFailure, failureText } from './api.js';
import { itemForm } from './item-form.js';
import { onMenuChanged } from './live.js';
import { confirmDialog } from './dialogs.js';
import { toast } from './toasts.js';

const M = { categories: null, items: [], selected: null, editing: false, renaming: null, error: null };

onMenuChanged(() => {
  if (S.page === 'menu') load().catch(() => {});
});

export function renderMenu(main) {
  if (main.dataset.view !== 'menu' || !main.querySelector('.menu-layout')) {
    main.dataset.view = 'menu';
    M.editing = false;
    fill(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('menu_title'))),
      h('div', { class: 'menu-layout' }, h('aside', { class: 'cats-panel', 'aria-label': tr('categories') }), h('section', { class: 'items-panel', 'aria-live': 'polite' })));
    load().catch((e) => toast(failureText(e), { kind: 'error' }));
  }
  main.querySelector('.page-head h1').textContent = tr('menu_title');
  draw(main);
}

async function load() {
  const [categories, items] = await Promise.all([api('GET', '/categories'), api('GET', '/menu-items')]);
  M.categories = categories;
  M.items = items;
  if (!categories.some((c) => c.id === M.selected)) M.selected = categories[0]?.id ?? null;
  const main = document.getElementById('main');
  if (S.page === 'menu' && main.dataset.view === 'menu') draw(main);
}

function draw(main) {
  const cats = main.querySelector('.cats-panel');
  const panel = main.querySelector('.items-panel');
  if (!cats || !panel) return;
  if (M.categories === null) {
    fill(cats, h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div')));
    return;
  }
  fill(cats, h('h2', {}, tr('categories')), categoryList(), isOwner() ? newCategoryForm() : null);
  if (M.editing) return; // the open form is left as it is
  fill(panel, itemsList());
}

function categoryList() {
  if (!M.categories.length) return h('p', { class: 'empty' }, tr('no_categories'));
  const n = M.categories.length;
  return h('ul', { class: 'cat-list' }, M.categories.map((c, i) => {
    const count = M.items.filter((it) => it.category_id === c.id).length;
    if (M.renaming === c.id) return h('li', { class: 'cat renaming' }, categoryForm(c));
    return h('li', { class: `cat${c.id === M.selected ? ' selected' : ''}` },
      h('button', {
        type: 'button', class: 'cat-pick', 'data-key': `cat-${c.id}`, 'aria-pressed': String(c.id === M.selected),
        onclick: () => { M.selected = c.id; M.editing = false; draw(document.getElementById('main')); },
      title: pick(S.lang, c.name),
      }, h('span', {}, pick(S.lang, c.name)), h('span', { class: 'count' }, String(count))),
      isOwner() ? h('span', { class: 'cat-tools' },
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': `${tr('move_up')}: ${pick(S.lang, c.name)}`, 'data-key': `up-${c.id}`, disabled: i === 0, onclick: () => move(i, -1) }, icon('up', 16)),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': `${tr('move_down')}: ${pick(S.lang, c.name)}`, 'data-key': `down-${c.id}`, disabled: i === n - 1, onclick: () => move(i, 1) }, icon('down', 16)),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': `${tr('rename')}: ${pick(S.lang, c.name)}`, onclick: () => { M.renaming = c.id; draw(document.getElementById('main')); } }, icon('edit', 16)),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': `${tr('delete')}: ${pick(S.lang, c.name)}`, title: count ? tr('category_not_empty') : null, disabled: count > 0, onclick: () => removeCategory(c) }, icon('trash', 16))) : null);
  }));
}

function categoryForm(c) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', {
    class: 'cat-form', onsubmit: async (e) => {
      e.preventDefault();
      const name = {};
      if (form.elements.en.value.trim()) name.en = form.elements.en.value.trim();
      if (form.elements.ko.value.trim()) name.ko = form.elements.ko.value.trim();
      try {
        if (c) await api('PATCH', `/categories/${c.id}`, { name });
        else {
          const made = await api('POST', '/categories', { name, sort: (M.categories.at(-1)?.sort ?? 0) + 10 });
          M.selected = made.id;
          form.reset();
        }
        M.renaming = null;
        await load();
      } catch (err) {
        error.textContent = failureText(err);
      }
    },
  },
  field(tr('name_en'), h('input', { name: 'en', value: c?.name?.en || '', autocomplete: 'off' })),
  field(tr('name_ko'), h('input', { name: 'ko', lang: 'ko', value: c?.name?.ko || '', autocomplete: 'off' })),
  error,
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, c ? tr('save') : [icon('plus', 16), tr('new_category')]),
    c ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => { M.renaming = null; draw(document.getElementById('main')); } }, tr('cancel')) : null));
  return form;
}

function newCategoryForm() {
  return h('details', { class: 'new-cat', open: M.categories.length === 0 },
    h('summary', { class: 'btn btn-small' }, icon('plus', 16), tr('new_category')), categoryForm(null));
}

async function move(i, by) {
  const list = [...M.categories];
  [list[i], list[i + by]] = [list[i + by], list[i]];
  try {
    // Sorts 10, 20, 30…: only categories whose place changed are sent.
    await Promise.all(list.map((c, at) => ((at + 1) * 10 !== c.sort ? api('PATCH', `/categories/${c.id}`, { sort: (at + 1) * 10 }) : null)));
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
  await load();
}

async function removeCategory(c) {
  if (!await confirmDialog({ title: tr('delete_category_q', { name: pick(S.lang, c.name) }), ok: tr('delete'), danger: true })) return;
  try {
    await api('DELETE', `/categories/${c.id}`);
  } catch (e) {
    toast(e instanceof ApiFailure && e.status === 409 ? tr('category_not_empty') : failureText(e), { kind: 'error' });
  }
  await load();
}

function itemsList() {
  const cat = M.categories.find((c) => c.id === M.selected);
  if (!cat) return h('p', { class: 'empty' }, isOwner() ? tr('no_categories') : tr('staff_menu_note'));
  const items = M.items.filter((i) => i.category_id === cat.id);
  return [
    h('div', { class: 'panel-head' }, h('h2', {}, pick(S.lang, cat.name)),
      isOwner() ? h('button', { type: 'button', class: 'btn btn-primary', 'data-key': 'new-item', onclick: () => edit(null) }, icon('plus', 18), tr('new_item')) : null),
    isOwner() ? null : h('p', { class: 'hint' }, tr('staff_menu_note')),
    items.length ? h('ul', { class: 'item-list' }, items.map(itemRow)) : h('p', { class: 'empty' }, isOwner() ? tr('no_items') : tr('staff_menu_note')),
  ];
}

function itemRow(it) {
  const name = pick(S.lang, it.name);
  const other = S.lang === 'ko' ? it.name.en : it.name.ko;
  const out = !it.available || it.stock === 0;
  return h('li', { class: `item-row${out ? ' is-out' : ''}`, 'data-item': it.id },
    it.image_url ? h('img', { class: 'thumb', src: it.image_url, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb thumb-empty', 'aria-hidden': 'true' }, name.slice(0, 1)),
    h('span', { class: 'item-text' }, h('span', { class: 'item-name' }, name), other && other !== name ? h('span', { class: 'other-name' }, other) : null),
    h('span', { class: 'price' }, fmt(it.price.amount_minor)),
    h('span', { class: 'stock' }, !it.available ? h('span', { class: 'pill pill-cancelled' }, tr('sold_out'))
      : it.stock === null ? tr('unlimited') : h('span', { class: it.stock === 0 ? 'pill pill-cancelled' : 'pill pill-ready' }, it.stock === 0 ? tr('sold_out') : tr('left_n', { n: it.stock }))),
    h('button', {
      type: 'button', class: `btn btn-small ${it.available ? '' : 'btn-primary'}`, 'data-key': `avail-${it.id}`, 'aria-label': `${it.available ? tr('sold_out_now') : tr('back_on_sale')}: ${name}`,
      onclick: (e) => setAvailable(it, !it.available, e.currentTarget),
    }, it.available ? tr('sold_out_now') : tr('back_on_sale')),
    isOwner() ? h('button', { type: 'button', class: 'btn btn-small', 'data-key': `edit-${it.id}`, 'aria-label': `${tr('edit')}: ${name}`, onclick: () => edit(it) }, icon('edit', 16), tr('edit')) : null);
}

/** Availability alone: a stale version is fetched again and the one field re-sent (it overwrites nothing else). */
async function setAvailable(it, available, button) {
  button.disabled = true;
  try {
    let version = it.version;
    for (let attempt = 0; ; attempt++) {
      try {
        await api('PATCH', `/menu-items/${it.id}`, { version, available });
        break;
      } catch (e) {
        if (!(e instanceof ApiFailure && e.code === 'stale_version') || attempt > 1) throw e;
        version = (await api('GET', `/menu-items/${it.id}`)).version;
      }
    }
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
  await load();
}

function edit(item) {
  const main = document.getElementById('main');
  M.editing = true;
  itemForm(main.querySelector('.items-panel'), {
    item, categories: M.categories, categoryId: M.selected,
    done: (saved) => {
      M.editing = false;
      if (saved) M.selected = saved.category_id;
      load().catch((e) => toast(failureText(e), { kind: 'error' }));
      draw(main);
    },
  });
}
