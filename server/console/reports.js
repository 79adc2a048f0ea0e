// The reports page (owners): sales of a range of business days (the day
// turns at 04:00 in the restaurant's zone; today's by default) — totals as
// cards, the dishes most ordered and earning most, sales by hour (an SVG
// chart), cancelled orders, voids (how many, what their lines came to),
// time from placed to ready per station, payments taken per method — and
// the period's orders and lines as CSV files.

import { h, fill, icon } from './dom.js';
import { addDays, businessDate, dateLabel, pick } from './i18n.js';
import { S, fmt, tr } from './state.js';
import { api, download, failureText } from './api.js';
import { checkedField, clearErrors, errorSlot, showError } from './forms.js';
import { hourChart } from './hour-chart.js';
import { toast } from './toasts.js';

const R = { from: null, to: null, report: null, error: null };
const TOP = 5;

const today = () => businessDate(Date.now(), S.restaurant.timezone);

export function renderReports(main) {
  if (main.dataset.view !== 'reports') {
    main.dataset.view = 'reports';
    if (!R.from) R.from = R.to = today();
    load();
  }
  draw(main);
}

async function load() {
  R.report = null;
  R.error = null;
  redraw();
  try {
    R.report = await api('GET', `/reports/sales?from=${R.from}&to=${R.to}`);
  } catch (e) {
    R.error = e;
  }
  redraw();
}

function redraw() {
  const main = document.getElementById('main');
  if (main.dataset.view === 'reports') draw(main);
}

function presets() {
  const t = today();
  const monthStart = `${t.slice(0, 8)}01`;
  return [['today', t, t], ['yesterday', addDays(t, -1), addDays(t, -1)], ['last_7', addDays(t, -6), t], ['this_month', monthStart, t]];
}

function rangeForm() {
  const form = h('form', {
    class: 'row range', novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      clearErrors(form);
      const from = form.elements.from.value;
      const to = form.elements.to.value;
      if (!from) return showError(form, { details: { field: 'from' } }, tr('date_needed'));
      if (!to) return showError(form, { details: { field: 'to' } }, tr('date_needed'));
      if (to < from) return showError(form, { details: { field: 'to' } }, tr('to_before_from'));
      [R.from, R.to] = [from, to];
      load();
    },
  },
  checkedField(tr('from'), h('input', { type: 'date', name: 'from', value: R.from, 'data-key': 'from' })),
  checkedField(tr('to'), h('input', { type: 'date', name: 'to', value: R.to, 'data-key': 'to' })),
  h('button', { type: 'submit', class: 'btn btn-primary', 'data-key': 'show' }, tr('show_report')),
  h('div', { class: 'presets', role: 'group', 'aria-label': tr('presets') }, presets().map(([key, from, to], i, all) => h('button', {
    // Pressed: the first quick range that is the range shown.
    type: 'button', class: 'btn btn-small', 'data-key': `preset-${key}`,
    'aria-pressed': String(R.from === from && R.to === to && !all.slice(0, i).some(([, f, t]) => f === from && t === to)),
    onclick: () => { [R.from, R.to] = [from, to]; load(); },
  }, tr(`preset_${key}`)))),
  errorSlot());
  return form;
}

function draw(main) {
  const r = R.report;
  const range = R.from === R.to ? dateLabel(S.lang, R.from) : `${dateLabel(S.lang, R.from)} – ${dateLabel(S.lang, R.to)}`;
  fill(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, tr('reports_title')),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'btn', 'data-key': 'csv-orders', onclick: () => csv('orders') }, icon('download', 18), tr('csv_orders')),
        h('button', { type: 'button', class: 'btn', 'data-key': 'csv-lines', onclick: () => csv('lines') }, icon('download', 18), tr('csv_lines')))),
    h('div', { class: 'card-box' }, rangeForm(), h('p', { class: 'hint' }, tr('business_day_note', { zone: S.restaurant.timezone }))),
    h('h2', { class: 'range-title', 'data-role': 'range' }, range),
    R.error ? h('div', { class: 'empty', role: 'alert' }, h('p', {}, failureText(R.error)), h('button', { type: 'button', class: 'btn', onclick: load }, tr('retry')))
      : !r ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
        : r.orders === 0 && r.cancelled_orders === 0 ? h('p', { class: 'empty', 'data-role': 'no-sales' }, tr('no_sales'))
          : body(r));
}

function body(r) {
  const stat = (key, value, note) => h('div', { class: 'stat', 'data-stat': key }, h('span', { class: 'stat-label' }, tr(`stat_${key}`)),
    h('strong', { class: 'stat-value' }, value), note ? h('span', { class: 'hint' }, note) : null);
  const byRevenue = [...r.items].sort((a, b) => b.revenue.amount_minor - a.revenue.amount_minor || b.qty - a.qty).slice(0, TOP);
  const isToday = R.from <= today() && today() <= R.to;
  const hour = isToday ? Number(new Intl.DateTimeFormat('en-US', { timeZone: S.restaurant.timezone, hour: 'numeric', hourCycle: 'h23' }).format(new Date())) : null;
  return [
    h('div', { class: 'stats' },
      stat('total', fmt(r.total.amount_minor), S.restaurant.tax_included ? tr('tax_incl_note') : tr('tax_added_note')),
      stat('orders', String(r.orders)),
      stat('average', fmt(r.average_order.amount_minor)),
      stat('tax', fmt(r.tax.amount_minor)),
      stat('cancelled', String(r.cancelled_orders), r.cancelled_orders ? tr('cancelled_worth', { total: fmt(r.cancelled_total.amount_minor) }) : null),
      stat('voids', String(r.voids ?? 0), r.voids ? tr('cancelled_worth', { total: fmt(r.voided_total.amount_minor) }) : null)),
    h('div', { class: 'report-grid' },
      h('div', { class: 'report-col' },
        h('section', { class: 'card-box', 'aria-labelledby': 'by-hour-title' }, h('h2', { id: 'by-hour-title' }, tr('by_hour')), hourChart(r.by_hour, hour)),
        h('section', { class: 'card-box', 'aria-labelledby': 'prep-title' }, h('h2', { id: 'prep-title' }, tr('prep_times')),
          r.prep_times.length ? h('ul', { class: 'rank prep' }, r.prep_times.map((p) => h('li', { 'data-station': p.station },
            h('span', {}, h('code', {}, p.station), ' ', h('span', { class: 'hint' }, tr('orders_n', { n: p.orders }))),
            h('strong', {}, tr('minutes', { m: (p.average_ms / 60000).toFixed(1) })))))
            : h('p', { class: 'hint' }, tr('no_prep'))),
        h('section', { class: 'card-box', 'aria-labelledby': 'paid-title' }, h('h2', { id: 'paid-title' }, tr('paid_by_method')),
          h('ul', { class: 'rank paid', 'data-role': 'payments' }, (r.payments || []).map((p) => h('li', { 'data-method': p.method },
            h('span', {}, tr(`pm_${p.method}`), ' ', h('span', { class: 'hint' }, tr('payments_n', { n: p.count }))),
            h('strong', {}, fmt(p.amount.amount_minor))))))),
      h('div', { class: 'report-col' },
        h('section', { class: 'card-box', 'aria-labelledby': 'top-qty-title' }, h('h2', { id: 'top-qty-title' }, tr('top_by_qty')), rank(r.items.slice(0, TOP), (i) => `${i.qty}×`, 'qty')),
        h('section', { class: 'card-box', 'aria-labelledby': 'top-rev-title' }, h('h2', { id: 'top-rev-title' }, tr('top_by_revenue')), rank(byRevenue, (i) => fmt(i.revenue.amount_minor), 'revenue')))),
  ];
}

function rank(items, value, kind) {
  if (!items.length) return h('p', { class: 'hint' }, tr('no_items_sold'));
  return h('ol', { class: 'rank', 'data-rank': kind }, items.map((i) => h('li', { 'data-item': i.menu_item_id },
    h('span', {}, pick(S.lang, i.name)), h('strong', {}, value(i)))));
}

async function csv(kind) {
  try {
    await download(`/reports/${kind}.csv?from=${R.from}&to=${R.to}`, `${kind}-${R.from}-${R.to}.csv`);
  } catch (e) {
    toast(failureText(e), { kind: 'error' });
  }
}
