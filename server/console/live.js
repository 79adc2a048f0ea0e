// The staff socket (/ws/staff): `resync` reloads today's orders (and the
// table map, once shown), orders placed, status changes, voids
// (`order_changed`) and service requests go into the orders' store and the map's (and `table`, a
// payment or a closed bill, into the map's), menu changes to the
// menu page; a new request is told. Says whether it is connected; never polls as the normal path.

import { StaffSocket } from './socket.js';
import { S, views, tr } from './state.js';
import { sessionEnded } from './session.js';
import { orderChanged, orderPlaced, orderStatus, reloadOrders } from './orders-store.js';
import { floorOrderChanged, floorOrderPlaced, floorOrderStatus, floorResync, floorServiceRequest, floorTable } from './floor-store.js';
import { toast } from './toasts.js';
import { api } from './api.js';

const listeners = { menu_changed: [] };
let socket = null;
let wasDown = false;

export function connect() {
  const url = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/ws/staff?token=${encodeURIComponent(S.session?.token || '')}`;
  };
  socket = new StaffSocket(url, { message: onMessage, state: onState, ended: sessionEnded, refused: checkSession });
  socket.connect();
}

/** `fn(message)` on every `menu_changed` (and on `resync`, with no item ids). */
export function onMenuChanged(fn) {
  listeners.menu_changed.push(fn);
}

function onMessage(m) {
  switch (m.type) {
    case 'resync':
      reloadOrders().then(() => {
        if (wasDown) toast(tr('reconnected'));
        wasDown = false;
      }).catch(() => {});
      floorResync();
      for (const fn of listeners.menu_changed) fn({ item_ids: null });
      break;
    case 'order_placed':
      orderPlaced(m.order);
      floorOrderPlaced(m.order);
      break;
    case 'order_status':
      orderStatus(m.order_id, m.status);
      floorOrderStatus(m.order_id, m.status);
      break;
    case 'order_changed':
      orderChanged(m.order);
      floorOrderChanged(m.order, true);
      break;
    case 'service_request':
      floorServiceRequest(m.request);
      if (m.request.state === 'open' && S.page !== 'floor') toast(tr('fl_new_request', { table: m.request.table_name, what: tr(`fl_kind_${m.request.kind}`) }));
      break;
    case 'table':
      floorTable(m.table);
      break;
    case 'menu_changed':
      for (const fn of listeners.menu_changed) fn(m);
      break;
    default:
  }
}

/**
 * The socket was turned away before opening: if the session ended, any API
 * call says so (401) and waits for a new sign-in; the socket then retries.
 */
let checking = false;
function checkSession() {
  if (checking || !S.session) return;
  checking = true;
  api('GET', '/restaurant').then(() => socket.now(), () => {}).finally(() => { checking = false; });
}

function onState(state) {
  if (state !== 'open' && S.conn === 'open') wasDown = true;
  S.conn = state;
  document.body.dataset.conn = state;
  views.conn();
}
