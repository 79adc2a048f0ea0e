// The console (/admin) with the keyboard alone, in Debian's Chromium against
// the real server run.sh started: signing in, moving an order on, a
// confirmation dialog answered and dismissed, changing page — each control
// reached with Tab and shown with a visible focus ring. And an account an
// owner switches off: its open console is signed out at once (its live
// feed closes with the session), and signing in again says why.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, admin, consoleLive, consoleSignedIn, launch, newTable, postOrder, menuItem } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A new account of the demo restaurant (its own login budget). */
async function account(role, name) {
  const email = `${role}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@console-keys.test`;
  const password = `${role} password ${Date.now()}`;
  const user = await admin('POST', '/users', { email, password, name, role });
  return { id: user.id, email, password };
}

const focused = (locator) => locator.evaluate((el) => el === document.activeElement);

/** Presses Tab until `locator` has the focus (at most 120 presses), and checks that the focus is visible. */
async function tabTo(page, locator, what) {
  for (let i = 0; i < 120; i++) {
    if (await focused(locator).catch(() => false)) {
      const outline = await locator.evaluate((el) => getComputedStyle(el).outlineStyle);
      assert.notEqual(outline, 'none', `${what}: the focus is visible`);
      return;
    }
    await page.keyboard.press('Tab');
  }
  assert.fail(`${what} is never reached with Tab`);
}

test('the console works with the keyboard alone: sign in, an order moved on, a dialog, another page', async () => {
  const owner = await account('owner', 'Keys');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${BASE}/admin`);
  const login = page.locator('#login');
  await tabTo(page, login.getByLabel('Email'), 'the email field');
  await page.keyboard.type(owner.email);
  await tabTo(page, login.getByLabel('Password'), 'the password field');
  await page.keyboard.type(owner.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: "Today's orders" }).waitFor();
  await consoleLive(page);

  const t = await newTable('Keys 1');
  const japchae = await menuItem('Japchae');
  const res = await postOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 1 }]);
  assert.equal(res.status, 201, await res.clone().text());
  const order = await res.json();
  const card = page.locator(`li.order[data-order="${order.id}"]`);
  await card.waitFor();

  await tabTo(page, card.getByRole('button', { name: 'Accept' }), 'Accept');
  await page.keyboard.press('Enter');
  await page.locator(`li.order[data-order="${order.id}"][data-status="accepted"]`).waitFor();

  // The confirmation opens with the focus inside; Escape keeps the order.
  await tabTo(page, card.getByRole('button', { name: 'Cancel order' }), 'Cancel order');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Cancel order #${order.number} of ${t.name}?` });
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'the focus is in the dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await admin('GET', `/orders/${order.id}`)).status, 'accepted');
  // Answered from the keyboard, it cancels.
  await tabTo(page, card.getByRole('button', { name: 'Cancel order' }), 'Cancel order again');
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await tabTo(page, dialog.getByRole('button', { name: 'Cancel order' }), 'the dialog\'s Cancel order');
  await page.keyboard.press('Enter');
  await page.locator(`li.order[data-order="${order.id}"][data-status="cancelled"]`).waitFor();
  assert.equal((await admin('GET', `/orders/${order.id}`)).status, 'cancelled');

  // The nav's links, and the page's heading takes the focus.
  await tabTo(page, page.getByRole('link', { name: 'Menu' }), 'the Menu link');
  await page.keyboard.press('Enter');
  const heading = page.getByRole('heading', { level: 1, name: 'Menu' });
  await heading.waitFor();
  assert.equal(new URL(page.url()).hash, '#menu');
  await context.close();
});

test('an account an owner switches off is signed out, and signing in says it is switched off', async () => {
  const owner = await account('owner', 'Switcher');
  const cook = await account('staff', 'Cook Kim');
  const { context: ownerContext, page } = await consoleSignedIn(browser, { account: owner });
  const { context: cookContext, page: cookPage } = await consoleSignedIn(browser, { account: cook });

  await page.getByRole('link', { name: 'Staff' }).click();
  const row = page.locator(`tr[data-user="${cook.id}"]`);
  await row.getByRole('button', { name: 'Switch off: Cook Kim' }).click();
  const dialog = page.getByRole('dialog', { name: 'Switch off the account of Cook Kim?' });
  await dialog.getByRole('button', { name: 'Switch off' }).click();
  await row.getByText('Switched off').waitFor();
  const users = await admin('GET', '/users');
  assert.equal(users.find((u) => u.id === cook.id).disabled, true);

  // The cook's live feed ends with the session: the sign-in panel covers their page.
  const login = cookPage.locator('#login');
  await login.waitFor();
  await login.getByLabel('Password').fill(cook.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.getByText('This account is switched off. Ask an owner of the restaurant to switch it on again.').waitFor();

  // Switched on again, the same panel signs in.
  await row.getByRole('button', { name: 'Switch on: Cook Kim' }).click();
  await row.getByText('Switched off').waitFor({ state: 'detached' });
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitFor({ state: 'hidden' });
  await cookPage.getByRole('heading', { level: 1, name: "Today's orders" }).waitFor();
  await ownerContext.close();
  await cookContext.close();
});
