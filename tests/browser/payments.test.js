// Paying a table's bill from the console's table panel, in Debian's
// Chromium against the real server run.sh started: two diners order from
// the shared cart, the bill is split in three, two shares are paid by card
// (the diner's page shows the bill, their share, what is paid and due) and
// the third in cash — the table closes by itself, a new visit begins, and
// the next diner's page shows an empty table.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, admin, consoleSignedIn, launch, newTable, phone, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

async function diner(t) {
  const p = await phone(browser);
  await p.page.goto(t.url);
  await p.page.getByRole('heading', { level: 1, name: t.name }).waitFor();
  await p.page.waitForFunction(() => document.body.dataset.live === 'true');
  return p;
}

const settled = (page) => page.waitForFunction(() => document.body.dataset.live === 'true' && document.body.dataset.pending === '0');

test('two card shares and one cash share paid: the table closes, a new visit begins, the next diner sees an empty table', async () => {
  const t = await newTable('Pay 1');
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
  const bOrders = b.page.getByRole('dialog', { name: 'Orders at this table' });
  await bOrders.getByText('Sent to the kitchen').first().waitFor();
  const firstVisit = (await admin('GET', `/tables/${t.id}/bill`)).visit_id;

  const { context, page } = await consoleSignedIn(browser);
  await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Table map' }).click();
  await page.locator(`.tile[data-table="${t.id}"][data-state="ordered"]`).click();
  const panel = page.getByRole('dialog', { name: t.name });
  await panel.getByRole('button', { name: 'Split evenly' }).click();
  await panel.getByLabel('Ways').fill('3');
  await panel.getByLabel('Ways').press('Enter');
  const share = (i) => panel.locator(`.share[data-share-id="even:${i}/3"]`);
  await share(3).waitFor();
  const total = Number(await panel.locator('[data-role="bill-total"]').getAttribute('data-minor'));
  const dues = await panel.locator('.share [data-role="standing"]').evaluateAll((els) => els.map((e) => Number(e.dataset.due)));
  assert.equal(dues.reduce((n, x) => n + x, 0), total, 'the shares owe the total');

  // Two card payments, each prefilled with its share's due.
  for (const i of [1, 2]) {
    assert.equal(Number(await share(i).locator('.pay-amount').inputValue()), dues[i - 1]);
    await share(i).getByRole('button', { name: 'Card' }).click();
    await panel.locator(`.share-paid[data-share-id="even:${i}/3"]`).waitFor({ timeout: LIVE_MS * 2 });
  }
  const standing = await admin('GET', `/tables/${t.id}/bill`);
  assert.deepEqual([standing.paid.amount_minor, standing.due.amount_minor], [dues[0] + dues[1], dues[2]]);
  assert.deepEqual(standing.payments.map((p) => p.method), ['card', 'card']);
  await panel.locator('[data-role="bill-standing"] [data-role="due"]').getByText(new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'KRW' }).format(dues[2])).waitFor();
  await screenshot(page, 'console-bill-payments');

  // The diner opens the table's orders: the bill, paid and due, their share.
  await a.page.locator('#orders-btn').click();
  const sheet = a.page.getByRole('dialog', { name: 'Orders at this table' });
  const bill = sheet.locator('[data-role="bill"]');
  await bill.locator('[data-role="bill-due"]').waitFor();
  const split = await admin('GET', `/tables/${t.id}/bill?split=person`);
  const mine = Number(await bill.locator('[data-role="my-share"] [data-minor]').getAttribute('data-minor'));
  assert.ok(split.shares.some((s) => s.kind === 'diner' && s.total.amount_minor === mine), `my share ${mine} is one of ${JSON.stringify(split.shares.map((s) => s.total))}`);
  await screenshot(a.page, 'diner-bill');

  // The cash share: paid in full, the table closes by itself.
  await share(3).getByRole('button', { name: 'Cash' }).click();
  await page.locator(`.tile[data-table="${t.id}"][data-state="free"]`).waitFor({ timeout: LIVE_MS * 2 });
  await panel.getByText('No orders yet.').waitFor();
  const fresh = await admin('GET', `/tables/${t.id}/bill`);
  assert.notEqual(fresh.visit_id, firstVisit, 'a new visit began');
  assert.deepEqual([fresh.orders, fresh.payments], [[], []]);
  await page.keyboard.press('Escape');

  // The next diner: an empty table.
  const next = await diner(t);
  assert.equal(await next.page.locator('#cart-bar').isHidden(), true, 'no cart');
  await next.page.locator('#orders-btn').click();
  const nextSheet = next.page.getByRole('dialog', { name: 'Orders at this table' });
  await nextSheet.getByText(/^No orders yet/).waitFor();
  assert.equal(await nextSheet.locator('[data-role="bill"]').count(), 0, 'no bill');
  await next.page.keyboard.press('Escape');
  await next.page.getByRole('button', { name: 'Service' }).click();
  const states = await next.page.locator('.service').evaluateAll((els) => els.map((e) => e.dataset.state));
  assert.ok(states.every((s) => s === 'none'), `no requests: ${states}`);
  const people = await (await fetch(`${BASE}/api/v1/tables/${t.token}/bill?client_id=x`)).json();
  assert.deepEqual([people.lines, people.paid.amount_minor, people.mine], [[], 0, null]);
  assert.deepEqual(page.errors, []);
  for (const p of [a, b, next]) {
    assert.deepEqual(p.page.errors, []);
    await p.context.close();
  }
  await context.close();
});
