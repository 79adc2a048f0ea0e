// tests/browser/page-weight.js — run by `scripts/bench pages`, not a test:
// the weight of each page as served (its HTML, scripts and styles, raw and
// gzipped) and the time of a first load in a fresh browser context on
// loopback (navigation start → load event, median of RUNS), against the
// same for a bare document of the same server (`/healthz`) in the same run.
// Environment: QRORDER_TEST_BASE_URL, QRORDER_TEST_SEED, CHROMIUM, RUNS (7).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const BASE = process.env.QRORDER_TEST_BASE_URL;
const SEED = JSON.parse(readFileSync(process.env.QRORDER_TEST_SEED, 'utf8'));
const RUNS = Number(process.env.RUNS || 7);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

/** Every same-origin HTML, script and style a first load fetches, with its bytes. */
async function firstLoad(url, ready) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const bodies = [];
  page.on('response', async (r) => {
    const type = r.request().resourceType();
    if (['document', 'script', 'stylesheet'].includes(type) && r.url().startsWith(BASE)) {
      bodies.push({ url: r.url(), type, body: await r.body().catch(() => Buffer.alloc(0)) });
    }
  });
  await page.goto(url, { waitUntil: 'load' });
  if (ready) await page.locator(ready).first().waitFor();
  const ms = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation');
    return nav.loadEventEnd - nav.startTime;
  });
  await context.close();
  return { ms, bodies };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(name, url, ready) {
  const times = [];
  let bodies = [];
  for (let i = 0; i < RUNS; i += 1) {
    const run = await firstLoad(url, ready);
    times.push(run.ms);
    bodies = run.bodies;
  }
  const sum = (pick) => bodies.filter(pick).reduce((n, b) => n + b.body.length, 0);
  const gz = (pick) => bodies.filter(pick).reduce((n, b) => n + gzipSync(b.body, { level: 9 }).length, 0);
  const code = (b) => b.type !== 'document';
  return { name, files: bodies.length, raw: sum(() => true), jsCssGzip: gz(code), allGzip: gz(() => true), ms: median(times) };
}

const rows = [
  await measure('bare document (/healthz)', `${BASE}/healthz`),
  await measure('diner page (/t/{token})', SEED.tables[0].url, '.card'),
  await measure('console (/admin, sign-in)', `${BASE}/admin`, '#login input'),
];
await browser.close();
const base = rows[0].ms;
console.log(`first load, median of ${RUNS} fresh contexts on loopback; sizes as served (gzip -9 computed here: the server does not compress)`);
console.log('page                          files  raw bytes  JS+CSS gzip  all gzip  load ms  ×bare');
for (const r of rows) {
  console.log(`${r.name.padEnd(30)}${String(r.files).padStart(5)}${String(r.raw).padStart(11)}${String(r.jsCssGzip).padStart(13)}${String(r.allGzip).padStart(10)}${r.ms.toFixed(1).padStart(9)}${(r.ms / base).toFixed(1).padStart(7)}`);
}
