// The landing page in a real browser: both apps linked, no script errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../http/lib.mjs';
import { openBrowser, shot } from './lib.mjs';

let srv, b;
before(async () => { srv = await startServer(); b = await openBrowser(); });
after(async () => { await b.browser.close(); await srv.stop(); });

test('the landing page links both apps', async () => {
  await b.page.goto(srv.base + '/');
  assert.equal(await b.page.title(), 'SHOPPER');
  const links = await b.page.$$eval('a.app', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['/manager/', '/mirror/']);
  await shot(b.page, 'landing-1366x768');
  assert.deepEqual(b.errors, []);
});
