// Staff order entry and voids in the console's table panel, in Debian's
// Chromium against the real server run.sh started: staff add an order for
// a table no phone has scanned (quantities, a note), it is the table's
// order entered by them; then they void one line with a reason, its stock
// comes back and the bill shown no longer counts it — and a diner's page
// open on the table drops the line at once, without a reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { admin, consoleSignedIn, launch, menuItem, newTable, phone, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('staff add an order for a table with no phones from its panel, then void a line with a reason: stock back, off the bill', async () => {
  const t = await newTable('Floor 6');
  const crabName = `Crab ${Date.now() % 100000}`;
  const crab = await admin('POST', '/menu-items', { category_id: 1, name: { en: crabName, ko: '게' }, price_minor: 5000, stock: 5 });
  const japchae = await menuItem('Japchae');
  const email = `entry-${Date.now()}@console.test`;
  await admin('POST', '/users', { email, password: 'staff password 1', name: 'Flo', role: 'staff' });
  const { context, page } = await consoleSignedIn(browser, { account: { email, password: 'staff password 1' } });
  await page.getByRole('navigation', { name: 'Console pages' }).getByRole('link', { name: 'Table map' }).click();
  await page.locator(`.tile[data-table="${t.id}"][data-state="free"]`).click();
  const panel = page.getByRole('dialog', { name: t.name });

  await panel.getByRole('button', { name: 'Add order' }).click();
  const form = page.getByRole('dialog', { name: `New order for ${t.name}` });
  await form.getByLabel(`How many ${crabName}`).fill('2');
  await form.getByLabel('How many Japchae').fill('1');
  await form.locator(`[data-key="note-${japchae.id}"]`).fill('no sesame');
  await screenshot(page, 'console-floor-add-order');
  await form.getByRole('button', { name: 'Send to the kitchen' }).click();
  await form.waitFor({ state: 'hidden' });

  const [order] = await admin('GET', `/orders?table_id=${t.id}`);
  assert.deepEqual(order.items.map((l) => [l.name.en, l.qty, l.note, l.added_by, l.entered_by?.name]),
    [[crabName, 2, null, null, 'Flo'], ['Japchae', 1, 'no sesame', null, 'Flo']]);
  assert.equal((await admin('GET', `/menu-items/${crab.id}`)).stock, 3);
  const card = panel.locator(`.porder[data-order="${order.id}"]`);
  await card.getByText(`2× ${crabName}`).waitFor();
  assert.equal(await card.locator('[data-role="by"]').first().textContent(), ' · entered by Flo');
  await panel.locator(`[data-role="bill-total"][data-minor="${order.total.amount_minor}"]`).waitFor();

  // A diner sits down and looks at the table's orders.
  const d = await phone(browser);
  await d.page.goto(t.url);
  await d.page.waitForFunction(() => document.body.dataset.live === 'true');
  await d.page.locator('#orders-btn').click();
  const sheet = d.page.getByRole('dialog', { name: 'Orders at this table' });
  const dinerOrder = sheet.locator(`[data-order="${order.id}"]`);
  await dinerOrder.getByText(crabName).waitFor();

  await card.locator('.lines li', { hasText: crabName }).getByRole('button', { name: 'Void' }).click();
  const ask = page.getByRole('dialog', { name: `Void 2× ${crabName} of order #${order.number}?` });
  await ask.getByRole('button', { name: 'Void' }).click();
  await ask.getByText('Say why').waitFor();
  await ask.getByLabel('Reason (printed for the kitchen)').fill('guest changed their mind');
  await ask.getByRole('button', { name: 'Void' }).click();
  await ask.waitFor({ state: 'hidden' });

  assert.equal((await admin('GET', `/menu-items/${crab.id}`)).stock, 5, 'the stock is back');
  const voided = await admin('GET', `/orders/${order.id}`);
  assert.equal(voided.items[0].voided.reason, 'guest changed their mind');
  assert.equal(voided.items[0].voided.by.name, 'Flo');
  assert.equal(voided.subtotal.amount_minor, japchae.price.amount_minor, 'what is left of the order');
  await panel.locator(`[data-role="bill-total"][data-minor="${voided.total.amount_minor}"]`).waitFor();
  await card.getByText(`2× ${crabName}`).waitFor({ state: 'detached' });
  // Pushed to the diner's page (`order_changed`): the line is gone, the order's total what is left.
  await dinerOrder.getByText(crabName).waitFor({ state: 'detached', timeout: 1000 });
  assert.equal(await dinerOrder.getByText('Japchae').count(), 1);
  assert.deepEqual(d.page.errors, []);
  await d.context.close();
  assert.equal((await admin('GET', `/tables/${t.id}/bill`)).total.amount_minor, voided.total.amount_minor);
  assert.deepEqual(page.errors, []);
  await context.close();
});
