// Sales by hour as an SVG bar chart drawn here (no library): 24 bars in
// the order of the business day (04:00 to 03:00), each with its hour, its
// orders and total in a <title>, a scale line at the highest total, and the
// same numbers as a table for screen readers.

import { h } from './dom.js';
import { fmt, tr } from './state.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 220;
const PAD = { top: 16, right: 8, bottom: 28, left: 8 };

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

/** `byHour`: the report's 24 {hour, orders, total}; `current`: the hour to mark (or null). */
export function hourChart(byHour, current) {
  const hours = [...byHour].sort((a, b) => ((a.hour + 20) % 24) - ((b.hour + 20) % 24));
  const max = Math.max(1, ...hours.map((x) => x.total.amount_minor));
  const slot = (W - PAD.left - PAD.right) / 24;
  const plot = H - PAD.top - PAD.bottom;
  const busiest = hours.reduce((a, b) => (b.total.amount_minor > a.total.amount_minor ? b : a), hours[0]);
  const label = tr('chart_label', { peak: busiest.orders ? `${String(busiest.hour).padStart(2, '0')}:00` : '—' });
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'hour-chart', role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
  svg.append(s('line', { x1: PAD.left, x2: W - PAD.right, y1: PAD.top, y2: PAD.top, class: 'grid' }));
  svg.append(s('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }));
  hours.forEach((x, i) => {
    const height = x.total.amount_minor > 0 ? Math.max(2, (x.total.amount_minor / max) * plot) : 0;
    const hh = String(x.hour).padStart(2, '0');
    const g = s('g', { class: `hour${x.hour === current ? ' now' : ''}`, 'data-hour': x.hour, 'data-orders': x.orders, 'data-total': x.total.amount_minor });
    if (height) {
      g.append(s('rect', { class: 'bar', x: PAD.left + i * slot + slot * 0.15, y: H - PAD.bottom - height, width: slot * 0.7, height, rx: 3 },
        s('title', {}, `${hh}:00 · ${tr('orders_n', { n: x.orders })} · ${fmt(x.total.amount_minor)}`)));
    }
    if (i % 3 === 0 || x.hour === current) {
      g.append(s('text', { x: PAD.left + i * slot + slot / 2, y: H - 8, 'text-anchor': 'middle', class: 'tick' }, hh));
    }
    svg.append(g);
  });
  const top = s('text', { x: W - PAD.right, y: PAD.top - 4, 'text-anchor': 'end', class: 'tick' }, fmt(max));
  svg.append(top);
  const table = h('table', { class: 'sr-only' }, h('caption', {}, tr('by_hour')),
    h('tr', {}, h('th', { scope: 'col' }, tr('hour')), h('th', { scope: 'col' }, tr('stat_orders')), h('th', { scope: 'col' }, tr('stat_total'))),
    hours.filter((x) => x.orders).map((x) => h('tr', {}, h('td', {}, `${String(x.hour).padStart(2, '0')}:00`), h('td', {}, String(x.orders)), h('td', {}, fmt(x.total.amount_minor)))));
  return h('figure', { class: 'chart' }, svg, table);
}
