// Splitting a bill by items in the console's table panel, in Debian's
// Chromium against the real server run.sh started: staff name two shares,
// tap the lines each pays for — one line in both, divided —, save, and pay
// each share with the payment row; the table closes by itself. A save that
// meets a payment taken meanwhile elsewhere (409 `shares_paid`) is said in
// words, and the shares stay as they were.
//
// Named after payments.test.js and run after console-admin.test.js, whose
// report test counts only open bills: this one closes its table.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, consoleSignedIn, launch, newTable, postOrder, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

/** Three dishes anyone may order without choosing options, stock unlimited. */
async function plainDishes() {
  const items = (await admin('GET', '/menu-items'))
    .filter((i) => i.available && i.stock === null && !i.option_groups.some((g) => g.min > 0));
  assert.ok(items.length >= 3, 'the demo menu has three plain dishes');
  return items.slice(0, 3);
}

/** The staff feed of `page`, with a switch that holds back what the server says (as a tablet out of reach would miss it). */
async function feedSwitch(page) {
  const held = { on: false };
  await page.routeWebSocket(/\/ws\/staff/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => { if (!held.on) ws.send(m); });
    ws.onMessage((m) => server.send(m));
  });
  return held;
}

test('staff assign lines to named shares, one divided between two, save, and pay each share; a save after a payment elsewhere is refused in words', async () => {
  const t = await newTable('Items 1');
  const dishes = await plainDishes();
  const res = await postOrder(t, dishes.map((i) => ({ menu_item_id: i.id, menu_version: i.version, qty: 1 })));
  assert.equal(res.status, 201, await res.clone().text());
  const placed = await res.json();
  const [a, b, c] = placed.items.map((l) => l.id);

  let held;
  const { context, page } = await consoleSignedIn(browser, { prepare: async (p) => { held = await feedSwitch(p); } });
  await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Table map' }).click();
  await page.locator(`.tile[data-table="${t.id}"][data-state="ordered"]`).click();
  const panel = page.getByRole('dialog', { name: t.name });
  await panel.getByRole('button', { name: 'Split by items' }).click();
  const editor = panel.locator('[data-role="items-editor"]');
  const line = (id) => editor.locator(`[data-line="${id}"]`);
  await editor.getByText('Add a share first').waitFor();
  assert.equal(await line(a).isDisabled(), true, 'no share to put it in yet');
  // Everything is one share, "not in any share yet", until assigned.
  await panel.locator('.share[data-share-id="unassigned"]').getByText('Not in any share yet').waitFor();

  await editor.getByRole('button', { name: 'Add share' }).click();
  await editor.locator('[data-role="items-error"]').getByText('Give the share a name first').waitFor();
  await editor.getByLabel('Name of a new share').fill('Ann');
  await editor.getByRole('button', { name: 'Add share' }).click();
  await line(a).click();
  await line(c).click();
  await editor.getByLabel('Name of a new share').fill('Bo');
  await editor.getByLabel('Name of a new share').press('Enter');
  await line(b).click();
  await line(c).click();
  await line(c).locator('[data-role="holders"]').getByText('Ann, Bo — divided in 2').waitFor();
  await editor.getByText('Not saved yet.').waitFor();
  await editor.getByRole('button', { name: 'Save the shares' }).click();
  await panel.locator('.share[data-share-id="items:2"]').waitFor();
  await panel.locator('.share[data-share-id="unassigned"]').waitFor({ state: 'detached' });

  const bill = await admin('GET', `/tables/${t.id}/bill?split=items`);
  const holders = Object.fromEntries(bill.items.map((i) => [i.line_id, i.shares]));
  assert.deepEqual([holders[a], holders[b], holders[c]], [['items:1'], ['items:2'], ['items:1', 'items:2']]);
  assert.deepEqual(bill.shares.map((s) => s.name), ['Ann', 'Bo']);
  const totals = bill.shares.map((s) => s.total.amount_minor);
  assert.equal(totals[0] + totals[1], bill.total.amount_minor, 'the two shares are the bill');
  const shown = await panel.locator('.share [data-role="share-total"]').evaluateAll((els) => els.map((e) => Number(e.dataset.minor)));
  assert.deepEqual(shown, totals);
  await screenshot(page, 'console-bill-items');

  // Bo's share is paid at the bar while this tablet hears nothing; its
  // next change cannot be saved, and says why.
  await line(b).click(); // Ann's share is picked: b goes into it too
  held.on = true;
  const bo = bill.shares[1];
  await admin('POST', `/tables/${t.id}/bill/payments`,
    { share: bo.id, amount_minor: bo.due.amount_minor, method: 'cash', expected_total_minor: bill.total.amount_minor },
    { 'idempotency-key': `bar-${Date.now()}` });
  await editor.getByRole('button', { name: 'Save the shares' }).click();
  await editor.locator('[data-role="items-error"]').getByText('A payment was already taken against these shares').waitFor();
  held.on = false;
  await editor.getByText('A payment was taken against these shares: they stay as they are.').waitFor();
  assert.equal(await editor.getByRole('button', { name: 'Save the shares' }).count(), 0, 'nothing left to save');
  const after = await admin('GET', `/tables/${t.id}/bill?split=items`);
  assert.deepEqual(after.items.map((i) => i.shares), bill.items.map((i) => i.shares), 'the shares as they were saved');
  await panel.locator('.share-paid[data-share-id="items:2"]').waitFor();

  // Ann pays by card: the bill is paid in full and the table closes.
  await panel.locator('.share[data-share-id="items:1"]').getByRole('button', { name: 'Card' }).click();
  await page.locator(`.tile[data-table="${t.id}"][data-state="free"]`).waitFor({ timeout: LIVE_MS * 2 });
  const next = await admin('GET', `/tables/${t.id}/bill`);
  assert.notEqual(next.visit_id, bill.visit_id, 'a new visit began');
  assert.deepEqual(page.errors, []);
  await context.close();
});
