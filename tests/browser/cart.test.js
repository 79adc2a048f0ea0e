// The shared cart's reconciliation (server/web/cart.js), without a browser:
// optimistic changes, the server's confirmations, gaps and snapshots.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedCart, applyOp } from '../../server/web/cart.js';

const line = (id, item, qty, by = 'other') => ({ line_id: id, item_id: item, qty, options: {}, note: null, added_by: by, added_by_name: by });

function connected(me = 'me') {
  const c = new SharedCart(me);
  c.markSync();
  c.snapshot(5, [line('a', 1, 1)]);
  return c;
}

test('a change shows at once and is confirmed by the server echo', () => {
  const c = connected();
  c.add({ item_id: 2, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  assert.deepEqual(c.view().map((l) => [l.item_id, l.pending]), [[1, false], [2, true]]);
  assert.deepEqual(c.outgoing(), [{ type: 'add', item_id: 2, options: {}, qty: 1, note: null }]);
  assert.equal(c.serverOp(6, { kind: 'add', line: line('b', 2, 1, 'me') }), 'ok');
  assert.equal(c.busy, false);
  assert.deepEqual(c.view().map((l) => [l.line_id, l.pending]), [['a', false], ['b', false]]);
});

test('changes to a line not yet confirmed wait for its real id', () => {
  const c = connected();
  const temp = c.add({ item_id: 2, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.outgoing();
  c.setQty(temp, 3);
  assert.deepEqual(c.outgoing(), [], 'nothing can name the line yet');
  assert.equal(c.view().find((l) => l.item_id === 2).qty, 3);
  c.serverOp(6, { kind: 'add', line: line('b', 2, 1, 'me') });
  assert.deepEqual(c.outgoing(), [{ type: 'set_qty', line_id: 'b', qty: 3 }]);
});

test('edits of an unsent line fold into it, and removing it forgets it', () => {
  const c = new SharedCart('me');
  const temp = c.add({ item_id: 2, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.setQty(temp, 2);
  c.setNote(temp, 'no onions');
  assert.equal(c.pending.length, 1);
  assert.deepEqual(c.view()[0], { ...c.pending[0].op.line, pending: true });
  c.remove(temp);
  assert.equal(c.busy, false);
  assert.deepEqual(c.view(), []);
});

test('a version gap is reported and a snapshot settles what was sent before the sync', () => {
  const c = connected();
  c.setQty('a', 2);
  c.outgoing();
  assert.equal(c.serverOp(8, { kind: 'clear' }), 'gap');
  c.markSync();
  c.setQty('a', 4); // made after the sync was asked for: kept
  c.snapshot(9, [line('a', 1, 2)]);
  assert.equal(c.pending.length, 1);
  assert.equal(c.view()[0].qty, 4);
  assert.equal(c.serverOp(9, { kind: 'clear' }), 'stale');
});

test('changes made while disconnected are sent after the next snapshot', () => {
  const c = connected();
  c.disconnected();
  c.setQty('a', 7);
  c.markSync();
  c.snapshot(6, [line('a', 1, 1), line('z', 3, 1)]);
  assert.deepEqual(c.outgoing(), [{ type: 'set_qty', line_id: 'a', qty: 7 }]);
  assert.deepEqual(c.view().map((l) => l.qty), [7, 1]);
});

test('a refused change is dropped with what depended on it', () => {
  const c = connected();
  const temp = c.add({ item_id: 9, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.outgoing();
  c.setQty(temp, 2);
  c.refused();
  assert.equal(c.busy, false);
  assert.deepEqual(c.view().map((l) => l.line_id), ['a']);
});

test('other diners\' operations apply in version order', () => {
  let lines = [line('a', 1, 1)];
  lines = applyOp(lines, { kind: 'set_note', line_id: 'a', note: 'extra spicy' });
  lines = applyOp(lines, { kind: 'add', line: line('b', 2, 2) });
  lines = applyOp(lines, { kind: 'remove', line_id: 'a' });
  assert.deepEqual(lines.map((l) => [l.line_id, l.qty]), [['b', 2]]);
  assert.deepEqual(applyOp(lines, { kind: 'clear' }), []);
});

test('a change the server could not take now is sent again', () => {
  const c = connected();
  c.setQty('a', 3);
  assert.equal(c.outgoing().length, 1);
  c.later();
  assert.equal(c.view()[0].qty, 3, 'still shown');
  assert.deepEqual(c.outgoing(), [{ type: 'set_qty', line_id: 'a', qty: 3 }]);
});

// The page calls outgoing() only once the socket is open and the first
// snapshot arrived (app.js flush); these follow its calls in order.

test('an "Add" made before the socket opened is shown at once and sent after the first snapshot', () => {
  const c = new SharedCart('me');
  c.add({ item_id: 2, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  assert.deepEqual(c.view().map((l) => [l.item_id, l.pending]), [[2, true]], 'shown before anything is confirmed');
  c.markSync(); // the socket opened: hello sent
  // Another diner's op arriving before our snapshot is already in it.
  assert.equal(c.serverOp(4, { kind: 'add', line: line('x', 7, 1) }), 'stale');
  c.snapshot(4, [line('x', 7, 1)]);
  assert.deepEqual(c.view().map((l) => [l.item_id, l.pending]), [[7, false], [2, true]], 'kept through the snapshot');
  assert.deepEqual(c.outgoing(), [{ type: 'add', item_id: 2, options: {}, qty: 1, note: null }]);
  assert.equal(c.serverOp(5, { kind: 'add', line: line('y', 2, 1, 'me') }), 'ok');
  assert.equal(c.busy, false);
  assert.deepEqual(c.view().map((l) => [l.line_id, l.pending]), [['x', false], ['y', false]]);
});

test('an "Add" made while the join is under way (hello sent, no snapshot yet) survives the snapshot', () => {
  const c = new SharedCart('me');
  c.markSync();
  const temp = c.add({ item_id: 3, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.setQty(temp, 2);
  c.snapshot(0, []);
  assert.deepEqual(c.outgoing(), [{ type: 'add', item_id: 3, options: {}, qty: 2, note: null }]);
  assert.equal(c.view()[0].qty, 2);
});

test('an "Add" made during a reconnect, after one was sent and lost, is sent once and the lost one settled by the snapshot', () => {
  const c = connected();
  c.add({ item_id: 2, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.outgoing(); // sent; the socket dropped before its echo
  c.disconnected();
  c.add({ item_id: 4, qty: 1, options: {}, note: null, added_by_name: 'Me' });
  c.markSync(); // reconnected: hello
  // The server had applied the first add: the snapshot holds it.
  c.snapshot(6, [line('a', 1, 1), line('b', 2, 1, 'me')]);
  assert.deepEqual(c.view().map((l) => [l.item_id, l.pending]), [[1, false], [2, false], [4, true]]);
  assert.deepEqual(c.outgoing(), [{ type: 'add', item_id: 4, options: {}, qty: 1, note: null }]);
});
