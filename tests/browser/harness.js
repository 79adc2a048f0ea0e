// What the browser tests share: the server run.sh started (its address, the
// demo seed, the Redis it uses), Debian's Chromium, the admin API as the
// owner, the kitchen stream, and screenshots.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests with tests/browser/run.sh`);
  return v;
}

export const BASE = required('QRORDER_TEST_BASE_URL');
export const SEED = JSON.parse(readFileSync(required('QRORDER_TEST_SEED'), 'utf8'));
const REDIS_URL = required('QRORDER_TEST_REDIS_URL');
export const SHOTS = process.env.QRORDER_TEST_SCREENSHOTS || '/tmp/qrorder-screenshots';

/** Each test gets a table of its own, so carts never meet. */
export function table(i) {
  const t = SEED.tables[i];
  return { ...t, url: `${BASE}/t/${t.token}` };
}

/**
 * Debian's Chromium (never a downloaded browser). playwright-core starts it
 * with a fresh temporary profile (user-data-dir) of its own every time.
 */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A phone: 390×844 unless told otherwise, English unless told otherwise. */
export async function phone(browser, { locale = 'en-US', width = 390, height = 844, geolocation, permissions = [] } = {}) {
  const context = await browser.newContext({
    viewport: { width, height }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale, geolocation, permissions,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => { if (m.type() === 'error' && !/WebSocket|ws\/tables|status of 40[349]/.test(m.text())) errors.push(new Error(m.text())); });
  page.errors = errors;
  return { context, page };
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

// ---- The admin API, as the demo's owner

let ownerToken = null;
/**
 * The owner's session, shared by the test files (each runs in a process of
 * its own) through a file beside the seed: the login rate limit counts
 * every attempt per account, and the console's tests sign the owner in too.
 */
const TOKEN_FILE = `${required('QRORDER_TEST_SEED')}.owner-token`;

async function ownerLogin() {
  const res = await fetch(`${BASE}/api/v1/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SEED.owner),
  });
  if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
  const token = (await res.json()).token;
  writeFileSync(TOKEN_FILE, token);
  return token;
}

/** `headers` adds request headers (e.g. an `Idempotency-Key`). */
export async function admin(method, path, body, headers = {}) {
  for (let attempt = 0; ; attempt++) {
    if (!ownerToken) {
      try {
        ownerToken = readFileSync(TOKEN_FILE, 'utf8').trim() || null;
      } catch { /* the first test file to ask */ }
      ownerToken ||= await ownerLogin();
    }
    const res = await fetch(`${BASE}/api/v1/admin${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && attempt === 0) {
      // The shared session ended: sign in again, once.
      ownerToken = await ownerLogin();
      continue;
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

/** A new table of the demo restaurant (an empty cart of its own). */
export async function newTable(name) {
  const t = await admin('POST', '/tables', { name });
  return { ...t, url: `${BASE}/t/${t.token}` };
}

export async function menuItem(nameEn) {
  const items = await admin('GET', '/menu-items');
  const item = items.find((i) => i.name.en === nameEn);
  if (!item) throw new Error(`no menu item ${nameEn}`);
  return item;
}

/** The order ids on the restaurant's kitchen stream. */
export function kitchenStreamOrderIds() {
  const key = SEED.kitchen_stream;
  const out = execFileSync('redis-cli', ['-u', REDIS_URL, '--raw', 'XRANGE', key, '-', '+'], { encoding: 'utf8' });
  const lines = out.split('\n');
  const ids = [];
  for (let i = 0; i < lines.length - 1; i++) if (lines[i] === 'order_id') ids.push(Number(lines[i + 1]));
  return ids;
}

// ---- The console (/admin)

/** A desktop (1280×800 unless told) with the console open and signed in as `account` (the owner unless told). */
export async function consoleSignedIn(browser, { width = 1280, height = 800, account = SEED.owner, shot, permissions = [], prepare } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'en-US', permissions });
  const page = await context.newPage();
  // E.g. a route of the page's WebSocket, which must be set before it opens.
  if (prepare) await prepare(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // Refusals the page puts into words are logged by the browser too.
  page.on('console', (m) => { if (m.type() === 'error' && !/WebSocket|status of (40[139]|422)/.test(m.text())) errors.push(new Error(m.text())); });
  page.errors = errors;
  await page.goto(`${BASE}/admin`);
  const login = page.locator('#login');
  await login.getByLabel('Email').fill(account.email);
  await login.getByLabel('Password').fill(account.password);
  if (shot) await screenshot(page, shot);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: "Today's orders" }).waitFor();
  await consoleLive(page);
  return { context, page };
}

/** The staff socket is open and today's orders are loaded. */
export const consoleLive = (page) => page.waitForFunction(() => document.body.dataset.conn === 'open' && !document.querySelector('#main .skeleton'));

/** The response to a diner's order through the client API (as the diner page places it), not checked. */
export async function postOrder(t, lines, visitId) {
  const visit = visitId ?? (await (await fetch(`${BASE}/api/v1/tables/${t.token}`)).json()).visit_id;
  return fetch(`${BASE}/api/v1/tables/${t.token}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `test-${Date.now()}-${Math.random()}` },
    body: JSON.stringify({ visit_id: visit, items: lines }),
  });
}

/** Waits for `check()` to be truthy, polling; fails with `what` after `ms`. */
export async function eventually(what, check, ms = 5000) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
