// Both apps in Debian's Firefox ESR (the issue asks for current Chromium and Firefox): the
// same pages, driven over WebDriver BiDi by puppeteer-core (playwright-core drives only its
// own patched Firefox). Firefox's fake camera is a test pattern, not a face: this checks that
// the mirror's notice comes first, that frames flow once it is accepted, that the shop
// renders, and that the dashboard logs in and shows the API's KPIs. The face pipeline end to
// end is mirror.test.mjs's (chromium). Screenshots: tests/browser/artifacts/firefox-*.png.
// Skipped (and counted so) without /usr/bin/firefox-esr.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ADMIN_PASSWORD } from '../http/lib.mjs';
import { haveModels } from '../http/frames.mjs';
import { ARTIFACTS } from './lib.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const skip = existsSync(FIREFOX) ? false : `no ${FIREFOX}`;

describe('in Firefox', { skip }, () => {
  let srv, browser, errors = [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function newPage() {
    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // a logged-out /auth/me is a 401 by design; anything else is a fault of the page
      if (m.type() === 'error' && !/401/.test(m.text())) errors.push(m.text());
    });
    return page;
  }
  async function shot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `firefox-${name}.png`) });
  }

  before(async () => {
    const { default: puppeteer } = await import('puppeteer-core');
    srv = await startServer({ faces: haveModels });
    browser = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX, headless: true,
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true, // a generated camera
        'media.navigator.permission.disabled': true,
      },
    });
  });
  after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
  });

  test('the mirror: the notice before any frame, then frames and the shop', async () => {
    const page = await newPage();
    let frames = 0;
    page.on('request', (r) => { if (r.url().includes('/api/v1/mirror/frame')) frames++; });
    await page.goto(`${srv.base}/mirror/#pair=${srv.mirrorToken}`);
    await page.waitForSelector('#sheet-title', { visible: true, timeout: 15000 });
    assert.equal(await page.$eval('#sheet-title', (e) => e.textContent), 'Before we start: the camera');
    assert.doesNotMatch(page.url(), /pair=/, 'the token is dropped from the address bar');
    await sleep(1500);
    assert.equal(frames, 0, 'a frame was sent before the notice was accepted');
    await shot(page, 'mirror-notice');
    await page.evaluate(() => [...document.querySelectorAll('button')]
      .find((b) => /start the mirror/.test(b.textContent)).click());
    const t0 = Date.now();
    while (frames < 2 && Date.now() - t0 < 15000) await sleep(100);
    assert.ok(frames >= 2, `frames flow after the notice (${frames})`);
    // the catalogue as the API has it: the cards on Home are products of the store
    const names = await page.$$eval('.card h3, .card .name', (hs) => hs.map((h) => h.textContent.trim()));
    const api = await srv.mirror().get('/api/v1/products?limit=200');
    const known = new Set(api.json.products.map((p) => p.name));
    assert.ok(names.length > 0 && names.every((n) => known.has(n)), `cards: ${names.slice(0, 3)}`);
    await shot(page, 'mirror-live');
    await page.close();
  });

  test('the dashboard: log in, the KPI cards are the API\'s', async () => {
    const page = await newPage();
    await page.goto(`${srv.base}/manager/`);
    await page.waitForSelector('input[type=password]', { visible: true, timeout: 15000 });
    await page.type('input[autocomplete=username], input[name=username]', 'admin');
    await page.type('input[type=password]', ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.ready === 'sales', { timeout: 30000 });
    const mgr = await srv.login();
    const kpi = (await mgr.get('/api/v1/kpi')).json;
    const text = await page.$eval('main', (e) => e.innerText);
    const items = new Intl.NumberFormat('en-US').format(kpi.items_sold);
    assert.ok(text.includes(items), `items sold ${items} on the page`);
    await sleep(500); // the charts' first animation frame
    await shot(page, 'manager-sales');
    await page.close();
    assert.deepEqual(errors, []);
  });
});
