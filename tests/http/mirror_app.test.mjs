// What the Smart Mirror app needs beyond the camera: registering at the mirror logs the new
// customer in there, a logged-in customer can give their biometric consent, and after a
// purchase the customer shops on with a new session and an empty cart. No face engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) assert.equal((await srv.stop()).code, 0, srv.stderr().slice(-3000)); });

const sql = (q) => execFileSync('sqlite3', [srv.db, q], { encoding: 'utf8' }).trim();
const form = (email, extra = {}) => ({ name: 'Mira Mirror', email, gender: 'female', size: 'M',
  biometric_consent: true, consent_version: '2026-01', ...extra });

test('registering at the mirror logs the new customer in there, with the consent recorded', async () => {
  const m = srv.mirror();
  const r = await m.post('/api/v1/mirror/register', form('mira@example.com', { pin: '2468' }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.logged_in, true);
  assert.equal(r.json.customer.name, 'Mira Mirror');
  assert.equal(r.json.biometric_consent, true);
  assert.ok(r.json.session_id > 0);
  const id = r.json.customer.id;
  const st = await m.get('/api/v1/mirror/state');
  assert.equal(st.json.customer.id, id);
  assert.equal(sql(`SELECT consent_version FROM face_consents WHERE customer_id = ${id}`), '2026-01');
  // the cart is theirs at once
  const p = (await m.get('/api/v1/products?size=M&limit=1')).json.products[0];
  assert.equal((await m.post('/api/v1/cart/items', { product_id: p.id, size: 'M' })).status, 201);
  // and the PIN works on the next visit
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
  const pin = await m.post('/api/v1/mirror/login', { email: 'mira@example.com', pin: '2468' });
  assert.equal(pin.status, 200, pin.text);
  assert.equal(pin.json.customer.id, id);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
});

test('registration errors: bad input 400, the same e-mail 409, no token 401, staff 403', async () => {
  const m = srv.mirror();
  for (const bad of [form('not-an-email'), form('x1@example.com', { gender: 'robot' }),
    form('x2@example.com', { size: 'XXXL' }), form('x3@example.com', { consent_version: '' }),
    { name: 'No Mail' }, form('x4@example.com', { biometric_consent: 'yes' })]) {
    const r = await m.post('/api/v1/mirror/register', bad);
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
  }
  assert.equal((await m.get('/api/v1/mirror/state')).json.logged_in, false);
  const dup = await m.post('/api/v1/mirror/register', form('MIRA@example.com'));
  assert.equal(dup.status, 409, dup.text);
  assert.equal((await srv.anon().post('/api/v1/mirror/register', form('y@example.com'))).status, 401);
  const mgr = await srv.login();
  assert.equal((await mgr.post('/api/v1/mirror/register', form('z@example.com'))).status, 403);
  // without consent: registered and logged in, no consent row
  const r = await m.post('/api/v1/mirror/register', form('noface@example.com', { biometric_consent: false, consent_version: undefined }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.biometric_consent, false);
  assert.equal(sql(`SELECT count(*) FROM face_consents WHERE customer_id = ${r.json.customer.id}`), '0');
});

test('consent at the mirror: only for the customer logged in there', async () => {
  const m = srv.mirror();
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
  assert.equal((await m.post('/api/v1/mirror/consent', { consent_version: '2026-01' })).status, 401);
  const r = await m.post('/api/v1/mirror/register', form('later@example.com', { biometric_consent: false, consent_version: undefined }));
  const id = r.json.customer.id;
  assert.equal((await m.post('/api/v1/mirror/consent', {})).status, 400);
  assert.equal((await m.post('/api/v1/mirror/consent', { consent_version: 'x'.repeat(40) })).status, 400);
  const c = await m.post('/api/v1/mirror/consent', { consent_version: '2026-01' });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.customer_id, id);
  assert.equal(sql(`SELECT consent_version FROM face_consents WHERE customer_id = ${id}`), '2026-01');
  const mgr = await srv.login();
  assert.equal((await mgr.post('/api/v1/mirror/consent', { consent_version: '2026-01' })).status, 403);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
});

test('after a purchase the customer shops on: a new session, an empty cart, the purchase kept', async () => {
  const m = srv.mirror();
  const r = await m.post('/api/v1/mirror/register', form('buyer@example.com'));
  const sid = r.json.session_id;
  const p = (await m.get('/api/v1/products?size=S&limit=1')).json.products[0];
  assert.equal((await m.post('/api/v1/cart/items', { product_id: p.id, size: 'S' })).status, 201);
  const b = await m.post('/api/v1/cart/checkout');
  assert.equal(b.status, 200, b.text);
  assert.equal(b.json.status, 'bought');
  assert.ok(b.json.purchase_id > 0);
  const st = await m.get('/api/v1/mirror/state');
  assert.equal(st.json.logged_in, true);
  assert.notEqual(st.json.session_id, sid);
  const cart = await m.get('/api/v1/cart');
  assert.equal(cart.status, 200, cart.text);
  assert.equal(cart.json.lines.length, 0);
  // the old session is closed, with its purchase; the next item goes into the new cart
  assert.equal(sql(`SELECT count(*) FROM purchases WHERE session_id = ${sid}`), '1');
  const again = await m.post('/api/v1/cart/items', { product_id: p.id, size: 'S' });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.status, 'open');
  assert.equal(again.json.lines.length, 1);
  assert.equal((await m.post('/api/v1/cart/checkout')).status, 200);
  assert.equal(sql(`SELECT count(*) FROM purchases WHERE session_id = ${st.json.session_id}`), '1');
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
});
