// The service sheet, opened from the header's "Service" button: a button
// for each kind of request the restaurant offers (call staff, water, the
// bill), each with the state of its latest request — asked, staff on the
// way, done.

import { h, fill, icon, focusTitle } from './dom.js';
import { S, el, tr } from './state.js';
import { renderHeader } from './header.js';
import { askService, latest } from './service.js';

const ICONS = { call_staff: 'bell', water: 'water', bill: 'receipt' };

export function showService() {
  if (el.cartDialog.open) el.cartDialog.close();
  if (el.ordersDialog.open) el.ordersDialog.close();
  S.serviceError = null;
  renderService();
  if (!el.serviceDialog.open) el.serviceDialog.showModal();
  focusTitle(el.serviceDialog);
}

export function renderService() {
  if (!S.table) return;
  renderHeader();
  el.serviceTitle.textContent = tr('service_title');
  const kinds = S.table.service_kinds || [];
  fill(el.serviceBody,
    h('p', { class: 'hint' }, tr('service_hint')),
    h('ul', { class: 'service-list' }, ...kinds.map((kind) => {
      const state = latest(kind)?.state || 'none';
      const sending = S.asking === kind;
      return h('li', { class: `service state-${state}`, 'data-kind': kind, 'data-state': state },
        h('button', {
          type: 'button', class: 'service-ask', 'data-key': `service-${kind}`,
          disabled: Boolean(S.asking), 'aria-describedby': `service-state-${kind}`,
          onclick: () => askService(kind),
        }, h('span', { class: 'service-icon' }, icon(ICONS[kind], 24)), h('span', { class: 'service-name' }, tr(`service_${kind}`))),
        h('p', { class: 'service-state', id: `service-state-${kind}`, role: 'status' },
          sending ? tr('service_sending') : state === 'none' ? tr('service_none') : tr(`service_state_${state}`)));
    })),
    S.serviceError ? h('p', { class: 'error', role: 'alert', tabindex: '-1' }, S.serviceError) : null);
}
