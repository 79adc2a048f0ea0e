// The owner and staff console (/admin) in Debian's Chromium, against the
// real server run.sh started: signing in, live orders moved through their
// steps while a diner's page follows, a dish made with photo, options and
// stock in English and Korean and sold out, two owners editing one item, a
// session that ends under an open form, and what staff see.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { BASE, SEED, admin, consoleSignedIn, launch, newTable, phone, postOrder, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

const signedIn = (options) => consoleSignedIn(browser, options);

/** A diner's order through the client API (as the diner page places it). */
async function placeOrder(t, lines) {
  const res = await postOrder(t, lines);
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

async function item(nameEn) {
  const found = (await admin('GET', '/menu-items')).find((i) => i.name.en === nameEn);
  assert.ok(found, `menu item ${nameEn}`);
  return found;
}

/** A real 48×36 PNG (a two-colour picture), made here. */
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const [w, hgt] = [48, 36];
  const raw = Buffer.alloc((w * 3 + 1) * hgt);
  for (let y = 0; y < hgt; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const warm = (x + y) % 12 < 6;
      raw[o] = warm ? 200 : 40; raw[o + 1] = warm ? 60 : 140; raw[o + 2] = warm ? 40 : 90;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(hgt, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('the owner signs in, a diner order appears live with a chime, and each step reaches the diner page', async () => {
  const { context, page } = await signedIn({ shot: 'console-login' });
  const t = await newTable('Console 1');
  const diner = await phone(browser);
  await diner.page.goto(t.url);
  await diner.page.getByRole('heading', { level: 1, name: t.name }).waitFor();
  const japchae = await item('Japchae');

  const beeps = Number(await page.evaluate(() => document.body.dataset.beeps || 0));
  const order = await placeOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 2 }]);
  const card = page.locator(`li.order[data-order="${order.id}"]`);
  await card.waitFor({ timeout: LIVE_MS });
  await card.getByText(`#${order.number}`).waitFor();
  await card.getByText(t.name).first().waitFor();
  await card.getByText('2× Japchae').waitFor();
  assert.equal(Number(await page.evaluate(() => document.body.dataset.beeps)), beeps + 1, 'one chime for the new order');
  // Newest first.
  assert.equal(await page.locator('li.order').first().getAttribute('data-order'), String(order.id));
  await screenshot(page, 'console-orders');

  await diner.page.locator('#orders-btn').click();
  const dinerCard = diner.page.locator(`.order[data-order="${order.id}"]`);
  await dinerCard.getByText('Sent to the kitchen').first().waitFor();
  for (const [button, status, pill] of [['Accept', 'accepted', 'Accepted'], ['Start preparing', 'preparing', 'Preparing'], ['Mark ready', 'ready', 'Ready'], ['Mark served', 'served', 'Served']]) {
    await card.getByRole('button', { name: button }).click();
    await page.locator(`li.order[data-order="${order.id}"][data-status="${status}"]`).waitFor({ timeout: 3000 });
    await dinerCard.locator('.status-pill', { hasText: pill }).waitFor({ timeout: 3000 });
  }
  assert.equal((await admin('GET', `/orders/${order.id}`)).status, 'served');

  // Filters: by status and by table.
  await page.getByLabel('Status').selectOption('placed');
  await card.waitFor({ state: 'detached' });
  await page.getByLabel('Status').selectOption('served');
  await card.waitFor();
  await page.getByLabel('Table').selectOption({ label: t.name });
  assert.equal(await page.locator('li.order').count(), 1);
  await page.getByLabel('Status').selectOption('all');
  await page.getByLabel('Table').selectOption('all');

  // Cancelling asks first; "keep it" keeps it.
  const second = await placeOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 1 }]);
  const secondCard = page.locator(`li.order[data-order="${second.id}"]`);
  await secondCard.waitFor({ timeout: LIVE_MS });
  await secondCard.getByRole('button', { name: 'Cancel order' }).click();
  const dialog = page.getByRole('dialog', { name: `Cancel order #${second.number} of ${t.name}?` });
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await admin('GET', `/orders/${second.id}`)).status, 'placed');
  await secondCard.getByRole('button', { name: 'Cancel order' }).click();
  await dialog.getByRole('button', { name: 'Cancel order' }).click();
  await page.locator(`li.order[data-order="${second.id}"][data-status="cancelled"]`).waitFor();

  // Muting is remembered.
  await page.getByRole('button', { name: 'Sound on' }).click();
  await page.reload();
  await page.getByRole('button', { name: 'Sound off' }).waitFor();
  await page.getByRole('button', { name: 'Sound off' }).click();

  // The tablet layout, and Korean.
  await page.setViewportSize({ width: 768, height: 1024 });
  await screenshot(page, 'console-orders-768');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: /한국어/ }).click();
  await page.getByRole('heading', { level: 1, name: '오늘의 주문' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: '오늘의 주문' }).waitFor();
  await page.getByRole('button', { name: /English/ }).click();
  await page.getByRole('heading', { level: 1, name: "Today's orders" }).waitFor();
  assert.deepEqual(page.errors, []);
  await diner.context.close();
  await context.close();
});

test('the owner makes a category and a dish with photo, options and stock in both languages; diners see it and its sell-out live', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Menu' }).click();
  await page.getByRole('heading', { level: 1, name: 'Menu' }).waitFor();
  const cats = page.locator('.cats-panel');
  await cats.locator('summary', { hasText: 'New category' }).click();
  const catForm = cats.locator('.new-cat form');
  await catForm.getByLabel('Name (English)').fill('Console specials');
  await catForm.getByLabel('Name (Korean)').fill('콘솔 특선');
  await catForm.getByRole('button', { name: 'New category' }).click();
  await cats.locator('.cat-pick', { hasText: 'Console specials' }).waitFor();
  const panel = page.locator('.items-panel');
  await panel.getByRole('heading', { name: 'Console specials' }).waitFor();
  await panel.getByText('No items in this category yet').waitFor();

  await panel.getByRole('button', { name: 'New item' }).click();
  const form = panel.locator('form.item-form');
  await form.getByLabel('Name (English)').fill('Console noodles');
  await form.getByLabel('Name (Korean)').fill('콘솔 국수');
  await form.getByLabel('Description (English)').fill('Cold buckwheat noodles');
  await form.getByLabel('Description (Korean)').fill('시원한 메밀국수');
  await form.getByLabel('Price (KRW)').fill('9,500');
  await form.getByLabel('Buckwheat').check();
  await form.getByLabel('Other allergens').fill('radish');
  await form.getByLabel('Stock left').fill('3');
  await form.getByRole('button', { name: 'Add option group' }).click();
  const group = form.locator('.group').first();
  await group.getByLabel('Group (English)').fill('Size');
  await group.getByLabel('Group (Korean)').fill('크기');
  await group.getByLabel('Min').fill('1');
  await group.getByLabel('Max').fill('1');
  const first = group.locator('.option').nth(0);
  await first.getByLabel('Option (English)').fill('Regular');
  await first.getByLabel('Option (Korean)').fill('보통');
  await group.getByRole('button', { name: 'Add option' }).click();
  const second = group.locator('.option').nth(1);
  await second.getByLabel('Option (English)').fill('Large');
  await second.getByLabel('Option (Korean)').fill('곱빼기');
  await second.getByLabel('Extra price').fill('2000');
  await form.locator('input[type=file]').setInputFiles({ name: 'noodles.png', mimeType: 'image/png', buffer: png() });
  await form.locator('img.photo-preview[src^="blob:"]').waitFor();
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, 'console-item-form');
  await form.getByRole('button', { name: 'Save' }).click();

  const row = panel.locator('.item-row', { hasText: 'Console noodles' });
  await row.waitFor();
  await row.getByText('3 left').waitFor();
  await row.locator('img.thumb[src^="/media/"]').waitFor();
  await screenshot(page, 'console-menu');
  const made = await item('Console noodles');
  assert.deepEqual(made.name, { en: 'Console noodles', ko: '콘솔 국수' });
  assert.deepEqual(made.description, { en: 'Cold buckwheat noodles', ko: '시원한 메밀국수' });
  assert.equal(made.price.amount_minor, 9500);
  assert.equal(made.stock, 3);
  assert.deepEqual(made.allergens.sort(), ['buckwheat', 'radish']);
  assert.equal(made.option_groups.length, 1);
  assert.deepEqual(made.option_groups[0].options.map((o) => [o.name.en, o.name.ko, o.price_delta_minor]), [['Regular', '보통', 0], ['Large', '곱빼기', 2000]]);
  assert.match(made.image_url, /^\/media\//);

  const t = await newTable('Console 2');
  const en = await phone(browser);
  const ko = await phone(browser, { locale: 'ko-KR' });
  for (const p of [en, ko]) await p.page.goto(t.url);
  const card = en.page.locator('article', { hasText: 'Console noodles' });
  await card.waitFor();
  await ko.page.locator('article', { hasText: '콘솔 국수' }).waitFor();
  await card.getByText('3 left').waitFor();
  const photo = card.locator('img');
  await photo.scrollIntoViewIfNeeded();
  await en.page.waitForFunction((img) => img.complete && img.naturalWidth === 48, await photo.elementHandle());
  await en.page.waitForFunction(() => document.body.dataset.live === 'true');

  await row.getByRole('button', { name: 'Sold out now: Console noodles' }).click();
  await card.getByText('Sold out').waitFor({ timeout: LIVE_MS });
  await row.getByRole('button', { name: 'Back on sale: Console noodles' }).waitFor();
  assert.equal((await item('Console noodles')).available, false);
  assert.deepEqual(page.errors, []);
  await en.context.close();
  await ko.context.close();
  await context.close();
});

test('two owners edit one item: the second save is told it changed, offered a reload, and loses nothing', async () => {
  const cat = (await admin('GET', '/categories'))[0];
  const made = await admin('POST', '/menu-items', { category_id: cat.id, name: { en: 'Twice edited', ko: '두 번 수정' }, price_minor: 5000 });
  const a = await signedIn();
  const b = await signedIn();
  const open = async (page) => {
    await page.getByRole('link', { name: 'Menu' }).click();
    await page.locator('.cats-panel .cat-pick', { hasText: cat.name.en }).click();
    await page.getByRole('button', { name: 'Edit: Twice edited' }).click();
    return page.locator('form.item-form');
  };
  const formA = await open(a.page);
  const formB = await open(b.page);
  await formA.getByLabel('Price (KRW)').fill('6000');
  await formA.getByRole('button', { name: 'Save' }).click();
  await a.page.locator('.item-row', { hasText: 'Twice edited' }).getByText('₩6,000').waitFor();

  await formB.getByLabel('Name (English)').fill('Edited by B');
  await formB.getByRole('button', { name: 'Save' }).click();
  const stale = formB.locator('[data-role=stale]');
  await stale.getByText('Someone else saved this item').waitFor();
  // Nothing was overwritten, nothing typed is lost.
  let now = await admin('GET', `/menu-items/${made.id}`);
  assert.equal(now.price.amount_minor, 6000);
  assert.equal(now.name.en, 'Twice edited');
  assert.equal(await formB.getByLabel('Name (English)').inputValue(), 'Edited by B');
  await screenshot(b.page, 'console-stale');

  await stale.getByRole('button', { name: 'Reload the item' }).click();
  const reloaded = b.page.locator('form.item-form');
  await reloaded.locator('[data-role=my-edits]').getByText('en: Edited by B').waitFor();
  assert.equal(await reloaded.getByLabel('Price (KRW)').inputValue(), '6000');
  assert.equal(await reloaded.getByLabel('Name (English)').inputValue(), 'Twice edited');
  // Applied again on the fresh version, it saves.
  await reloaded.getByLabel('Name (English)').fill('Edited by B');
  await reloaded.getByRole('button', { name: 'Save' }).click();
  await b.page.locator('.item-row', { hasText: 'Edited by B' }).waitFor();
  now = await admin('GET', `/menu-items/${made.id}`);
  assert.deepEqual([now.name.en, now.price.amount_minor], ['Edited by B', 6000]);
  assert.deepEqual(a.page.errors, []);
  assert.deepEqual(b.page.errors, []);
  await a.context.close();
  await b.context.close();
});

test('a session ended under an open form asks to sign in again and keeps what was typed', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Tables' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tables' }).waitFor();
  await page.getByLabel('Table name').fill('Kept table');
  // The session is ended elsewhere: the live feed is closed at once (1008)
  // and the console asks to sign in, over the form.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('qrorder-console:session')).token);
  const out = await fetch(`${BASE}/api/v1/admin/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(out.status, 204);
  const login = page.locator('#login');
  await login.getByText('Your session ended').waitFor();
  assert.equal(await page.getByLabel('Table name').inputValue(), 'Kept table', 'what was typed is kept');
  // A wrong password is said in words.
  await login.getByLabel('Password').fill('not the password');
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.getByText('Wrong email or password').waitFor();
  await login.getByLabel('Password').fill(SEED.owner.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'New table' }).click();
  await page.locator('.tables', { hasText: 'Kept table' }).waitFor();
  assert.ok((await admin('GET', '/tables')).some((t) => t.name === 'Kept table'));
  await screenshot(page, 'console-tables');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the owner makes table “창가 3” and downloads the sheet: the PDF prints its name and each code opens its table', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Tables' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tables' }).waitFor();
  await page.getByLabel('Table name').fill('창가 3');
  await page.getByRole('button', { name: 'New table' }).click();
  await page.locator('.tables', { hasText: '창가 3' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Printable sheet (PDF)' }).click(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'qrorder-sheet-'));
  const pdf = join(dir, 'tables.pdf');
  await download.saveAs(pdf);
  const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  assert.ok(text.includes('창가 3'), text);
  // Each of the six cells of each A4 page (below the 60 pt title) on its
  // own, as a reader scans one code: 150 dpi makes a page 1240 × 1754 px.
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))[1]);
  const [pageW, pageH, top] = [1240, 1754, 125];
  const [cellW, cellH] = [pageW / 2, (pageH - top) / 3];
  const found = [];
  for (let p = 1; p <= pages; p += 1) {
    for (let cell = 0; cell < 6; cell += 1) {
      const crop = [Math.round((cell % 2) * cellW), Math.round(top + Math.floor(cell / 2) * cellH), Math.round(cellW), Math.round(cellH)];
      const out = join(dir, `p${p}c${cell}`);
      execFileSync('pdftoppm', ['-r', '150', '-gray', '-png', '-singlefile', '-f', `${p}`, '-l', `${p}`,
        '-x', `${crop[0]}`, '-y', `${crop[1]}`, '-W', `${crop[2]}`, '-H', `${crop[3]}`, pdf, out]);
      try {
        const text = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', `${out}.png`], { encoding: 'utf8' });
        found.push(...text.split('\n').filter(Boolean));
      } catch (e) {
        if (e.status !== 4) throw e; // 4: no code in this cell (the last page's empty cells)
      }
    }
  }
  const expected = (await admin('GET', '/tables')).filter((t) => t.active).map((t) => t.url);
  assert.deepEqual([...found].sort(), [...expected].sort(), 'every active table once, each code its own URL');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a call met by an ended session is sent again once signed in', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Tables' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tables' }).waitFor();
  await page.getByLabel('Table name').fill('Retried table');
  // The next POST /tables meets an expired session (the server's own 401 body).
  await page.route('**/api/v1/admin/tables', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    await route.fulfill({ status: 401, contentType: 'application/json',
      body: JSON.stringify({ code: 'unauthorized', message: 'the token is unknown, expired or revoked; log in again' }) });
  }, { times: 1 });
  await page.getByRole('button', { name: 'New table' }).click();
  const login = page.locator('#login');
  await login.getByText('Your session ended').waitFor();
  await login.getByLabel('Password').fill(SEED.owner.password);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitFor({ state: 'hidden' });
  await page.locator('.tables', { hasText: 'Retried table' }).waitFor();
  const made = (await admin('GET', '/tables')).filter((t) => t.name === 'Retried table');
  assert.equal(made.length, 1, 'created once, by the call sent again');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('staff see orders, menu availability and tables, and cannot edit the menu', async () => {
  const email = `staff-${Date.now()}@console.test`;
  await admin('POST', '/users', { email, password: 'staff password 1', name: 'Sam', role: 'staff' });
  const { context, page } = await signedIn({ account: { email, password: 'staff password 1' } });
  const nav = page.getByRole('navigation', { name: 'Console pages' });
  assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Orders', 'Table map', 'Menu', 'Tables']);
  await nav.getByRole('link', { name: 'Menu' }).click();
  await page.getByText('Staff can mark dishes sold out').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'New item' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Edit:/ }).count(), 0);
  await page.getByRole('button', { name: /^Sold out now:/ }).first().waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an open order no kitchen display confirmed is flagged after 30 s, and the flag goes when a display confirms it', async () => {
  // The page's clock is under the test's hand: 30 s pass at once.
  const { context, page } = await signedIn({ prepare: (p) => p.clock.install() });
  const t = await newTable('Kitchen check');
  const japchae = await item('Japchae');
  const order = await placeOrder(t, [{ menu_item_id: japchae.id, menu_version: japchae.version, qty: 1 }]);
  const card = page.locator(`li.order[data-order="${order.id}"]`);
  await card.waitFor({ timeout: LIVE_MS });
  const flag = card.locator('[data-role="kitchen-waiting"]');
  assert.equal(await flag.count(), 0, 'not flagged while it may still be printing');
  await page.clock.fastForward(31_000);
  await flag.getByText('Not printed in the kitchen yet').waitFor({ timeout: 3000 });
  await screenshot(page, 'console-kitchen-waiting');

  // A kitchen display reports the print: the flag goes, live.
  const device = await admin('POST', '/devices', { name: `Pass ${Date.now()}`, station: 'kitchen' });
  const res = await fetch(`${BASE}/api/v1/admin/orders/kitchen-confirmations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${device.token}` },
    body: JSON.stringify({ order_ids: [order.id] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await flag.waitFor({ state: 'detached', timeout: 3000 });
  assert.ok((await admin('GET', `/orders/${order.id}`)).kitchen_confirmed_at);
  await admin('POST', `/devices/${device.id}/revoke`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
