// Service requests from the diner's page in Debian's Chromium, against a
// real server: a diner taps "Call staff", the staff feed (/ws/staff, as the
// console opens it) hears it within a second, staff acknowledge through the
// admin API and the page says staff is on the way; a second tap while the
// request is open makes no second request. Only the kinds the restaurant
// switched on are offered, in English and Korean.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BASE, SEED, admin, eventually, launch, newTable, phone, screenshot } from './harness.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LIVE_MS = 1000;

async function ownerToken() {
  const res = await fetch(`${BASE}/api/v1/admin/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED.owner),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).token;
}

/**
 * A WebSocket from node (Node 20 has no WebSocket of its own): the HTTP
 * upgrade, then the server's frames (never masked) as JSON messages in
 * `messages`, each with the time it came (`at`). Reads only: the server's
 * pings go unanswered, which the test is too short to matter.
 */
function feed(path) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, BASE);
    const req = request({
      host: url.hostname, port: url.port, path: url.pathname + url.search,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
    });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (res, socket, head) => {
      const f = { messages: [], socket, close: () => socket.destroy() };
      let buf = head;
      let text = '';
      const read = (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          const fin = buf[0] & 0x80;
          const opcode = buf[0] & 0x0f;
          let len = buf[1] & 0x7f;
          let at = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); at = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); at = 10; }
          if (buf.length < at + len) return;
          const payload = buf.subarray(at, at + len);
          buf = buf.subarray(at + len);
          if (opcode === 0x1 || opcode === 0x0) {
            text += payload.toString('utf8');
            if (fin) {
              f.messages.push({ ...JSON.parse(text), at: Date.now() });
              text = '';
            }
          }
        }
      };
      socket.on('data', read);
      // The first frames may have come with the upgrade's answer.
      read(Buffer.alloc(0));
      resolve(f);
    });
    req.end();
  });
}

async function open(t, options) {
  const p = await phone(browser, options);
  await p.page.goto(t.url);
  await p.page.getByRole('heading', { level: 1, name: t.name }).waitFor();
  await p.page.waitForFunction(() => document.body.dataset.live === 'true');
  return p;
}

const heard = (f, kind, state) => f.messages.filter((m) => m.type === 'service_request' && m.request.kind === kind && m.request.state === state);

test('a diner calls staff: the staff feed hears it within a second, staff acknowledge, the page says they are coming, a second tap asks nothing new', async () => {
  const t = await newTable('Service 1');
  const staff = await feed(`/ws/staff?token=${encodeURIComponent(await ownerToken())}`);
  try {
    await eventually('the staff feed subscribed', () => staff.messages[0]?.type === 'resync');
    const { context, page } = await open(t);

    await page.getByRole('button', { name: 'Service' }).click();
    const sheet = page.getByRole('dialog', { name: 'Ask the staff' });
    for (const name of ['Call staff', 'Water', 'Bill']) await sheet.getByRole('button', { name }).waitFor();
    const call = sheet.locator('.service[data-kind="call_staff"]');

    const tapped = Date.now();
    await sheet.getByRole('button', { name: 'Call staff' }).click();
    const [first] = await eventually('the staff feed hears the call', () => heard(staff, 'call_staff', 'open').length && heard(staff, 'call_staff', 'open'), LIVE_MS);
    assert.ok(first.at - tapped < LIVE_MS, `heard ${first.at - tapped} ms after the tap`);
    assert.equal(first.request.table_id, t.id);
    assert.equal(first.request.table_name, 'Service 1');
    await call.getByText('Asked — staff will come shortly').waitFor();
    assert.equal(await page.getByText('already asked').count(), 0, 'a first tap is not a repeat');
    // The header counts what is open.
    await page.getByRole('button', { name: 'Service, 1 request open' }).waitFor();

    // Tapped again while open: the server answers the same request.
    await sheet.getByRole('button', { name: 'Call staff' }).click();
    await page.getByText('Call staff: already asked — staff will come.').waitFor();
    assert.equal(await page.getByText('already asked').count(), 1);
    const pending = await admin('GET', `/service-requests?table_id=${t.id}`);
    assert.deepEqual(pending.map((r) => [r.id, r.kind, r.state]), [[first.request.id, 'call_staff', 'open']], 'one request');
    assert.deepEqual([...new Set(staff.messages.filter((m) => m.type === 'service_request').map((m) => m.request.id))], [first.request.id]);

    // Staff acknowledge: the page says they are coming (and so does a toast).
    await admin('POST', `/service-requests/${first.request.id}/ack`);
    await call.getByText('Staff is on the way').waitFor({ timeout: LIVE_MS });
    await page.getByText('Call staff: staff is on the way.').waitFor();
    assert.equal(heard(staff, 'call_staff', 'acked').length, 1);
    await screenshot(page, 'diner-service');

    await admin('POST', `/service-requests/${first.request.id}/done`);
    await call.getByText('Done').waitFor({ timeout: LIVE_MS });
    await page.getByRole('button', { name: 'Service', exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
    await screenshot(page, 'diner-service-header');
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    staff.close();
  }
});

test('only the kinds the restaurant switched on are offered, in Korean too, and none hides the button', async () => {
  const t = await newTable('Service 2');
  await admin('PATCH', '/restaurant', { service_kinds: ['water', 'bill'] });
  try {
    const { context, page } = await open(t, { locale: 'ko-KR' });
    await page.getByRole('button', { name: '요청' }).click();
    const sheet = page.getByRole('dialog', { name: '직원에게 요청' });
    await sheet.getByRole('button', { name: '물' }).waitFor();
    await sheet.getByRole('button', { name: '계산서' }).waitFor();
    assert.equal(await sheet.getByRole('button', { name: '직원 호출' }).count(), 0);
    await sheet.getByRole('button', { name: '계산서' }).click();
    await sheet.locator('.service[data-kind="bill"]').getByText('요청했어요 — 곧 직원이 와요').waitFor();
    assert.deepEqual(page.errors, []);
    await context.close();

    await admin('PATCH', '/restaurant', { service_kinds: [] });
    const again = await open(t);
    assert.equal(await again.page.locator('#service-btn').isHidden(), true);
    await again.context.close();
  } finally {
    await admin('PATCH', '/restaurant', { service_kinds: ['call_staff', 'water', 'bill'] });
  }
});
