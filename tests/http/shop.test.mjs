// The shopper's API from outside: catalogue, customers, the cart, checkout and "for you";
// every route's errors; 64 mirrors racing for the last item; and kill -9 of the server
// during a checkout storm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startServer, request, SHOPPER } from './lib.mjs';

let srv, mgr, staff, anon;

before(async () => {
  srv = await startServer();
  mgr = await srv.login();
  assert.equal((await mgr.post('/api/v1/users', { username: 'sol', role: 'staff', password: 'staff-password-9' })).status, 201);
  staff = await srv.login('sol', 'staff-password-9');
  anon = srv.anon();
});
after(async () => { await srv.stop(); });

let serial = 0;
// a paired mirror with a freshly registered customer logged in by PIN
async function shopper(s, admin, { login = true, size = 'M' } = {}) {
  const n = ++serial;
  const p = await admin.post('/api/v1/mirrors', { name: `shop-m${n}`, location: `Floor ${n}` });
  assert.equal(p.status, 201, p.text);
  const m = s.mirror(p.json.token);
  const email = `shopper${n}@example.com`;
  const r = await m.post('/api/v1/customers', {
    name: `Shopper ${n}`, email, gender: 'female', size, biometric_consent: false, pin: '4321',
  });
  assert.equal(r.status, 201, r.text);
  const who = { m, id: r.json.customer.id, email };
  if (login) {
    const l = await m.post('/api/v1/mirror/login', { email, pin: '4321' });
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.customer.id, who.id);
  }
  return who;
}

// n shoppers logged in at n mirrors. Argon2id takes about a second on a busy machine: the
// first registers with a PIN through the API, the others without, and get a copy of its PIN
// hash (the same PIN) in the store; then each logs in with the PIN, a few at a time.
async function shoppers(s, admin, n) {
  const first = await shopper(s, admin, { login: false });
  const out = [first];
  while (out.length < n) {
    const k = Math.min(8, n - out.length);
    out.push(...await Promise.all(Array.from({ length: k }, async () => {
      const i = ++serial;
      const p = await admin.post('/api/v1/mirrors', { name: `shop-m${i}`, location: 'Floor' });
      assert.equal(p.status, 201, p.text);
      const email = `shopper${i}@example.com`;
      const r = await admin.post('/api/v1/customers', { name: `Shopper ${i}`, email, gender: 'male', size: 'M', biometric_consent: false });
      assert.equal(r.status, 201, r.text);
      return { m: s.mirror(p.json.token), id: r.json.customer.id, email };
    })));
  }
  sql(s.db, `INSERT INTO customer_pins(customer_id, pin_hash, set_at) SELECT c.id, p.pin_hash, p.set_at FROM customers c, customer_pins p WHERE p.customer_id = ${first.id} AND c.id IN (${out.slice(1).map((x) => x.id).join(',')})`);
  for (let i = 0; i < n; i += 4)
    await Promise.all(out.slice(i, i + 4).map(async (x) => {
      const l = await x.m.post('/api/v1/mirror/login', { email: x.email, pin: '4321' });
      assert.equal(l.status, 200, l.text);
    }));
  return out;
}

function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, q], { encoding: 'utf8' }).trim();
}

// a product and size with at least `min` items in stock
async function inStock(client, min = 1) {
  const r = await client.get('/api/v1/products?limit=200');
  for (const p of r.json.products)
    for (const [size, n] of Object.entries(p.stock_by_size))
      if (n >= min) return { product: p, size, count: n };
  throw new Error('nothing in stock');
}

// sells items at the till (another process on the same store) until `left` remain
function sellDownTo(s, customer, productId, size, left) {
  const n = Number(sql(s.db, `SELECT count(*) FROM items WHERE product_id = ${productId} AND size = '${size}' AND status = 'in_stock'`));
  for (let i = 0; i < n - left; i++)
    execFileSync(SHOPPER, ['buy', '--db', s.db, '--customer', String(customer), '--product', String(productId), '--size', size], { stdio: 'pipe' });
}

function percentile(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

test('catalogue: filters, paging, sizes in stock, one product with stock by size', async () => {
  const all = await staff.get('/api/v1/products');
  assert.equal(all.status, 200);
  assert.equal(all.json.total, 16);
  assert.equal(all.json.products.length, 16);
  const p = all.json.products[0];
  for (const k of ['id', 'name', 'category', 'gender', 'fabric', 'season', 'price_cents', 'promotion_price_cents', 'stock', 'sizes_in_stock', 'stock_by_size'])
    assert.ok(k in p, k);
  assert.ok(!('cost_cents' in p), 'staff and shoppers do not see costs');
  assert.ok('cost_cents' in (await mgr.get('/api/v1/products?limit=1')).json.products[0]);
  assert.deepEqual(p.sizes_in_stock, Object.keys(p.stock_by_size));
  assert.equal(p.stock, Object.values(p.stock_by_size).reduce((a, b) => a + b, 0));

  const women = await staff.get('/api/v1/products?gender=women');
  assert.ok(women.json.total > 0 && women.json.total < 16);
  assert.ok(women.json.products.every((x) => x.gender === 'women'));
  const cat = p.category;
  const both = await staff.get(`/api/v1/products?gender=${p.gender}&category=${encodeURIComponent(cat)}&fabric=${encodeURIComponent(p.fabric)}&season=${encodeURIComponent(p.season)}`);
  assert.ok(both.json.products.some((x) => x.id === p.id));
  assert.ok(both.json.products.every((x) => x.category === cat && x.fabric === p.fabric && x.season === p.season));
  const size = p.sizes_in_stock[0];
  const bySize = await staff.get(`/api/v1/products?size=${size}`);
  assert.ok(bySize.json.products.every((x) => x.stock_by_size[size] > 0));

  const page2 = await staff.get('/api/v1/products?limit=5&page=2');
  assert.deepEqual(page2.json.products.map((x) => x.id), all.json.products.slice(5, 10).map((x) => x.id));
  const off = await staff.get('/api/v1/products?limit=5&offset=5');
  assert.deepEqual(off.json.products.map((x) => x.id), page2.json.products.map((x) => x.id));
  assert.equal((await staff.get('/api/v1/products?offset=100')).json.products.length, 0);

  const one = await staff.get(`/api/v1/products/${p.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json.stock_by_size, p.stock_by_size);

  // the same object as `shopper products --json` (which adds the operators' fields)
  const cli = JSON.parse(execFileSync(SHOPPER, ['products', '--db', srv.db, '--json'], { encoding: 'utf8' }));
  const mine = cli.find((x) => x.id === p.id);
  for (const k of Object.keys(p)) assert.deepEqual(mine[k], p[k], k);
});

test('catalogue errors: 400, 401, 404', async () => {
  for (const q of ['limit=0', 'limit=201', 'offset=-1', 'page=0', 'page=2&offset=3', 'gender=kids', 'size=XXXL', 'size=Q', 'category=' + 'x'.repeat(40), 'limit=ten'])
    assert.equal((await staff.get(`/api/v1/products?${q}`)).status, 400, q);
  const r = await anon.get('/api/v1/products');
  assert.equal(r.status, 401);
  assert.equal(r.json.code, 'unauthorized');
  assert.equal((await staff.get('/api/v1/products/99999')).status, 404);
  assert.equal((await staff.get('/api/v1/products/abc')).status, 400);
  assert.equal((await srv.mirror().get('/api/v1/products?limit=1')).status, 200);
});

test('register at a mirror, PIN login, browse, add to cart, checkout: stock goes down', async () => {
  const s = await shopper(srv, mgr, { login: false });
  // registration with consent is audited with the mirror as actor
  const m = s.m;
  const withConsent = await m.post('/api/v1/customers', {
    name: 'Consenting Person', email: 'consent@example.com', gender: 'other', size: 'L',
    biometric_consent: true, consent_version: 'v2.1',
  });
  assert.equal(withConsent.status, 201);
  assert.equal(withConsent.json.biometric_consent.version, 'v2.1');
  assert.match(sql(srv.db, `SELECT actor FROM privacy_audit WHERE customer_id = ${withConsent.json.customer.id}`), /^mirror:shop-m/);
  assert.equal(sql(srv.db, `SELECT count(*) FROM customer_pins WHERE customer_id = ${s.id}`), '1');

  assert.equal((await m.get('/api/v1/cart')).status, 401, 'nobody logged in yet');
  assert.equal((await m.post('/api/v1/mirror/login', { email: s.email, pin: '4321' })).status, 200);
  const me = await m.get(`/api/v1/customers/${s.id}`);
  assert.equal(me.status, 200);
  assert.equal(me.json.customer.email, s.email);
  assert.equal(me.json.profile, null);

  const { product, size, count } = await inStock(m, 2);
  const empty = await m.get('/api/v1/cart');
  assert.equal(empty.status, 200);
  assert.equal(empty.json.items, 0);
  const add = await m.post('/api/v1/cart/items', { product_id: product.id, size });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.items, 1);
  const line = add.json.lines[0];
  assert.equal(line.product_id, product.id);
  assert.equal(line.size, size);
  assert.equal(line.price_cents, product.price_cents);
  assert.ok(Date.parse(line.reserved_until) > Date.now() + 600e3, 'held for 15 minutes');
  assert.equal(add.json.total_cents, product.price_cents);
  // a second one of the same size is another item
  const add2 = await m.post('/api/v1/cart/items', { product_id: product.id, size });
  assert.equal(add2.status, 201);
  assert.equal(add2.json.items, 2);
  assert.notEqual(add2.json.lines[0].item_id, add2.json.lines[1].item_id);
  const del = await m.del(`/api/v1/cart/items/${add2.json.lines[1].item_id}`);
  assert.equal(del.status, 200);
  assert.equal(del.json.items, 1);

  const buy = await m.post('/api/v1/cart/checkout');
  assert.equal(buy.status, 200, buy.text);
  assert.equal(buy.json.status, 'bought');
  assert.ok(buy.json.purchase_id > 0);
  assert.equal(sql(srv.db, `SELECT total_cents FROM purchases WHERE id = ${buy.json.purchase_id}`), String(product.price_cents));
  assert.equal(sql(srv.db, `SELECT status FROM items WHERE id = ${line.item_id}`), 'sold');
  const after = await m.get(`/api/v1/products/${product.id}`);
  assert.equal(after.json.stock_by_size[size] ?? 0, count - 1);
  // buying again is a 409, never a second purchase: the customer shops on in a new session
  // whose cart is empty (mirror_app.test.mjs)
  const again = await m.post('/api/v1/cart/checkout');
  assert.equal(again.status, 409);
  assert.match(again.json.error, /empty/);
  assert.equal(sql(srv.db, `SELECT count(*) FROM purchases WHERE customer_id = ${s.id}`), '1');
  const metrics = await anon.get('/metrics');
  assert.ok(Number(metrics.text.match(/^shopper_checkouts_total (\d+)$/m)[1]) >= 1);
});

test('for you: 3 promotions + 5 recommendations; the promotion price is charged', async () => {
  const s = await shopper(srv, mgr);
  const r = await s.m.get('/api/v1/foryou');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.customer, s.id);
  assert.equal(r.json.promotions.length, 3);
  assert.equal(r.json.recommendations.length, 5);
  assert.ok([...r.json.promotions, ...r.json.recommendations].every((x) => x.reason && x.name));
  const promo = r.json.promotions[0];
  assert.ok(promo.discount > 0 && promo.price_cents > 0);
  // the catalogue now shows this customer's promotion price
  const p = await s.m.get(`/api/v1/products/${promo.product_id}`);
  assert.equal(p.json.promotion_price_cents, promo.price_cents);
  assert.equal((await staff.get(`/api/v1/products/${promo.product_id}`)).json.promotion_price_cents, null);
  const add = await s.m.post('/api/v1/cart/items', { product_id: promo.product_id, size: 'M' });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.lines[0].price_cents, promo.price_cents);
  assert.equal(add.json.lines[0].promotion, true);
  // the list leaves cart products out, but the offer on the cart's product stays
  const r2 = await s.m.get('/api/v1/foryou');
  assert.ok(!r2.json.promotions.some((x) => x.product_id === promo.product_id));
  const buy = await s.m.post('/api/v1/cart/checkout');
  assert.equal(buy.status, 200);
  assert.equal(buy.json.total_cents, promo.price_cents);
  assert.equal(sql(srv.db, `SELECT price_cents FROM purchase_lines WHERE purchase_id = ${buy.json.purchase_id}`), String(promo.price_cents));
  // the same JSON shape as `shopper recommend --json`
  const cli = JSON.parse(execFileSync(SHOPPER, ['recommend', '--db', srv.db, '--customer', String(s.id), '--json'], { encoding: 'utf8' }));
  assert.deepEqual(Object.keys(cli), Object.keys(r.json));
  assert.deepEqual(Object.keys(cli.promotions[0]), Object.keys(promo));
  assert.equal((await staff.get('/api/v1/foryou')).status, 403);
  assert.equal((await srv.mirror().get('/api/v1/foryou')).status, 401);
});

test('customers: duplicate e-mail 409, profile and segment, who may read whom, search', async () => {
  const s = await shopper(srv, mgr);
  const dup = await staff.post('/api/v1/customers', { name: 'X', email: s.email.toUpperCase(), gender: 'male', size: 'L', biometric_consent: false });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.code, 'conflict');
  // a demo customer has a profile and a segment (shopper demo trains them)
  const c1 = await staff.get('/api/v1/customers/1');
  assert.equal(c1.status, 200);
  assert.ok(c1.json.profile && c1.json.profile.purchases >= 0);
  assert.ok(Number.isInteger(c1.json.segment));
  // a mirror reads only the customer standing at it
  assert.equal((await s.m.get(`/api/v1/customers/${s.id}`)).status, 200);
  assert.equal((await s.m.get('/api/v1/customers/1')).status, 403);
  assert.equal((await srv.mirror().get('/api/v1/customers/1')).status, 403);
  assert.equal((await staff.get('/api/v1/customers/99999')).status, 404);
  assert.equal((await staff.get('/api/v1/customers/0')).status, 400);
  // search (staff only), paged
  const q = await staff.get(`/api/v1/customers?q=${encodeURIComponent(s.email.slice(0, -4))}`);
  assert.equal(q.status, 200);
  assert.deepEqual(q.json.customers.map((x) => x.id), [s.id]);
  const page = await staff.get('/api/v1/customers?limit=10&offset=10');
  assert.equal(page.json.customers.length, 10);
  assert.equal(page.json.customers[0].id, 11);
  assert.ok(page.json.total >= 41);
  assert.equal((await staff.get('/api/v1/customers?limit=500')).status, 400);
  assert.equal((await s.m.get('/api/v1/customers?q=a')).status, 403);
  assert.equal((await anon.get('/api/v1/customers?q=a')).status, 401);
  assert.equal((await anon.post('/api/v1/customers', {})).status, 401);
});

test('customers: bad registrations are 400, 413 or 415 and write nothing', async () => {
  const before = sql(srv.db, 'SELECT count(*) FROM customers');
  const ok = { name: 'Nina Bad', email: 'nina@example.com', gender: 'female', size: 'S', biometric_consent: false };
  const bad = [
    { ...ok, name: '' }, { ...ok, name: 'x'.repeat(64) }, { ...ok, email: 'nina' },
    { ...ok, email: 'a@b@c' }, { ...ok, gender: 'robot' }, { ...ok, size: 'XXXL' },
    { ...ok, biometric_consent: 'yes' }, { ...ok, biometric_consent: true },
    { ...ok, pin: '12' }, { ...ok, pin: '12ab' }, { ...ok, pin: '123456789' },
    { name: 'No Email', gender: 'male', size: 'M', biometric_consent: false },
  ];
  for (const b of bad) {
    const r = await staff.post('/api/v1/customers', b);
    assert.equal(r.status, 400, JSON.stringify(b) + ' ' + r.text);
    assert.equal(r.json.code, 'bad_request');
  }
  assert.equal((await staff.post('/api/v1/customers', '{"name": ')).status, 415, 'a string body is not JSON-typed');
  assert.equal((await staff.req('POST', '/api/v1/customers', '{"name": ', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await staff.req('POST', '/api/v1/customers', JSON.stringify(ok), { 'content-type': 'text/plain' })).status, 415);
  const huge = await staff.post('/api/v1/customers', { ...ok, name: 'x'.repeat(70000) });
  assert.equal(huge.status, 413);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM customers'), before);
});

test('cart errors: 400, 401, 403, 404, 409, 413, 415', async () => {
  const s = await shopper(srv, mgr);
  const m = s.m;
  const { product, size } = await inStock(m, 1);
  assert.equal((await staff.get('/api/v1/cart')).status, 403);
  assert.equal((await staff.post('/api/v1/cart/checkout')).status, 403);
  assert.equal((await anon.get('/api/v1/cart')).status, 401);
  for (const b of [{}, { product_id: product.id }, { product_id: 'x', size }, { product_id: 0, size }, { product_id: product.id, size: 'XXXL' }, { product_id: product.id, size: 'Q' }])
    assert.equal((await m.post('/api/v1/cart/items', b)).status, 400, JSON.stringify(b));
  assert.equal((await m.req('POST', '/api/v1/cart/items', JSON.stringify({ product_id: product.id, size }), { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await m.post('/api/v1/cart/items', { product_id: 99999, size: 'M' })).status, 404);
  assert.equal((await m.del('/api/v1/cart/items/99999')).status, 404);
  assert.equal((await m.del('/api/v1/cart/items/x')).status, 400);
  const emptyBuy = await m.post('/api/v1/cart/checkout');
  assert.equal(emptyBuy.status, 409);
  assert.match(emptyBuy.json.error, /empty/);
  // a size that is sold out
  const all = (await m.get('/api/v1/products?limit=200')).json.products;
  const soldOut = all.find((p) => ['XS', 'S', 'M', 'L', 'XL', 'XXL'].some((z) => !(z in p.stock_by_size)));
  const z = ['XS', 'S', 'M', 'L', 'XL', 'XXL'].find((x) => !(x in soldOut.stock_by_size));
  const so = await m.post('/api/v1/cart/items', { product_id: soldOut.id, size: z });
  assert.equal(so.status, 409);
  assert.match(so.json.error, /sold out/);
  // a full cart is 413
  let added = 0;
  for (const p of all)
    for (const [sz, n] of Object.entries(p.stock_by_size))
      for (let i = 0; i < n && added < 20; i++)
        if ((await m.post('/api/v1/cart/items', { product_id: p.id, size: sz })).status === 201) added++;
  assert.equal(added, 20);
  const full = await m.post('/api/v1/cart/items', { product_id: product.id, size });
  assert.equal(full.status, 413, full.text);
  assert.equal((await m.get('/api/v1/cart')).json.items, 20);
  // logging out gives the items back
  const held = Number(sql(srv.db, 'SELECT count(*) FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.status = \'open\''));
  assert.ok(held >= 20);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
  assert.equal(Number(sql(srv.db, 'SELECT count(*) FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.status = \'open\'')), held - 20);
  assert.equal((await m.get('/api/v1/cart')).status, 401);
});

test('an item sold at the till while in a cart: checkout is 409 naming the line, the cart unchanged', async () => {
  const s = await shopper(srv, mgr);
  const { product, size } = await inStock(s.m, 1);
  const add = await s.m.post('/api/v1/cart/items', { product_id: product.id, size });
  assert.equal(add.status, 201);
  const item = add.json.lines[0].item_id;
  // the till sells every free item of that size, then (by SQL, as a till without carts
  // would) the reserved one too
  sellDownTo(srv, s.id, product.id, size, 1);
  sql(srv.db, `UPDATE items SET status = 'sold', sold_at = 1 WHERE id = ${item}`);
  const r = await s.m.post('/api/v1/cart/checkout');
  assert.equal(r.status, 409);
  assert.match(r.json.error, new RegExp(`line 1 \\(item ${item}`));
  const cart = await s.m.get('/api/v1/cart');
  assert.equal(cart.json.status, 'open');
  assert.equal(cart.json.lines[0].sold, true);
  assert.equal(sql(srv.db, `SELECT count(*) FROM purchase_lines WHERE item_id = ${item}`), '0');
  sql(srv.db, `UPDATE items SET status = 'in_stock', sold_at = NULL WHERE id = ${item}`);
  assert.equal((await s.m.del(`/api/v1/cart/items/${item}`)).status, 200);
});

// The races run on a second server whose carts hold items for 10 seconds, with 64 mirrors
// and 64 customers logged in.
let s2, admin2, many;
const winners = new Set();

test('64 mirrors race for the last item: one reserves it, one checkout wins, 63 get 409', async () => {
  s2 = await startServer({ args: ['--cart-hold', '10'] });
  admin2 = await s2.login();
  many = await shoppers(s2, admin2, 64);
  const { product, size } = await inStock(admin2, 2);
  sellDownTo(s2, many[0].id, product.id, size, 1);
  assert.equal((await admin2.get(`/api/v1/products/${product.id}`)).json.stock_by_size[size], 1);
  const adds = await Promise.all(many.map((s) => s.m.post('/api/v1/cart/items', { product_id: product.id, size })));
  assert.equal(adds.filter((r) => r.status === 201).length, 1, adds.map((r) => r.status).join(','));
  assert.equal(adds.filter((r) => r.status === 409).length, 63);
  const lat = [];
  const buys = await Promise.all(many.map(async (s) => {
    const t0 = performance.now();
    const r = await s.m.post('/api/v1/cart/checkout');
    lat.push(performance.now() - t0);
    return r;
  }));
  const why = () => buys.map((r) => `${r.status} ${r.status === 409 ? '' : r.text}`).filter((x) => !x.startsWith('409')).join(' | ');
  assert.equal(buys.filter((r) => r.status === 200).length, 1, why());
  assert.equal(buys.filter((r) => r.status === 409).length, 63, why());
  winners.add(many[buys.findIndex((r) => r.status === 200)]);
  assert.equal((await admin2.get(`/api/v1/products/${product.id}`)).json.stock_by_size[size], undefined);
  console.log(`# checkout latency, 64 at once: p50 ${percentile(lat, 0.5).toFixed(1)} ms, p99 ${percentile(lat, 0.99).toFixed(1)} ms`);
});

test('an expired reservation is taken over; checkout vs 63 takeovers of the last item: one sale', async () => {
  const { product, size } = await inStock(admin2, 2);
  sellDownTo(s2, many[0].id, product.id, size, 1);
  const [a, b] = many.filter((x) => !winners.has(x));
  assert.equal((await a.m.post('/api/v1/cart/items', { product_id: product.id, size })).status, 201);
  const held = await b.m.post('/api/v1/cart/items', { product_id: product.id, size });
  assert.equal(held.status, 409);
  assert.match(held.json.error, /in a cart/);
  await new Promise((r) => setTimeout(r, 11000));
  // A's hold has expired: A's checkout races 63 shoppers taking the item over and buying
  const lat = [];
  const timed = async (f) => { const t0 = performance.now(); const r = await f(); lat.push(performance.now() - t0); return r; };
  const others = many.filter((x) => x !== a);
  const results = await Promise.all([
    timed(() => a.m.post('/api/v1/cart/checkout')),
    ...others.map(async (s) => {
      await s.m.post('/api/v1/cart/items', { product_id: product.id, size });
      return timed(() => s.m.post('/api/v1/cart/checkout'));
    }),
  ]);
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1, results.map((r) => r.status).join(',') + ' ' + won.map((r) => r.text).join(' | '));
  assert.equal(results.filter((r) => r.status === 409).length, 63);
  winners.add([a, ...others][results.findIndex((r) => r.status === 200)]);
  assert.equal(sql(s2.db, `SELECT count(*) FROM items WHERE product_id = ${product.id} AND size = '${size}' AND status = 'in_stock'`), '0');
  console.log(`# checkout latency, 64-way race with takeovers: p50 ${percentile(lat, 0.5).toFixed(1)} ms, p99 ${percentile(lat, 0.99).toFixed(1)} ms`);
  const check = spawnSync(SHOPPER, ['check', '--db', s2.db, '--json'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout);
});

test('kill -9 during a checkout storm loses no committed purchase and sells no item twice', async () => {
  const shop = many.filter((x) => !winners.has(x));
  const offer = [];
  for (const p of (await admin2.get('/api/v1/products?limit=200')).json.products)
    for (const [size, n] of Object.entries(p.stock_by_size)) offer.push({ id: p.id, size, n });
  // the purchases of the tests before this one
  const before = Number(sql(s2.db, `SELECT count(*) FROM carts WHERE status = 'bought'`));
  const bought = [];
  let answered = 0, cut = 0, killed = 0;
  // every shopper adds an item and buys, again and again, all at once; the kill comes the
  // moment the 40th purchase is answered, with others in flight whatever the server's speed
  const running = shop.map(async (s, k) => {
    for (let round = 0; !killed; round++) {
      const o = offer[(k + round * shop.length) % offer.length];
      try {
        await s.m.post('/api/v1/cart/items', { product_id: o.id, size: o.size });
      } catch { return; } // no purchase can come of it
      let r;
      try {
        r = await s.m.post('/api/v1/cart/checkout');
      } catch { cut++; return; } // committed or not: the client cannot tell
      answered++;
      if (r.status === 200) bought.push(r.json.purchase_id);
      if (bought.length === 40 && !killed) { killed = answered; s2.proc.kill('SIGKILL'); }
    }
  });
  await Promise.all(running);
  if (!killed) s2.proc.kill('SIGKILL');
  const e = await s2.exited;
  assert.equal(e.signal, 'SIGKILL');
  assert.ok(bought.length >= 40, `${bought.length} checkouts before the kill`);
  assert.ok(killed > 0 && cut > 0, `the kill came while checkouts were in flight (${killed} answered, ${cut} cut off)`);
  const ids = sql(s2.db, `SELECT purchase_id FROM carts WHERE status = 'bought'`).split('\n').map(Number);
  for (const id of bought) assert.ok(ids.includes(id), `purchase ${id} answered 200 but is gone`);
  // what clients saw, and at most the checkouts cut off by the kill
  assert.ok(ids.length >= before + bought.length && ids.length <= before + bought.length + cut,
    `${ids.length} in the store: ${before} before, ${bought.length} seen, ${cut} cut off`);
  assert.equal(sql(s2.db, 'PRAGMA integrity_check'), 'ok');
  const check = spawnSync(SHOPPER, ['check', '--db', s2.db, '--json'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.equal(JSON.parse(check.stdout).sold_twice, 0);
  assert.equal(sql(s2.db, 'SELECT count(*) FROM (SELECT item_id FROM purchase_lines GROUP BY item_id HAVING count(*) > 1)'), '0');
  console.log(`# kill -9 after ${bought.length} checkouts answered 200 (${cut} cut off): ${ids.length - before} storm purchases in the store`);
  await s2.stop();
  s2 = null;
});

after(async () => { if (s2) await s2.stop(); });
