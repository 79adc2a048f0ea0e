// The table map (#floor): every table in service as a tile with what it
// needs and how long it has waited — calls and food to serve first, oldest
// first, free tables last. Live from the staff feed (floor-store.js); the
// minutes shown tick every 20 s without asking the server. A tile opens
// the table's panel (floor-panel.js).

import { h, fill, icon } from './dom.js';
import { S, ago, tr, when } from './state.js';
import { isFloorLoaded, tablesInOrder, wantFloor } from './floor-store.js';
import { openPanel, redrawPanel, stateWords } from './floor-panel.js';

let ticker = null;

export function renderFloor(main) {
  main.dataset.view = 'floor';
  wantFloor();
  const tables = tablesInOrder();
  const count = (pred) => tables.filter(pred).length;
  fill(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, tr('floor_title')),
      isFloorLoaded() && tables.length ? h('p', { class: 'floor-summary', 'data-role': 'summary' },
        h('span', { class: 'sum sum-urgent' }, tr('floor_need', { n: count((t) => t.s.urgent) })),
        h('span', { class: 'sum' }, tr('floor_seated', { n: count((t) => t.s.state !== 'free') })),
        h('span', { class: 'sum' }, tr('floor_free', { n: count((t) => t.s.state === 'free') }))) : null),
    !isFloorLoaded() ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('div'), h('div'))
      : tables.length === 0 ? h('p', { class: 'empty' }, tr('floor_none'))
        : h('ul', { class: 'floor', 'aria-label': tr('floor_title') }, tables.map(tile)));
  redrawPanel();
  if (!ticker) ticker = setInterval(tick, 20_000);
}

function tile({ table, s }) {
  const words = stateWords(s);
  const facts = [
    s.counts.people ? tr('fl_people', { n: s.counts.people }) : null,
    s.counts.ready && s.state !== 'ready' ? tr('fl_n_ready', { n: s.counts.ready }) : null,
    s.counts.cooking && s.state !== 'ordered' ? tr('fl_n_cooking', { n: s.counts.cooking }) : null,
    s.also.length ? `${tr('fl_acked')}: ${s.also.map((k) => tr(`fl_req_${k}`)).join(', ')}` : null,
  ].filter(Boolean);
  return h('li', {},
    h('button', {
      type: 'button', class: `tile tile-${s.state}${s.urgent ? ' urgent' : ''}`, 'data-table': table.id, 'data-state': s.state,
      'data-kinds': s.kinds.join(' '), 'data-people': s.counts.people, 'data-key': `tile-${table.id}`,
      'aria-label': `${table.name}: ${words}, ${ago(s.since)}`, onclick: () => openPanel(table.id),
    },
    h('span', { class: 'tile-head' },
      h('span', { class: 'tile-name' }, table.name),
      s.urgent ? icon(s.state === 'called' ? 'bell' : 'check', 18) : null),
    h('span', { class: 'tile-state', 'data-role': 'state' }, words),
    h('span', { class: 'tile-time' },
      h('span', { class: 'tile-ago', 'data-since': s.since }, ago(s.since)),
      h('time', { datetime: new Date(s.since).toISOString() }, ` · ${tr('fl_since', { t: when(s.since) })}`)),
    facts.length ? h('span', { class: 'tile-facts' }, facts.join(' · ')) : null));
}

function tick() {
  if (S.page !== 'floor') {
    clearInterval(ticker);
    ticker = null;
    return;
  }
  for (const node of document.querySelectorAll('#main [data-since]')) node.textContent = ago(Number(node.dataset.since));
}
