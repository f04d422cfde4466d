// The response cache (src/api/app.c): an answer kept for a read-only route is served again
// only while nothing changed the store. Every kind of write must change the next answer: a
// sale at the till (another process), a checkout through the API (this process), a raw
// write to a table no generation counter watches (an emotion event), a mined rule set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib.mjs';
import { SHOPPER } from './lib.mjs';

let srv, mgr, mirror;

function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, q], { encoding: 'utf8' }).trim();
}

before(async () => {
  srv = await startServer();
  mgr = await srv.login();
  mirror = srv.mirror();
});
after(async () => { await srv.stop(); });

// a product and size with at least two items in stock, as the mirror sees it
async function inStock() {
  const r = await mirror.get('/api/v1/products?limit=200');
  assert.equal(r.status, 200, r.text);
  for (const p of r.json.products)
    for (const [size, n] of Object.entries(p.stock_by_size))
      if (n >= 2) return { id: p.id, size, n };
  throw new Error('nothing in stock');
}

test('the same question twice gets the same answer (and HEAD its headers)', async () => {
  const a = await mgr.get('/api/v1/kpi?from=2020-01-01');
  const b = await mgr.get('/api/v1/kpi?from=2020-01-01');
  assert.equal(a.status, 200);
  assert.equal(b.text, a.text);
  assert.equal(b.headers.get('content-type'), 'application/json');
  assert.equal(b.headers.get('cache-control'), 'no-store');
  const h = await mgr.req('HEAD', '/api/v1/kpi?from=2020-01-01');
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  // another query is another answer, not the cached one
  const c = await mgr.get('/api/v1/kpi?from=2020-01-01&top=1');
  assert.notEqual(c.text, a.text);
});

test('stock stays live: a sale at the till (another process) changes the next catalogue answer', async () => {
  const { id, size, n } = await inStock();
  const before1 = await mirror.get(`/api/v1/products/${id}`);
  const before2 = await mirror.get(`/api/v1/products/${id}`); // served from the cache
  assert.equal(before2.text, before1.text);
  assert.equal(before1.json.stock_by_size[size], n);
  const kpi0 = await mgr.get('/api/v1/kpi');
  const customer = sql(srv.db, 'SELECT min(id) FROM customers');
  execFileSync(SHOPPER, ['buy', '--db', srv.db, '--customer', customer, '--product', String(id), '--size', size], { stdio: 'pipe' });
  const after = await mirror.get(`/api/v1/products/${id}`);
  assert.equal(after.json.stock_by_size[size], n - 1);
  const page = await mirror.get('/api/v1/products?limit=200');
  assert.equal(page.json.products.find((p) => p.id === id).stock_by_size[size], n - 1);
  const kpi1 = await mgr.get('/api/v1/kpi');
  assert.equal(kpi1.json.items_sold, kpi0.json.items_sold + 1, 'the sale is counted at once');
});

test('a checkout through the API changes the next catalogue and KPI answers', async () => {
  const email = 'cache.shopper@example.com';
  const r = await mirror.post('/api/v1/customers', { name: 'Cache Shopper', email, gender: 'female', size: 'M', biometric_consent: false, pin: '4321' });
  assert.equal(r.status, 201, r.text);
  assert.equal((await mirror.post('/api/v1/mirror/login', { email, pin: '4321' })).status, 200);
  const { id, size, n } = await inStock();
  const kpi0 = await mgr.get('/api/v1/kpi');
  await mgr.get('/api/v1/kpi'); // cached now
  assert.equal((await mirror.post('/api/v1/cart/items', { product_id: id, size })).status, 201);
  const buy = await mirror.post('/api/v1/cart/checkout');
  assert.equal(buy.status, 200, buy.text);
  const after = await mirror.get(`/api/v1/products/${id}`);
  assert.equal(after.json.stock_by_size[size], n - 1);
  const kpi1 = await mgr.get('/api/v1/kpi');
  assert.equal(kpi1.json.items_sold, kpi0.json.items_sold + 1);
  assert.equal((await mirror.post('/api/v1/mirror/logout')).status, 200);
});

test('a raw write to any table (an emotion event by another process) changes the next answer', async () => {
  const e0 = await mgr.get('/api/v1/emotions');
  assert.equal((await mgr.get('/api/v1/emotions')).text, e0.text);
  sql(srv.db, `INSERT INTO emotion_events(session_id, customer_id, at, grp, dominant, score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised)
    SELECT session_id, customer_id, at + 1, grp, dominant, score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised FROM emotion_events ORDER BY id LIMIT 1`);
  const e1 = await mgr.get('/api/v1/emotions');
  assert.equal(e1.json.events, e0.json.events + 1);
});

test('rules mined through the API replace the cached rule list', async () => {
  const r0 = await mgr.get('/api/v1/rules');
  assert.equal(r0.status, 200, r0.text);
  const mined = await mgr.post('/api/v1/rules/mine', { min_support: 0.02, min_confidence: 0.1 });
  assert.equal(mined.status, 200, mined.text);
  const r1 = await mgr.get('/api/v1/rules');
  assert.notEqual(r1.text, r0.text);
});

// answers of cacheable routes computed so far (the response cache's misses)
async function computed() {
  const r = await srv.anon().get('/metrics');
  assert.equal(r.status, 200);
  return Number(r.text.match(/^shopper_response_cache_computed_total (\d+)$/m)[1]);
}

test('a dashboard login, a session renewal, a mirror visit and a cart reservation keep /kpi cached', async () => {
  const email = 'kinds.shopper@example.com';
  assert.equal((await mirror.post('/api/v1/customers', { name: 'Kinds Shopper', email, gender: 'male', size: 'L', biometric_consent: false, pin: '8642' })).status, 201);
  assert.equal((await mirror.post('/api/v1/mirror/login', { email, pin: '8642' })).status, 200);
  const { id, size } = await inStock();
  const k0 = await mgr.get('/api/v1/kpi?top=10');
  assert.equal(k0.status, 200);
  const n0 = await computed();
  assert.equal((await mgr.get('/api/v1/kpi?top=10')).text, k0.text);
  assert.equal(await computed(), n0, 'the second /kpi is a hit');
  // writes that no dashboard reads: a new login, a session renewed (its sliding expiry is
  // written again once its last use is a minute old), a mirror seen, an item reserved
  const mgr2 = await srv.login();
  sql(srv.db, 'UPDATE auth_sessions SET last_seen_at = last_seen_at - 120; UPDATE devices SET last_seen_at = last_seen_at - 120');
  const before = sql(srv.db, 'SELECT max(last_seen_at) FROM auth_sessions');
  assert.equal((await mgr2.get('/api/v1/kpi?top=10')).text, k0.text);
  assert.notEqual(sql(srv.db, 'SELECT max(last_seen_at) FROM auth_sessions'), before, 'the session was renewed');
  const reserved = Number(sql(srv.db, 'SELECT count(*) FROM cart_items'));
  assert.equal((await mirror.post('/api/v1/cart/items', { product_id: id, size })).status, 201);
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM cart_items')), reserved + 1);
  assert.equal((await mgr.get('/api/v1/kpi?top=10')).text, k0.text);
  assert.equal(await computed(), n0, 'no /kpi was computed again');
  // a sale by another process is a write of a kind /kpi reads: computed again, counted
  const customer = sql(srv.db, 'SELECT min(id) FROM customers');
  execFileSync(SHOPPER, ['buy', '--db', srv.db, '--customer', customer, '--product', String(id), '--size', size], { stdio: 'pipe' });
  const k1 = await mgr.get('/api/v1/kpi?top=10');
  assert.equal(k1.json.items_sold, k0.json.items_sold + 1);
  assert.equal(await computed(), n0 + 1);
  assert.equal((await mirror.post('/api/v1/mirror/logout')).status, 200);
});

test('an emotion event (another process) changes /emotions but keeps /sales/daily cached', async () => {
  const d0 = await mgr.get('/api/v1/sales/daily');
  const e0 = await mgr.get('/api/v1/emotions');
  const n0 = await computed();
  sql(srv.db, `INSERT INTO emotion_events(session_id, customer_id, at, grp, dominant, score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised)
    SELECT session_id, customer_id, at + 2, grp, dominant, score, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised FROM emotion_events ORDER BY id LIMIT 1`);
  const e1 = await mgr.get('/api/v1/emotions');
  assert.equal(e1.json.events, e0.json.events + 1);
  assert.equal(await computed(), n0 + 1);
  assert.equal((await mgr.get('/api/v1/sales/daily')).text, d0.text);
  assert.equal(await computed(), n0 + 1, '/sales/daily was not computed again');
});
