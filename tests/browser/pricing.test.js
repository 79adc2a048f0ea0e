// What the page works out about a cart from its menu (server/web/pricing.js),
// without a browser: prices with options, totals, and the problems it flags
// before the server is asked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cartTotals, lineProblem, unitPrice } from '../../server/web/pricing.js';

const size = { id: 'size', min: 1, max: 1, options: [{ id: 'small', price_delta_minor: 0 }, { id: 'large', price_delta_minor: 1500 }] };
const extra = { id: 'extra', min: 0, max: 2, options: [{ id: 'egg', price_delta_minor: 1000 }, { id: 'cheese', price_delta_minor: 500 }] };
const item = (id, price, more = {}) => ({ id, price: { amount_minor: price }, option_groups: [], available: true, remaining: null, ...more });
const line = (item_id, qty, options = {}) => ({ line_id: `l${item_id}-${qty}`, item_id, qty, options });

const ramen = item(1, 9000, { option_groups: [size, extra] });
const cola = item(2, 2000);
const menu = new Map([[1, ramen], [2, cola]]);

test('a unit is priced with the deltas of its chosen options', () => {
  assert.equal(unitPrice(ramen, {}), 9000);
  assert.equal(unitPrice(ramen, { size: ['large'], extra: ['egg', 'cheese'] }), 12_000);
  // An option the menu no longer has adds nothing (the line says it changed).
  assert.equal(unitPrice(ramen, { size: ['huge'] }), 9000);
});

test('the total counts lines whose dish is on the menu; the count counts every line', () => {
  const lines = [line(1, 2, { size: ['large'] }), line(2, 3), line(99, 1)];
  assert.deepEqual(cartTotals(menu, lines), { total: 2 * 10_500 + 3 * 2000, count: 6 });
  assert.deepEqual(cartTotals(menu, []), { total: 0, count: 0 });
});

test('a line is flagged when its dish is gone, sold out, unavailable, short or its options changed', () => {
  const items = new Map([
    [1, ramen],
    [2, item(2, 2000, { remaining: 0, available: false })],
    [3, item(3, 2000, { available: false })],
    [4, item(4, 2000, { remaining: 3 })],
  ]);
  const ok = line(1, 1, { size: ['small'] });
  assert.equal(lineProblem(items, ok, [ok]), null);
  assert.equal(lineProblem(items, line(99, 1), []), 'line_removed');
  assert.equal(lineProblem(items, line(2, 1), []), 'line_sold_out');
  assert.equal(lineProblem(items, line(3, 1), []), 'line_unavailable');
  // Stock is counted over every line of the dish, whoever added it.
  const two = [line(4, 2), { ...line(4, 2), line_id: 'other' }];
  assert.equal(lineProblem(items, two[0], two), 'line_sold_out');
  assert.equal(lineProblem(items, two[0], two.slice(0, 1)), null);
  assert.equal(lineProblem(items, line(1, 1, { size: ['huge'] }), []), 'line_changed');
  assert.equal(lineProblem(items, line(1, 1, { spice: ['hot'] }), []), 'line_changed');
});
