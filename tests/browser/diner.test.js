// The diner's page in Debian's Chromium, against a real server, database
// and Redis (tests/browser/run.sh starts them). Each test uses a table of
// its own; they run one after another (one changes the location policy).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE, admin, eventually, kitchenStreamOrderIds, launch, menuItem, newTable, phone, screenshot, table,
} from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

async function open(t, options) {
  const p = await phone(browser, options);
  await p.page.goto(t.url);
  await p.page.getByRole('heading', { level: 1, name: t.name }).waitFor();
  return p;
}

const cartBar = (page) => page.locator('#cart-bar .cart-btn');
/** The page holds the live cart and the server confirmed all its changes. */
const settled = (page) => page.waitForFunction(() => document.body.dataset.live === 'true' && document.body.dataset.pending === '0');
const cartLine = (page, itemId) => page.locator(`#cart-dialog .line[data-item="${itemId}"]`);

async function visitOrders(t) {
  const res = await fetch(`${BASE}/api/v1/tables/${t.token}/orders`);
  return res.json();
}

test('the menu lists categories, dishes with prices in won, allergens and options', async () => {
  const t = table(0);
  const { context, page } = await open(t);
  const nav = page.getByRole('navigation', { name: 'Menu categories' });
  for (const c of ['Mains', 'Sides', 'Drinks', 'Desserts']) await nav.getByRole('link', { name: c }).waitFor();
  const card = page.locator('article', { hasText: 'Bibimbap' });
  await card.getByText('₩12,000').waitFor();
  await card.getByText('Contains: Soy, Egg, Sesame').waitFor();
  await card.getByText('비빔밥').waitFor();
  await screenshot(page, 'menu-390');
  await page.getByRole('button', { name: 'Choose options for Bibimbap' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bibimbap' });
  await dialog.getByRole('group', { name: /Spice level/ }).waitFor();
  await dialog.getByText('+₩1,000').waitFor();
  await screenshot(page, 'item-options-390');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a diner builds a cart, reviews it, orders, and the order reaches the admin API and the kitchen stream', async () => {
  const t = table(0);
  const { context, page } = await open(t);
  const japchae = await menuItem('Japchae');
  const bibimbap = await menuItem('Bibimbap');

  await page.getByRole('button', { name: 'Add Japchae' }).click();
  await page.getByRole('button', { name: 'Choose options for Bibimbap' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bibimbap' });
  // Adding without the required choice says what is missing.
  await dialog.getByRole('button', { name: /Add to cart/ }).click();
  await dialog.getByText('Choose 1', { exact: false }).first().waitFor();
  await dialog.getByRole('radio', { name: 'Hot' }).check();
  await dialog.getByRole('checkbox', { name: /Fried egg/ }).check();
  await dialog.getByLabel('Note').fill('No cucumber, please');
  await dialog.getByRole('button', { name: 'Add to cart · ₩13,000' }).click();

  await cartBar(page).getByText('₩26,000').waitFor();
  await cartBar(page).click();
  const cart = page.getByRole('dialog', { name: 'Table cart' });
  await cartLine(page, bibimbap.id).getByText('Hot, Fried egg').waitFor();
  await cartLine(page, bibimbap.id).getByText('No cucumber, please').waitFor();
  await cart.getByRole('button', { name: 'One more Japchae' }).click();
  await cartLine(page, japchae.id).locator('output').getByText('2').waitFor();
  await cart.locator('.cart-total').getByText('₩39,000').waitFor();
  await screenshot(page, 'cart-390');

  await cart.getByRole('button', { name: 'Review order' }).click();
  const review = page.getByRole('dialog', { name: 'Review your order' });
  await review.getByRole('button', { name: 'Place order · ₩39,000' }).click();

  const orders = page.getByRole('dialog', { name: 'Orders at this table' });
  const placed = orders.locator('.order').first();
  await placed.getByText('Sent to the kitchen').first().waitFor();
  await placed.getByText('₩39,000').first().waitFor();
  await orders.locator('.table-total').getByText('₩39,000').waitFor();
  await cartBar(page).waitFor({ state: 'hidden' });
  await screenshot(page, 'order-status-390');

  const [order] = await visitOrders(t);
  assert.equal(order.total.amount_minor, 39000);
  assert.deepEqual(order.items.map((i) => [i.name.en, i.qty, i.note]).sort(),
    [['Bibimbap', 1, 'No cucumber, please'], ['Japchae', 2, null]]);
  const inAdmin = await admin('GET', '/orders');
  assert.ok(inAdmin.some((o) => o.id === order.id && o.table_name === t.name), 'the order is in the admin API');
  await eventually('the order on the kitchen stream', () => kitchenStreamOrderIds().includes(order.id));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a status changed through the admin API appears on the page without a reload', async () => {
  const t = table(0);
  const { context, page } = await open(t);
  const [order] = await visitOrders(t);
  assert.ok(order, 'the previous test placed an order on this table');
  await page.getByRole('button', { name: /Orders/ }).click();
  const card = page.locator(`.order[data-order="${order.id}"]`);
  await card.getByText('Sent to the kitchen').first().waitFor();
  await page.locator('#conn').waitFor({ state: 'hidden' });
  await admin('PATCH', `/orders/${order.id}`, { status: 'preparing' });
  await card.locator('.status-pill', { hasText: 'Preparing' }).waitFor({ timeout: 3000 });
  await admin('PATCH', `/orders/${order.id}`, { status: 'ready' });
  await card.locator('.status-pill', { hasText: 'Ready' }).waitFor({ timeout: 3000 });
  await card.locator('[aria-current="step"]', { hasText: 'Ready' }).waitFor();
  await screenshot(page, 'order-ready-390');
  await context.close();
});

test('two diners at one table share the cart live, and both see the order placed', async () => {
  const t = table(1);
  const japchae = await menuItem('Japchae');
  const a = await open(t);
  const b = await open(t);
  // Both know the other is there.
  await a.page.getByRole('button', { name: '2 people at the table' }).waitFor({ timeout: 3000 });
  await b.page.getByRole('button', { name: '2 people at the table' }).waitFor({ timeout: 3000 });

  await a.page.getByRole('button', { name: 'Add Japchae' }).click();
  await cartBar(b.page).getByText('₩13,000').waitFor({ timeout: LIVE_MS });

  await b.page.getByRole('button', { name: 'Add Soju' }).click();
  await cartBar(b.page).click();
  const bCart = b.page.getByRole('dialog', { name: 'Table cart' });
  await cartLine(b.page, japchae.id).getByText(/^Added by /).waitFor();
  await bCart.getByRole('button', { name: 'One more Japchae' }).click();

  await cartBar(a.page).click();
  await cartLine(a.page, japchae.id).locator('output').getByText('2').waitFor({ timeout: LIVE_MS });
  await a.page.getByRole('dialog', { name: 'Table cart' }).locator('.cart-total').getByText('₩32,000').waitFor({ timeout: LIVE_MS });
  await screenshot(a.page, 'cart-two-people-390');

  await bCart.getByRole('button', { name: 'Review order' }).click();
  await b.page.getByRole('button', { name: 'Place order · ₩32,000' }).click();
  const bOrders = b.page.getByRole('dialog', { name: 'Orders at this table' });
  await bOrders.getByText('Sent to the kitchen').first().waitFor();

  // The other diner: told, and the cart is empty.
  await a.page.getByText(/Order #\d+ was placed for the table/).waitFor({ timeout: 2000 });
  await a.page.getByRole('dialog', { name: 'Table cart' }).getByText('The cart is empty').waitFor({ timeout: 2000 });
  await cartBar(a.page).waitFor({ state: 'hidden' });
  await cartBar(b.page).waitFor({ state: 'hidden' });

  const [order] = await visitOrders(t);
  assert.deepEqual(order.items.map((i) => [i.name.en, i.qty]).sort(), [['Japchae', 2], ['Soju', 1]]);
  const inAdmin = await admin('GET', '/orders');
  assert.ok(inAdmin.some((o) => o.id === order.id), 'the order is in the admin API');
  await eventually('the order on the kitchen stream', () => kitchenStreamOrderIds().includes(order.id));
  await a.context.close();
  await b.context.close();
});

test('a diner outside the restaurant network is told to use its Wi-Fi, and nothing is ordered', async () => {
  const t = table(2);
  const { context, page } = await open(t);
  await admin('PATCH', '/restaurant', { location_policy: 'network', network_cidrs: ['192.0.2.0/24'] });
  try {
    await page.getByRole('button', { name: 'Add Mandu' }).click();
    await cartBar(page).click();
    await page.getByRole('button', { name: 'Review order' }).click();
    await page.getByRole('button', { name: /Place order/ }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('You are not on the restaurant’s Wi-Fi').waitFor();
    await screenshot(page, 'not-on-wifi-390');
    assert.deepEqual(await visitOrders(t), []);
  } finally {
    await admin('PATCH', '/restaurant', { location_policy: 'network', network_cidrs: ['127.0.0.0/8', '::1/128'] });
  }
  await context.close();
});

test('a phone outside the restaurant network is told so at once, not left “connecting”, and joins once on the Wi-Fi', async () => {
  const t = await newTable('Terrace 9');
  await admin('PATCH', '/restaurant', { location_policy: 'network', network_cidrs: ['192.0.2.0/24'] });
  let p;
  try {
    p = await open(t);
    const bar = p.page.getByRole('status');
    await bar.getByText('You are not on the restaurant’s Wi-Fi').waitFor();
    assert.equal(await p.page.locator('#conn .spinner').count(), 0, 'no spinner: nothing to wait for');
    assert.equal(await p.page.evaluate(() => document.body.dataset.live), 'false');
    await screenshot(p.page, 'join-refused-390');
  } finally {
    await admin('PATCH', '/restaurant', { location_policy: 'network', network_cidrs: ['127.0.0.0/8', '::1/128'] });
  }
  // Joining the Wi-Fi changes the network; the page tries again at once.
  await p.page.evaluate(() => dispatchEvent(new Event('online')));
  await p.page.waitForFunction(() => document.body.dataset.live === 'true', null, { timeout: 5000 });
  await p.page.locator('#conn').waitFor({ state: 'hidden' });
  assert.deepEqual(p.page.errors, []);
  await p.context.close();
});

test('a page open when staff rotate the table’s code says to scan the new one, and does not reconnect', async () => {
  const t = await newTable('Window 7');
  const p = await open(t);
  await settled(p.page);
  await admin('POST', `/tables/${t.id}/rotate-token`);
  const bar = p.page.getByRole('status');
  await bar.getByText('This table’s QR code has changed').waitFor({ timeout: 2000 });
  assert.equal(await p.page.locator('#conn .spinner').count(), 0, 'no spinner: nothing to wait for');
  assert.equal(await p.page.evaluate(() => document.body.dataset.live), 'false');
  await screenshot(p.page, 'table-code-changed-390');
  assert.deepEqual(p.page.errors, []);
  await p.context.close();
});

test('a dish sold out by staff while in the cart is flagged, and ordering it is refused in words', async () => {
  const t = table(3);
  const { context, page } = await open(t);
  const bingsu = await menuItem('Patbingsu');
  await page.getByRole('button', { name: 'Add Patbingsu' }).click();
  await page.getByRole('button', { name: 'Add Cola' }).click();
  await cartBar(page).getByText('₩12,500').waitFor();
  await settled(page);
  await admin('PATCH', `/menu-items/${bingsu.id}`, { version: bingsu.version, stock: 0 });
  try {
    await cartBar(page).click();
    await page.getByRole('button', { name: 'Review order' }).click();
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('alert').getByText('Sold out: Patbingsu').waitFor();
    await page.locator('.review-lines').getByText('Sold out — remove it to order').waitFor();
    await screenshot(page, 'sold-out-390');
    assert.deepEqual(await visitOrders(t), []);
    // The menu says so too, and the rest can still be ordered.
    await page.getByRole('button', { name: 'Back to cart' }).click();
    await page.getByRole('button', { name: 'Remove Patbingsu' }).first().click();
    await page.getByRole('button', { name: 'Review order' }).click();
    await page.getByRole('button', { name: 'Place order · ₩2,500' }).click();
    await page.getByRole('dialog', { name: 'Orders at this table' }).getByText('Sent to the kitchen').first().waitFor();
    await page.keyboard.press('Escape');
    await page.locator('article', { hasText: 'Patbingsu' }).getByText('Sold out').waitFor();
  } finally {
    const now = await menuItem('Patbingsu');
    await admin('PATCH', `/menu-items/${bingsu.id}`, { version: now.version, stock: 5 });
  }
  await context.close();
});

test('a dish sold out by staff is marked on an open page without a reload', async () => {
  const t = table(5);
  const { context, page } = await open(t);
  const hotteok = await menuItem('Hotteok');
  await page.getByRole('button', { name: 'Add Hotteok' }).click();
  await cartBar(page).waitFor();
  // Joined, and the line confirmed: the event below must reach a live page.
  await settled(page);
  await admin('PATCH', `/menu-items/${hotteok.id}`, { version: hotteok.version, available: false });
  try {
    await page.locator('article', { hasText: 'Hotteok' }).getByText('Sold out').waitFor({ timeout: 3000 });
    await page.getByText('Hotteok just sold out.').waitFor();
  } finally {
    const now = await menuItem('Hotteok');
    await admin('PATCH', `/menu-items/${hotteok.id}`, { version: now.version, available: true });
  }
  await context.close();
});

test('a Korean browser gets the Korean menu and won prices, and the switch turns it to English', async () => {
  const t = table(4);
  const { context, page } = await open(t, { locale: 'ko-KR' });
  assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
  await page.getByRole('link', { name: '식사' }).waitFor();
  const card = page.locator('article', { hasText: '비빔밥' });
  await card.getByText('₩12,000').waitFor();
  await page.getByRole('button', { name: '잡채 담기' }).click();
  await cartBar(page).getByText('장바구니 보기').waitFor();
  await screenshot(page, 'menu-ko-390');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('link', { name: 'Mains' }).waitFor();
  await cartBar(page).getByText('View cart').waitFor();
  await page.getByRole('button', { name: '한국어' }).waitFor();
  await context.close();
});

test('the page fits a 360 px wide screen and is served with its security headers', async () => {
  const t = table(6);
  const { context, page } = await open(t, { width: 360, height: 740 });
  await page.getByRole('button', { name: 'Add Kimchi', exact: true }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  await screenshot(page, 'menu-360');
  await cartBar(page).click();
  await screenshot(page, 'cart-360');
  // Every control in the cart is reachable and labelled.
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('#cart-dialog button')]
    .filter((b) => !(b.getAttribute('aria-label') || b.textContent.trim())).length);
  assert.equal(unlabeled, 0);
  assert.deepEqual(page.errors, []);
  await context.close();

  const res = await fetch(t.url);
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const html = await res.text();
  const script = html.match(/src="(\/assets\/[^"]+\/app\.js)"/)[1];
  const js = await fetch(BASE + script);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.match(js.headers.get('cache-control'), /immutable/);
});

test('a dropped connection shows “reconnecting”, and changes made meanwhile are shared once back', async () => {
  const t = table(7);
  const a = await phone(browser);
  let blocked = false;
  const sockets = [];
  // The page's socket goes through the test, which can cut it.
  await a.page.routeWebSocket(/\/ws\/tables\//, (ws) => {
    if (blocked) {
      ws.close({ code: 1012, reason: 'test: server away' });
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await a.page.goto(t.url);
  await a.page.waitForFunction(() => document.body.dataset.live === 'true');
  const b = await open(t);
  await b.page.waitForFunction(() => document.body.dataset.live === 'true');

  blocked = true;
  await sockets.at(-1).close({ code: 1012, reason: 'test: server restart' });
  await a.page.getByRole('status').getByText('Reconnecting').waitFor({ timeout: 2000 });
  await screenshot(a.page, 'reconnecting-390');
  await a.page.getByRole('button', { name: 'Add Cola' }).click();
  await cartBar(a.page).getByText('₩2,500').waitFor();

  blocked = false;
  await a.page.waitForFunction(() => document.body.dataset.live === 'true', null, { timeout: 15_000 });
  await a.page.locator('#conn').waitFor({ state: 'hidden' });
  await cartBar(b.page).getByText('₩2,500').waitFor({ timeout: 3000 });
  await a.context.close();
  await b.context.close();
});

test('under a GPS policy the page explains the location check before asking, orders from inside, and says why it cannot from afar', async () => {
  const t = await newTable('Terrace 1');
  await admin('PATCH', '/restaurant', { location_policy: 'gps' });
  const attempt = async (options) => {
    const p = await open(t, options);
    await p.page.getByRole('button', { name: 'Add Cola' }).click();
    await cartBar(p.page).click();
    await p.page.getByRole('button', { name: 'Review order' }).click();
    return p;
  };
  try {
    // Seoul City Hall is the demo restaurant; Busan is 325 km away.
    const far = await attempt({ geolocation: { latitude: 35.1796, longitude: 129.0756, accuracy: 20 }, permissions: ['geolocation'] });
    await far.page.getByRole('button', { name: 'Share location and order · ₩2,500' }).click();
    await far.page.getByRole('alert').getByText('You seem to be outside the restaurant').waitFor();
    await far.context.close();

    const denied = await attempt({ geolocation: { latitude: 37.5664, longitude: 126.9780, accuracy: 20 }, permissions: [] });
    await denied.page.getByRole('button', { name: /Share location and order/ }).click();
    await denied.page.getByRole('alert').getByText('Location access was denied').waitFor({ timeout: 20_000 });
    await denied.context.close();
    assert.deepEqual(await visitOrders(t), []);

    const inside = await attempt({ geolocation: { latitude: 37.5664, longitude: 126.9780, accuracy: 20 }, permissions: ['geolocation'] });
    const review = inside.page.getByRole('dialog', { name: 'Review your order' });
    await review.getByRole('heading', { name: 'Location check' }).waitFor();
    await review.getByText('Your browser will ask for your location once').waitFor();
    await screenshot(inside.page, 'gps-explained-390');
    await review.getByRole('button', { name: /Share location and order/ }).click();
    await inside.page.getByRole('dialog', { name: 'Orders at this table' }).getByText('Sent to the kitchen').first().waitFor();
    assert.equal((await visitOrders(t)).length, 1);
    await inside.context.close();
  } finally {
    await admin('PATCH', '/restaurant', { location_policy: 'network' });
  }
});
