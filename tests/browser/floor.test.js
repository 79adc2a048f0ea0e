// The console's table map (#floor) in Debian's Chromium, against the real
// server run.sh started: a diner calls staff and the map shows it within a
// second, staff acknowledge from the table's panel and the diner's page
// says they are coming; the kitchen marks an order ready, the map says
// "ready to serve" within a second and staff mark it served; diners with
// the table's page open seat it (how many, within a second) and free it
// when they leave; two diners
// order from the shared cart and the bill split by person gives each their
// own lines, the shares adding up to the total shown.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, admin, consoleLive, consoleSignedIn, launch, menuItem, newTable, phone, postOrder, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

/** The console on the table map, its tables loaded. */
async function floorShown(options) {
  const c = await consoleSignedIn(browser, options);
  await c.page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Table map' }).click();
  await c.page.getByRole('heading', { level: 1, name: 'Table map' }).waitFor();
  await c.page.waitForFunction(() => document.querySelector('#main .floor') && !document.querySelector('#main .skeleton'));
  return c;
}

const tile = (page, t, state) => page.locator(`.tile[data-table="${t.id}"]${state ? `[data-state="${state}"]` : ''}`);

async function diner(t) {
  const p = await phone(browser);
  await p.page.goto(t.url);
  await p.page.getByRole('heading', { level: 1, name: t.name }).waitFor();
  await p.page.waitForFunction(() => document.body.dataset.live === 'true');
  return p;
}

const settled = (page) => page.waitForFunction(() => document.body.dataset.live === 'true' && document.body.dataset.pending === '0');

async function staffAccount() {
  const email = `floor-${Date.now()}@console.test`;
  await admin('POST', '/users', { email, password: 'staff password 1', name: 'Flo', role: 'staff' });
  return { email, password: 'staff password 1' };
}

test('a diner calls staff: the map shows the table called within a second, staff acknowledge from its panel, the diner is told', async () => {
  const t = await newTable('Floor 1');
  const { context, page } = await floorShown({ account: await staffAccount() });
  await tile(page, t, 'free').waitFor();
  const d = await diner(t);

  await d.page.getByRole('button', { name: 'Service' }).click();
  const sheet = d.page.getByRole('dialog', { name: 'Ask the staff' });
  const tapped = Date.now();
  await sheet.getByRole('button', { name: 'Call staff' }).click();
  await tile(page, t, 'called').waitFor({ timeout: LIVE_MS });
  assert.ok(Date.now() - tapped < LIVE_MS + 200, `shown ${Date.now() - tapped} ms after the tap`);
  assert.equal(await tile(page, t).locator('[data-role="state"]').textContent(), 'Waiter called');
  // Tables needing someone come first: only calls and food to serve (of other tests' tables) before it.
  const states = await page.locator('.tile').evaluateAll((els) => els.map((e) => [e.dataset.table, e.dataset.state]));
  const at = states.findIndex(([id]) => id === String(t.id));
  assert.ok(states.slice(0, at).every(([, s]) => s === 'called' || s === 'ready'), JSON.stringify(states));

  // The panel, by keyboard: focus the tile, Enter.
  await tile(page, t).focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', { name: t.name });
  const request = panel.locator('.req[data-state="open"]');
  await request.getByText('Call staff').waitFor();
  await request.getByRole('button', { name: 'On my way' }).click();
  await panel.locator('.req[data-state="acked"]').waitFor({ timeout: LIVE_MS });
  await d.page.locator('.service[data-kind="call_staff"]').getByText('Staff is on the way').waitFor({ timeout: LIVE_MS });
  await tile(page, t, 'acked').waitFor({ timeout: LIVE_MS });

  await panel.locator('.req').getByRole('button', { name: 'Done' }).click();
  await panel.getByText('Nothing asked.').waitFor({ timeout: LIVE_MS });
  // Nothing asked, nothing ordered, but the diner is still at the table.
  await tile(page, t, 'seated').waitFor({ timeout: LIVE_MS });
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.deepEqual(await admin('GET', `/service-requests?table_id=${t.id}`), [], 'nothing left open');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(d.page.errors, []);
  await d.context.close();
  await tile(page, t, 'free').waitFor({ timeout: LIVE_MS });
  await context.close();
});

test('diners opening the table’s page seat it on the map within a second, with how many; it is free again when they leave', async () => {
  const t = await newTable('Floor 7');
  const { context, page } = await floorShown();
  await tile(page, t, 'free').waitFor();
  const people = (n) => page.locator(`.tile[data-table="${t.id}"][data-state="seated"][data-people="${n}"]`);
  const a = await diner(t);
  const joined = Date.now();
  await people(1).waitFor({ timeout: LIVE_MS });
  assert.ok(Date.now() - joined < LIVE_MS + 200, `seated ${Date.now() - joined} ms after the page joined`);
  assert.match(await tile(page, t).textContent(), /Seated.*1 person/);
  const b = await diner(t);
  await people(2).waitFor({ timeout: LIVE_MS });
  assert.match(await tile(page, t).textContent(), /2 people/);
  await screenshot(page, 'console-floor-seated');

  // Opened again later, the map knows who is there from the start.
  await page.reload();
  await consoleLive(page);
  await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Table map' }).click();
  await people(2).waitFor();
  await a.context.close();
  await people(1).waitFor({ timeout: LIVE_MS });
  await b.context.close();
  await tile(page, t, 'free').waitFor({ timeout: LIVE_MS });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the kitchen marks an order ready: the map says "ready to serve" within a second, staff mark it served from the panel', async () => {
  const t = await newTable('Floor 2');
  const { context, page } = await floorShown();
  const japchae = await menuItem('Japchae');
  const res = await postOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 2 }]);
  assert.equal(res.status, 201, await res.clone().text());
  const order = await res.json();
  await tile(page, t, 'ordered').waitFor({ timeout: LIVE_MS });

  const marked = Date.now();
  await admin('PATCH', `/orders/${order.id}`, { status: 'ready' });
  await tile(page, t, 'ready').waitFor({ timeout: LIVE_MS });
  assert.ok(Date.now() - marked < LIVE_MS + 200, `shown ${Date.now() - marked} ms after the kitchen`);
  assert.equal(await tile(page, t).locator('[data-role="state"]').textContent(), 'Ready to serve');

  await tile(page, t).click();
  const panel = page.getByRole('dialog', { name: t.name });
  const card = panel.locator(`.porder[data-order="${order.id}"]`);
  await card.getByText('2× Japchae').waitFor();
  // Ordered without the shared cart: the table's line.
  assert.equal(await card.locator('[data-role="by"]').textContent(), ' · the table');
  await card.getByRole('button', { name: 'Mark served' }).click();
  await panel.locator(`.porder[data-order="${order.id}"][data-status="served"]`).waitFor({ timeout: LIVE_MS });
  await tile(page, t, 'seated').waitFor({ timeout: LIVE_MS });
  assert.equal((await admin('GET', `/orders/${order.id}`)).status, 'served');
  await page.keyboard.press('Escape');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('two diners order from the shared cart: split by person gives each their lines, and the shares add up to the total shown', async () => {
  const t = await newTable('Floor 3');
  const [japchae, soju] = [await menuItem('Japchae'), await menuItem('Soju')];
  const a = await diner(t);
  const b = await diner(t);
  await a.page.getByRole('button', { name: 'Add Japchae' }).click();
  await settled(a.page);
  await b.page.locator('#cart-bar .cart-btn').getByText('₩13,000').waitFor({ timeout: LIVE_MS });
  await b.page.getByRole('button', { name: 'Add Soju' }).click();
  await settled(b.page);
  await b.page.locator('#cart-bar .cart-btn').click();
  await b.page.getByRole('dialog', { name: 'Table cart' }).getByRole('button', { name: 'Review order' }).click();
  await b.page.getByRole('button', { name: /^Place order/ }).click();
  await b.page.getByRole('dialog', { name: 'Orders at this table' }).getByText('Sent to the kitchen').first().waitFor();

  const orders = await (await fetch(`${BASE}/api/v1/tables/${t.token}/orders`)).json();
  assert.equal(orders.length, 1);
  const by = Object.fromEntries(orders[0].items.map((l) => [l.menu_item_id, l.added_by?.nickname]));
  assert.ok(by[japchae.id] && by[soju.id] && by[japchae.id] !== by[soju.id], `each line is its diner's: ${JSON.stringify(by)}`);

  // Another table asks for water, for the map's picture.
  const other = await newTable('Floor 4');
  const visit = (await (await fetch(`${BASE}/api/v1/tables/${other.token}`)).json()).visit_id;
  const asked = await fetch(`${BASE}/api/v1/tables/${other.token}/service-requests`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visit_id: visit, kind: 'water' }),
  });
  assert.equal(asked.status, 201, await asked.clone().text());

  // And a third has food to serve.
  const ready = await newTable('Floor 5');
  const placed = await postOrder(ready, [{ menu_item_id: soju.id, menu_version: soju.version, qty: 2 }]);
  assert.equal(placed.status, 201, await placed.clone().text());
  await admin('PATCH', `/orders/${(await placed.json()).id}`, { status: 'ready' });

  const { context, page } = await floorShown();
  await tile(page, t, 'ordered').waitFor();
  await tile(page, other, 'called').waitFor();
  await tile(page, ready, 'ready').waitFor();
  // Needing someone first, oldest first: the water asked before the food was ready.
  const ours = [other.id, ready.id, t.id].map(String);
  assert.deepEqual(await page.locator('.tile').evaluateAll((els, ids) => els.filter((e) => ids.includes(e.dataset.table)).map((e) => e.dataset.state), ours), ['called', 'ready', 'ordered']);
  await screenshot(page, 'console-floor');

  await tile(page, t).click();
  const panel = page.getByRole('dialog', { name: t.name });
  await panel.locator('.porder [data-role="by"]', { hasText: by[japchae.id] }).waitFor();
  await panel.getByRole('button', { name: 'Split by person' }).click();
  const shares = panel.locator('[data-role="shares"] .share');
  await shares.first().waitFor();
  const shown = await shares.evaluateAll((els) => els.map((e) => ({
    name: e.querySelector('[data-role="share-name"]').textContent,
    minor: Number(e.querySelector('[data-role="share-total"]').dataset.minor),
    total: e.querySelector('[data-role="share-total"]').textContent,
    lines: e.querySelector('.bill-lines').textContent,
  })));
  const total = panel.locator('[data-role="bill-total"]');
  const totalMinor = Number(await total.getAttribute('data-minor'));
  const split = await admin('GET', `/tables/${t.id}/bill?split=person`);
  assert.equal(totalMinor, split.total.amount_minor);
  assert.deepEqual(shown.map((s) => [s.name, s.minor]), split.shares.map((s) => [s.name, s.total.amount_minor]), 'the shares as the API splits them');
  assert.deepEqual(shown.map((s) => s.name).sort(), [by[japchae.id], by[soju.id]].sort(), 'one share per diner');
  assert.match(shown.find((s) => s.name === by[japchae.id]).lines, /1×\s*Japchae/);
  assert.match(shown.find((s) => s.name === by[soju.id]).lines, /1×\s*Soju/);
  assert.equal(shown.reduce((n, s) => n + s.minor, 0), totalMinor, 'the shares add up to the total');
  const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'KRW' });
  assert.equal(await total.textContent(), money.format(totalMinor));
  for (const s of shown) assert.equal(s.total, money.format(s.minor));
  await screenshot(page, 'console-floor-table');

  // Evenly, 3 ways: still the total, at most one won apart.
  await panel.getByRole('button', { name: 'Split evenly' }).click();
  await panel.getByLabel('Ways').fill('3');
  await panel.getByLabel('Ways').press('Enter');
  await panel.locator('[data-role="shares"] .share[data-kind="even"]').nth(2).waitFor();
  const even = await panel.locator('[data-role="share-total"]').evaluateAll((els) => els.map((e) => Number(e.dataset.minor)));
  assert.equal(even.length, 3);
  assert.equal(even.reduce((n, x) => n + x, 0), totalMinor);
  assert.ok(Math.max(...even) - Math.min(...even) <= 1, `${even}`);

  // Closing the bill asks first; then the table is free and a new visit begins.
  await panel.getByRole('button', { name: 'Close the bill' }).click();
  const confirm = page.getByRole('dialog', { name: /^Close the bill of Floor 3/ });
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await confirm.waitFor({ state: 'hidden' });
  await tile(page, t, 'ordered').waitFor();
  await panel.getByRole('button', { name: 'Close the bill' }).click();
  await confirm.getByRole('button', { name: 'Close the bill' }).click();
  await tile(page, t, 'free').waitFor();
  await panel.getByText('No orders yet.').waitFor();
  assert.notEqual((await admin('GET', `/tables/${t.id}/bill`)).visit_id, orders[0].visit_id);
  await page.keyboard.press('Escape');

  // The tablet and Korean.
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.getByRole('button', { name: /한국어/ }).click();
  await page.getByRole('heading', { level: 1, name: '테이블 현황' }).waitFor();
  assert.equal(await tile(page, other).locator('[data-role="state"]').textContent(), '물 요청');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'nothing wider than the tablet');
  await screenshot(page, 'console-floor-768');
  await page.getByRole('button', { name: /English/ }).click();
  assert.deepEqual(page.errors, []);
  for (const p of [a, b]) await p.context.close();
  await context.close();
});
