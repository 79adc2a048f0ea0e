// The console's owners' pages (/admin) in Debian's Chromium, against the
// real server run.sh started: what staff may not open, changing one's own
// password (the account's other sessions end), the location guard made
// right from the settings page, the day's report against the tables' bills
// and its CSV, and a kitchen device registered (its token shown once) and
// revoked. Tests that change the restaurant's settings put them back.
// Owners' pages are used by a second owner (see `owner`).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import {
  BASE, admin, consoleLive, consoleSignedIn, launch, menuItem, newTable, postOrder, screenshot,
} from './harness.js';
import { money } from '../../server/console/i18n.js';

let browser;
/** A second owner, made through the API: the login rate limit counts per account, and console.test.js signs the seed's owner in often. */
let owner;
before(async () => {
  browser = await launch();
  owner = await account('owner', 'Hana');
});
after(async () => { await browser?.close(); });

const signedIn = (options) => consoleSignedIn(browser, { account: owner, ...options });

/** A new account of the demo restaurant, made by the owner through the API. */
async function account(role, name) {
  const email = `${role}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@console-admin.test`;
  const password = `${role} password ${Date.now()}`;
  await admin('POST', '/users', { email, password, name, role });
  return { email, password };
}

async function login({ email, password }) {
  return fetch(`${BASE}/api/v1/admin/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
}

/** A login attempt whose connection comes from 127.0.0.{n} (a stranger elsewhere); its status. */
function loginFrom(n, body) {
  const url = new URL(`${BASE}/api/v1/admin/login`);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      localAddress: `127.0.0.${n}`, headers: { 'content-type': 'application/json' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function placeOrder(t, lines) {
  const res = await postOrder(t, lines);
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

test('staff do not see the owners’ pages, are told so when opening one, and the API refuses them', async () => {
  const staff = await account('staff', 'Sora');
  const { context, page } = await signedIn({ account: staff });
  const nav = page.getByRole('navigation', { name: 'Console pages' });
  assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Orders', 'Table map', 'Menu', 'Tables']);
  // The header names the account, not just its role.
  await page.getByRole('button', { name: 'Account: Sora' }).waitFor();
  for (const [hash, title] of [['settings', 'Settings'], ['staff', 'Staff'], ['devices', 'Devices'], ['reports', 'Reports']]) {
    await page.goto(`${BASE}/admin#${hash}`);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await page.getByRole('alert').getByText('This page is for owners only').waitFor();
  }
  assert.equal(await page.locator('form.settings').count(), 0);

  const token = (await (await login(staff)).json()).token;
  const res = await fetch(`${BASE}/api/v1/admin/restaurant`, {
    method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Taken over' }),
  });
  assert.equal(res.status, 403);
  assert.notEqual((await admin('GET', '/restaurant')).name, 'Taken over');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a password changed in the Account dialog ends the account’s other session, keeps this one, and the new one signs in', async () => {
  const user = await account('staff', 'Minji');
  const a = await signedIn({ account: user });
  const b = await signedIn({ account: user });

  await a.page.getByRole('button', { name: 'Account: Minji' }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Account' });
  await dialog.getByText(user.email).waitFor();
  const fresh = `new secret ${Date.now()}`;
  // A wrong current password is said next to it, and changes nothing.
  await dialog.getByLabel('Current password').fill('not my password');
  await dialog.getByLabel(/^New password(?! again)/).fill(fresh);
  await dialog.getByLabel('New password again').fill(fresh);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await dialog.getByText('The current password is not right').waitFor();
  assert.equal((await login(user)).status, 200);

  await dialog.getByLabel('Current password').fill(user.password);
  await screenshot(a.page, 'console-account');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await a.page.getByText('Password changed. Your other sessions were signed out.').waitFor();

  // The other browser is sent to sign in at once: its live feed is closed
  // (1008) as its session ends.
  await b.page.locator('#login').getByText('Your session ended').waitFor();
  // This one goes on.
  await a.page.getByRole('link', { name: 'Tables' }).click();
  await a.page.getByRole('heading', { level: 1, name: 'Tables' }).waitFor();
  await a.page.locator('table.tables').waitFor();
  assert.equal(await a.page.locator('#login').isHidden(), true);

  assert.equal((await login(user)).status, 401);
  assert.equal((await login({ email: user.email, password: fresh })).status, 200);
  // And the ended browser signs in with it.
  await b.page.locator('#login').getByLabel('Password').fill(fresh);
  await b.page.locator('#login').getByRole('button', { name: 'Sign in' }).click();
  await b.page.locator('#login').waitFor({ state: 'hidden' });
  await b.page.getByRole('link', { name: 'Tables' }).click();
  await b.page.getByRole('heading', { level: 1, name: 'Tables' }).waitFor();
  assert.deepEqual(a.page.errors, []);
  assert.deepEqual(b.page.errors, []);
  await a.context.close();
  await b.context.close();
});

test('settings: the check panel gives the refusal an order gets, and "allow the network I am on now" lets this browser order', async () => {
  const saved = await admin('GET', '/restaurant');
  const t = await newTable('Settings check');
  const mandu = await menuItem('Mandu');
  const lines = [{ menu_item_id: mandu.id, menu_version: mandu.version, qty: 1 }];
  const visit = (await (await fetch(`${BASE}/api/v1/tables/${t.token}`)).json()).visit_id;
  const { context, page } = await signedIn();
  try {
    await admin('PATCH', '/restaurant', { location_policy: 'network', network_cidrs: ['192.0.2.0/24'] });
    const refused = await postOrder(t, lines, visit);
    assert.equal(refused.status, 403, await refused.clone().text());
    const refusal = await refused.json();

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    const panel = page.locator('.check-panel');
    const verdict = panel.locator('[data-role=verdict][data-allowed=false]');
    await verdict.waitFor();
    assert.equal(await verdict.locator('[data-role=refusal]').textContent(), refusal.message);
    await panel.locator('[data-role=network]').getByText('not on an allowed network').waitFor();
    const address = await page.locator('[data-role=client-address]').textContent();
    assert.match(address, /^(127\.0\.0\.1|::1)$/);
    await page.getByText(`The server sees this browser as ${address}`).waitFor();
    await panel.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'console-settings');

    await page.getByRole('button', { name: 'Allow the network I am on now' }).click();
    await page.locator('.check-panel [data-role=verdict][data-allowed=true]').getByText('An order from this browser would be accepted.').waitFor();
    await page.locator('.check-panel [data-role=network]').getByText('on an allowed network').waitFor();
    const now = await admin('GET', '/restaurant');
    assert.deepEqual(now.network_cidrs, ['192.0.2.0/24', address === '::1' ? '::/64' : '127.0.0.0/24']);
    assert.equal(await page.getByLabel('The restaurant’s networks').inputValue(), now.network_cidrs.join('\n'));
    const placed = await postOrder(t, lines, visit);
    assert.equal(placed.status, 201, await placed.clone().text());

    // A refused field is said next to it.
    await page.getByLabel('Radius (m)').fill('5');
    await page.locator('form.location').getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-error-for=radius_m]').getByText('outside 10 to 50000 m').waitFor();
    assert.equal((await admin('GET', '/restaurant')).radius_m, saved.radius_m);
    assert.deepEqual(page.errors, []);
  } finally {
    const { location_policy, network_cidrs, trusted_proxies, lat, lon, radius_m } = saved;
    await admin('PATCH', '/restaurant', { location_policy, network_cidrs, trusted_proxies, lat, lon, radius_m });
    await context.close();
  }
});

test('the day’s report totals the tables’ bills, charts this hour, and its CSV adds up to the same', async () => {
  const r = await admin('GET', '/restaurant');
  const t = await newTable('Report table');
  const bibimbap = await menuItem('Bibimbap');
  const japchae = await menuItem('Japchae');
  await placeOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 2 }]);
  // Bibimbap with the first choice of each required option group.
  const options = Object.fromEntries(bibimbap.option_groups.filter((g) => g.min > 0).map((g) => [g.id, g.options.slice(0, g.min).map((o) => o.id)]));
  await placeOrder(t, [{ menu_item_id: bibimbap.id, menu_version: bibimbap.version, qty: 1, options }]);
  // Every table's current bill: what the day's report must add up to (no
  // bill is closed in these tests, so today's orders are all on them).
  let billed = 0;
  for (const table of await admin('GET', '/tables')) billed += (await admin('GET', `/tables/${table.id}/bill`)).total.amount_minor;

  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
  const total = page.locator('[data-stat=total] .stat-value');
  await total.waitFor();
  assert.equal(await total.textContent(), money('en', billed, r.currency));
  const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: r.timezone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
  const bar = page.locator(`svg.hour-chart g.hour.now[data-hour="${hour}"] rect.bar`);
  await bar.waitFor();
  assert.ok(Number(await page.locator(`svg.hour-chart g[data-hour="${hour}"]`).getAttribute('data-orders')) >= 2);
  await page.locator('[data-rank=qty]').getByText('Japchae').waitFor();
  await screenshot(page, 'console-reports');
  await page.setViewportSize({ width: 768, height: 1024 });
  await screenshot(page, 'console-reports-768');
  await page.setViewportSize({ width: 1280, height: 800 });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Orders (CSV)' }).click()]);
  const csv = await readFile(await download.path(), 'utf8');
  const [head, ...rows] = csv.trim().split(/\r\n/).map((line) => line.split(','));
  const [status, amount] = [head.indexOf('status'), head.indexOf('total')];
  assert.ok(status >= 0 && amount >= 0, head.join());
  const digits = r.currency === 'KRW' || r.currency === 'JPY' || r.currency === 'VND' ? 0 : 2;
  const sum = rows.filter((row) => row[status] !== 'cancelled').reduce((n, row) => n + Math.round(Number(row[amount]) * 10 ** digits), 0);
  assert.equal(sum, billed);
  assert.match(download.suggestedFilename(), /^orders-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a kitchen device is registered with its token shown once, and once revoked its token is refused', async () => {
  const { context, page } = await signedIn({ permissions: ['clipboard-read', 'clipboard-write'] });
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { level: 1, name: 'Kitchen devices' }).waitFor();
  const name = `Grill screen ${Date.now()}`;
  const form = page.locator('form.new-device');
  await form.getByLabel('Device name').fill(name);
  await form.getByLabel('Station').fill('Grill!');
  await form.getByRole('button', { name: 'Register' }).click();
  await form.locator('[data-error-for=station]').getByText('a-z, 0-9').waitFor();
  await form.getByLabel('Station').fill('grill');
  await form.getByRole('button', { name: 'Register' }).click();
  const box = page.locator('[data-role=device-token]');
  await box.getByText('It will not be shown again').waitFor();
  const token = await box.getByLabel(`Token of ${name}`).inputValue();
  assert.ok(token.length >= 20, token);
  await box.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  const row = page.locator('tr', { hasText: name });
  await row.getByText('Active').waitFor();
  await screenshot(page, 'console-devices');

  const orders = () => fetch(`${BASE}/api/v1/admin/orders`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await orders()).status, 200);
  // Once dismissed (or the page left), the token is not shown again.
  await box.getByRole('button', { name: 'I have copied it' }).click();
  await box.waitFor({ state: 'detached' });
  await page.reload();
  await consoleLive(page);
  await row.waitFor();
  assert.equal((await page.content()).includes(token), false);

  await row.getByRole('button', { name: `Revoke: ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Revoke ${name}?` });
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText('Revoked').waitFor();
  assert.equal(await row.getByRole('button', { name: /^Revoke/ }).count(), 0);
  assert.equal((await orders()).status, 401);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('pairing a display shows its one-time code large with a countdown, and the page sees the display pair', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { level: 1, name: 'Kitchen devices' }).waitFor();
  const form = page.locator('form.pair-device');
  const name = `Bar screen ${Date.now()}`;
  await form.getByLabel('Device name').fill(name);
  await form.getByLabel('Station').fill('bar');
  await form.getByRole('button', { name: 'Pair a display' }).click();
  const box = page.locator('[data-role=pairing-code]');
  await box.getByText(`Pairing code for ${name} (bar)`).waitFor();
  const code = await box.locator('[data-code]').getAttribute('data-code');
  assert.match(code, /^\d{8}$/);
  assert.equal(await box.locator('[data-code]').textContent(), `${code.slice(0, 4)} ${code.slice(4)}`);
  // Large: the code is the page's biggest text.
  const size = await box.locator('[data-code]').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 40, `font-size ${size}`);
  await box.getByText(/^Valid for (9:5\d|10:00) more\.$/).waitFor();
  const first = await box.locator('[data-role=pairing-left]').textContent();
  await page.waitForFunction((before) => document.querySelector('[data-role=pairing-left]')?.textContent !== before, first);
  await box.getByText(`kds pair --server ${BASE} --code ${code}`).waitFor();
  await screenshot(page, 'console-pairing');

  // The display pairs with it: the page notices, says so, and lists it.
  const res = await fetch(`${BASE}/api/v1/devices/pair`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }),
  });
  assert.equal(res.status, 201);
  await page.getByText(`${name} is paired and running.`).waitFor();
  await box.waitFor({ state: 'detached' });
  await page.locator('tr', { hasText: name }).getByText('Active').waitFor();
  const again = await fetch(`${BASE}/api/v1/devices/pair`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }),
  });
  assert.equal(again.status, 404);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the staff page creates an account, says the server’s refusals in words, changes a role, sets a password and removes it', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Staff' }).click();
  await page.getByRole('heading', { level: 1, name: 'Staff' }).waitFor();
  const form = page.locator('form.new-user');
  const email = `jun-${Date.now()}@console-admin.test`;
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('Jun');
  await form.getByLabel('Password').fill('short');
  await form.getByRole('button', { name: 'Create account' }).click();
  await form.locator('[data-error-for=password]').getByText('at least 8 characters').waitFor();
  await form.getByLabel('Password').fill('long enough 1');
  await form.getByRole('button', { name: 'Create account' }).click();
  const row = page.locator('tr', { hasText: email });
  await row.waitFor();
  // The same email again is refused in words, next to it.
  await form.getByLabel('Email').fill(email.toUpperCase());
  await form.getByLabel('Password').fill('long enough 2');
  await form.getByRole('button', { name: 'Create account' }).click();
  await form.locator('[data-error-for=email]').getByText('An account with this email already exists.').waitFor();
  await screenshot(page, 'console-staff');

  const user = (await admin('GET', '/users')).find((u) => u.email === email);
  await row.getByLabel('Role: Jun').selectOption('owner');
  await page.getByText('Jun is now Owner.').waitFor();
  assert.equal((await admin('GET', '/users')).find((u) => u.id === user.id).role, 'owner');

  await row.getByRole('button', { name: 'Set a new password: Jun' }).click();
  const dialog = page.getByRole('dialog', { name: 'A new password for Jun' });
  await dialog.getByLabel('New password').fill('brand new pass');
  await dialog.getByRole('button', { name: 'Set password' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await login({ email, password: 'brand new pass' })).status, 200);

  await row.getByRole('button', { name: 'Remove: Jun' }).click();
  await page.getByRole('dialog', { name: 'Remove the account of Jun?' }).getByRole('button', { name: 'Remove' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await admin('GET', '/users')).some((u) => u.email === email), false);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a stranger’s guesses lock an account: a new browser is told so in words, the browser that signed in before still signs in', async () => {
  const user = await account('staff', 'Min');
  // This browser signs in once (and keeps its known-device token).
  const known = await signedIn({ account: user });
  // A stranger, from three other addresses, uses up the account's attempts.
  const statuses = [];
  for (let i = 0; i < 24; i++) statuses.push(await loginFrom(2 + (i % 3), { email: user.email, password: 'a wrong guess 123' }));
  assert.equal(statuses.at(-1), 429, String(statuses));

  const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await fresh.newPage();
  await page.goto(`${BASE}/admin`);
  await page.locator('#login').getByLabel('Email').fill(user.email);
  await page.locator('#login').getByLabel('Password').fill(user.password);
  await page.locator('#login').getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#login .login-error').getByText('This account has had too many wrong sign-in attempts').waitFor();
  await page.locator('#login .login-error').getByText('from a browser that has signed in to it before').waitFor();
  await fresh.close();

  // A new tab of the known browser has no session (sessionStorage) but the
  // device token (localStorage): it signs in.
  const tab = await known.context.newPage();
  await tab.goto(`${BASE}/admin`);
  await tab.locator('#login').getByLabel('Email').fill(user.email);
  await tab.locator('#login').getByLabel('Password').fill(user.password);
  await tab.locator('#login').getByRole('button', { name: 'Sign in' }).click();
  await tab.getByRole('heading', { level: 1, name: "Today's orders" }).waitFor();
  assert.deepEqual(known.page.errors, []);
  await known.context.close();
});
