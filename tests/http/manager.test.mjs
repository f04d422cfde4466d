// The Manager Dashboard's API over real HTTP, on a copy of the demo store: every route with
// data, its error cases, the roles, the KPI object equal to `shopper kpi --json`, applying a
// price, and ranges without sales.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, SHOPPER } from './lib.mjs';

let srv, mgr, staff;
before(async () => {
  srv = await startServer();
  mgr = await srv.login();
  const u = await mgr.post('/api/v1/users', { username: 'floor', role: 'staff', password: 'staff-password-9' });
  assert.equal(u.status, 201);
  staff = await srv.login('floor', 'staff-password-9');
});
after(async () => { await srv.stop(); });

const cli = (...args) => JSON.parse(execFileSync(SHOPPER, [...args, '--db', srv.db, '--json']).toString());

// every GET route of the dashboard with a query that has data in the demo store
const READS = [
  '/api/v1/kpi',
  '/api/v1/sales/daily?from=2026-01-01&to=2026-03-31',
  '/api/v1/sales/by?by=category',
  '/api/v1/sales/products?order=top',
  '/api/v1/inventory',
  '/api/v1/inventory/tried-sold',
  '/api/v1/heatmap?cell=1',
  '/api/v1/segments',
  '/api/v1/segments/points',
  '/api/v1/profiles',
  '/api/v1/profiles/summary',
  '/api/v1/customers/3/overview',
  '/api/v1/customers/3/purchases',
  '/api/v1/customers/3/recommendations',
  '/api/v1/rules',
  '/api/v1/emotions',
  '/api/v1/emotions/events',
  '/api/v1/emotions/sessions',
  '/api/v1/sessions/1/emotions',
];
const PRICING = ['/api/v1/pricing/suggestions', '/api/v1/pricing/model', '/api/v1/pricing/history'];

test('the KPI object is the one of shopper kpi --json, for a range and for everything', async () => {
  for (const [q, args] of [
    ['?from=2026-02-01&to=2026-02-28', ['--from', '2026-02-01', '--to', '2026-02-28']],
    ['?from=2026-03-01T10:00:00Z&to=2026-03-02T10:00:00Z', ['--from', '2026-03-01T10:00:00Z', '--to', '2026-03-02T10:00:00Z']],
    ['', []],
    ['?top=3', ['--top', '3']],
    ['?products=1', ['--products']],
  ]) {
    const r = await mgr.get('/api/v1/kpi' + q);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, cli('kpi', ...args));
    assert.equal(typeof r.json.conversion, 'number');
    assert.ok(r.json.conversion > 0 && r.json.conversion <= 1);
    // every product's sales only on request: the cards do not read them
    assert.equal('products' in r.json, q === '?products=1');
  }
  assert.equal((await mgr.get('/api/v1/kpi?products=2')).status, 400);
});

test('every dashboard read answers with data for staff and managers', async () => {
  for (const who of [mgr, staff])
    for (const path of READS) {
      const r = await who.get(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.ok(r.json && typeof r.json === 'object', path);
    }
});

test('no login is 401, a mirror token is 403, staff on pricing is 403', async () => {
  for (const path of [...READS, ...PRICING]) {
    const a = await srv.anon().get(path);
    assert.equal(a.status, 401, path);
    assert.equal(a.json.code, 'unauthorized');
    const m = await srv.mirror().get(path);
    assert.equal(m.status, 403, path);
  }
  for (const path of PRICING) {
    const s = await staff.get(path);
    assert.equal(s.status, 403, path);
    assert.equal(s.json.code, 'forbidden');
  }
  assert.equal((await staff.post('/api/v1/pricing/apply', { all: true })).status, 403);
  assert.equal((await staff.post('/api/v1/rules/mine', {})).status, 403);
  assert.equal((await srv.mirror().post('/api/v1/rules/mine', {})).status, 403);
});

test('bad dates and ranges are 400 with a JSON error', async () => {
  for (const path of ['/api/v1/kpi', '/api/v1/sales/daily', '/api/v1/sales/products', '/api/v1/heatmap',
    '/api/v1/emotions', '/api/v1/inventory/tried-sold', '/api/v1/emotions/events']) {
    for (const q of ['?from=2026-13-01', '?to=yesterday', '?from=2026-03-02&to=2026-03-01', '?from=2026-02-30']) {
      const r = await mgr.get(path + q);
      assert.equal(r.status, 400, path + q);
      assert.equal(r.json.code, 'bad_request');
      assert.equal(typeof r.json.error, 'string');
    }
  }
  const bad = ['/api/v1/sales/by', '/api/v1/sales/by?by=colour', '/api/v1/sales/products?order=best',
    '/api/v1/sales/products?limit=0', '/api/v1/sales/products?limit=201', '/api/v1/inventory?low=maybe',
    '/api/v1/heatmap?format=gif', '/api/v1/heatmap?cell=0.01', '/api/v1/heatmap?sigma=-1',
    '/api/v1/rules?sort=name', '/api/v1/rules?product=abc', '/api/v1/segments/points?limit=20001',
    '/api/v1/profiles?sort=name', '/api/v1/emotions/events?group=anger', '/api/v1/customers/abc/overview',
    '/api/v1/customers/0/purchases', '/api/v1/sessions/-1/emotions'];
  for (const path of bad) assert.equal((await mgr.get(path)).status, 400, path);
});

test('unknown products, customers and sessions are 404', async () => {
  for (const path of ['/api/v1/rules?product=99999', '/api/v1/pricing/history?product=99999',
    '/api/v1/pricing/suggestions?product=99999', '/api/v1/customers/99999/overview',
    '/api/v1/customers/99999/purchases', '/api/v1/customers/99999/recommendations',
    '/api/v1/heatmap?customer=99999', '/api/v1/heatmap?session=99999', '/api/v1/sessions/99999/emotions']) {
    const r = await mgr.get(path);
    assert.equal(r.status, 404, path);
    assert.equal(r.json.code, 'not_found');
  }
  assert.equal((await mgr.post('/api/v1/pricing/apply', { product_id: 99999 })).status, 404);
});

test('sales: the daily series adds up to the KPI totals; by attribute and by product too', async () => {
  const q = '?from=2026-02-01&to=2026-02-28';
  const k = (await mgr.get('/api/v1/kpi' + q)).json;
  const d = (await mgr.get('/api/v1/sales/daily' + q)).json;
  assert.equal(d.days.length, 28); // every day of the range, zeros included
  assert.equal(d.days[0].date, '2026-02-01');
  assert.equal(d.days[27].date, '2026-02-28');
  const sum = (a, f) => a.reduce((s, x) => s + x[f], 0);
  assert.equal(sum(d.days, 'revenue_cents'), k.revenue_cents);
  assert.equal(sum(d.days, 'units'), k.items_sold);
  assert.equal(sum(d.days, 'purchases'), k.purchases);
  assert.deepEqual(d.totals, { purchases: k.purchases, units: k.items_sold, revenue_cents: k.revenue_cents });
  for (const by of ['category', 'fabric', 'gender', 'season']) {
    const b = (await mgr.get(`/api/v1/sales/by${q}&by=${by}`)).json;
    assert.equal(b.by, by);
    assert.deepEqual(b.groups.map((g) => [g.key, g.units, g.revenue_cents]),
      k.sales_by[by].map((g) => [g.key, g.units, g.revenue_cents]));
    assert.ok(Math.abs(sum(b.groups, 'share') - 1) < 1e-9);
  }
  const top = (await mgr.get(`/api/v1/sales/products${q}&limit=5`)).json;
  assert.deepEqual(top.products.map((p) => p.id), k.top_products.map((p) => p.id));
  const worst = (await mgr.get(`/api/v1/sales/products${q}&order=worst&limit=5`)).json;
  assert.deepEqual(worst.products.map((p) => p.id), k.worst_products.map((p) => p.id));
});

test('a range without sales answers empty lists and zero totals', async () => {
  const q = '?from=2030-01-01&to=2030-01-31';
  const d = await mgr.get('/api/v1/sales/daily' + q);
  assert.equal(d.status, 200);
  assert.deepEqual(d.json.days, []);
  assert.deepEqual(d.json.totals, { purchases: 0, units: 0, revenue_cents: 0 });
  const b = await mgr.get('/api/v1/sales/by' + q + '&by=fabric');
  assert.deepEqual(b.json.groups, []);
  assert.deepEqual(b.json.totals, { units: 0, revenue_cents: 0 });
  for (const order of ['top', 'worst'])
    assert.deepEqual((await mgr.get(`/api/v1/sales/products${q}&order=${order}`)).json.products, []);
  const k = (await mgr.get('/api/v1/kpi' + q)).json;
  assert.equal(k.items_sold, 0);
  assert.equal(k.revenue_cents, 0);
  assert.equal(k.conversion, 0);
  const e = (await mgr.get('/api/v1/emotions' + q)).json;
  assert.equal(e.events, 0);
  assert.equal(e.dominant_emotion, null);
  assert.equal((await mgr.get('/api/v1/emotions/events' + q)).json.total, 0);
  const t = (await mgr.get('/api/v1/inventory/tried-sold' + q)).json;
  assert.equal(t.total, 0);
  const h = (await mgr.get('/api/v1/heatmap' + q + '&cell=1')).json;
  assert.equal(h.positions, 0);
  assert.equal(h.max, 0);
});

test('inventory: stock by product and size with low-stock flags', async () => {
  const all = (await mgr.get('/api/v1/inventory?threshold=3')).json;
  assert.equal(all.threshold, 3);
  assert.deepEqual(all.sizes, ['S', 'M', 'L', 'XL']);
  assert.equal(all.total, 16);
  for (const p of all.products) {
    const sizes = Object.values(p.stock_by_size);
    assert.equal(sizes.reduce((a, b) => a + b, 0), p.stock);
    assert.deepEqual(p.low_sizes, Object.keys(p.stock_by_size).filter((z) => p.stock_by_size[z] <= 3));
    assert.equal(p.low, p.low_sizes.length > 0);
  }
  const low = (await mgr.get('/api/v1/inventory?threshold=3&low=true')).json;
  assert.equal(low.total, all.low_stock);
  assert.ok(low.products.every((p) => p.low));
  const page = (await mgr.get('/api/v1/inventory?limit=5&offset=5')).json;
  assert.deepEqual(page.products.map((p) => p.id), all.products.slice(5, 10).map((p) => p.id));
  const k = (await mgr.get('/api/v1/kpi?products=1')).json;
  const ts = (await mgr.get('/api/v1/inventory/tried-sold?limit=200')).json;
  for (const p of ts.products) {
    const q = k.products.find((x) => x.id === p.id);
    assert.equal(p.tries, q.tries);
    assert.equal(p.units, q.units);
  }
});

test('heatmap: a JSON grid with zones, and the same as a PNG', async () => {
  const r = (await mgr.get('/api/v1/heatmap?cell=0.5')).json;
  assert.equal(r.cell, 0.5);
  assert.equal(r.rows, Math.ceil(r.height / 0.5));
  assert.equal(r.cols, Math.ceil(r.width / 0.5));
  assert.equal(r.values.length, r.rows);
  assert.equal(r.values[0].length, r.cols);
  assert.ok(r.max > 0 && r.positions > 0);
  assert.ok(r.zones.length >= 5 && r.zones.every((z) => 'visits' in z && 'mean_dwell_s' in z));
  for (const z of r.zones) {
    assert.ok(z.converted_sessions <= z.sessions);
    assert.equal(z.conversion, z.sessions ? z.converted_sessions / z.sessions : 0);
  }
  assert.equal(r.zones.find((z) => z.name === 'checkout').conversion, 1);
  assert.deepEqual(r, cli('heatmap', '--cell', '0.5'));
  const one = (await mgr.get('/api/v1/heatmap?customer=3&cell=1')).json;
  assert.ok(one.sessions > 0 && one.sessions < r.sessions);
  const win = (await mgr.get('/api/v1/heatmap?from=2026-03-01&to=2026-03-01&cell=1')).json;
  assert.ok(win.sessions > 0 && win.sessions < r.sessions);
  const png = await fetch(srv.base + '/api/v1/heatmap?format=png', { headers: mgr.headers });
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  const b = new Uint8Array(await png.arrayBuffer());
  assert.deepEqual([...b.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
});

test('segments, profiles, the scatter and one customer', async () => {
  const s = (await mgr.get('/api/v1/segments')).json;
  assert.deepEqual(s, cli('segments'));
  assert.equal(s.k, 4);
  assert.ok(s.segments.every((g) => g.description.length > 0));
  const sum = (await mgr.get('/api/v1/profiles/summary?top=10')).json;
  assert.equal(sum.customers, 40);
  assert.equal(sum.top_spenders.length, 10);
  for (let i = 1; i < 10; i++) assert.ok(sum.top_spenders[i - 1].spend_cents >= sum.top_spenders[i].spend_cents);
  assert.equal(sum.preferences.category.reduce((a, g) => a + g.customers, 0), sum.buyers);
  assert.ok(sum.preferences.fabric.length > 0);
  const pts = (await mgr.get('/api/v1/segments/points?limit=10')).json;
  assert.equal(pts.total, 40);
  assert.equal(pts.points.length, 10);
  assert.equal(pts.sampled, true);
  assert.deepEqual((await mgr.get('/api/v1/segments/points?limit=10')).json, pts); // deterministic
  assert.equal((await mgr.get('/api/v1/segments/points')).json.points.length, 40);
  const list = (await mgr.get('/api/v1/profiles?sort=spend&limit=3')).json;
  assert.deepEqual(list.profiles.map((p) => p.id), sum.top_spenders.slice(0, 3).map((p) => p.id));
  const name = list.profiles[0].name.split(' ')[0];
  const found = (await mgr.get('/api/v1/profiles?q=' + encodeURIComponent(name.toLowerCase()))).json;
  assert.ok(found.total >= 1 && found.profiles.some((p) => p.id === list.profiles[0].id));
  const o = (await mgr.get('/api/v1/customers/3/overview')).json;
  assert.equal(o.customer.id, 3);
  assert.equal(o.profile.id, 3);
  assert.equal(o.purchases.total, o.profile.purchases);
  assert.equal(o.promotions.length, 3);
  assert.equal(o.recommendations.length, 5);
  const p = (await mgr.get('/api/v1/customers/3/purchases?limit=1')).json;
  assert.equal(p.purchases.length, 1);
  assert.deepEqual(p.purchases[0], o.purchases.purchases[0]);
  assert.equal(p.purchases[0].total_cents, p.purchases[0].lines.reduce((a, l) => a + l.price_cents, 0));
});

test('rules: the demo stores mined rules; managers re-mine them; filter and sort', async () => {
  const r = (await mgr.get('/api/v1/rules')).json;
  assert.ok(r.mined_at && r.total > 0 && r.rules.length === r.total);
  for (let i = 1; i < r.rules.length; i++) assert.ok(r.rules[i - 1].lift >= r.rules[i].lift);
  const pid = r.rules[0].consequent;
  const f = (await mgr.get(`/api/v1/rules?product=${pid}&sort=confidence`)).json;
  assert.ok(f.total > 0);
  assert.ok(f.rules.every((x) => x.consequent === pid || x.antecedent.includes(pid)));
  for (let i = 1; i < f.rules.length; i++) assert.ok(f.rules[i - 1].confidence >= f.rules[i].confidence);
  const m = await mgr.post('/api/v1/rules/mine', { min_support: 2, min_confidence: 0.1 });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.min_support, 2);
  assert.equal(m.json.transactions, 180);
  const after = (await mgr.get('/api/v1/rules?limit=200')).json;
  assert.equal(after.total, m.json.stored); // replaced, not added to
  assert.ok(after.total >= r.total);
  assert.equal((await mgr.post('/api/v1/rules/mine', { min_support: 0 })).status, 400);
  assert.equal((await mgr.post('/api/v1/rules/mine', { min_confidence: 2 })).status, 400);
  assert.equal((await mgr.post('/api/v1/rules/mine', { min_support: 'x' })).status, 400);
  assert.equal((await mgr.req('POST', '/api/v1/rules/mine', '{broken', { 'content-type': 'application/json' })).status, 400);
});

test('emotions: the summary matches the events, and a session journey has one line per group', async () => {
  const e = (await mgr.get('/api/v1/emotions')).json;
  const k = (await mgr.get('/api/v1/kpi')).json;
  assert.deepEqual(e.by_group, k.emotions);
  assert.deepEqual(e.by_dominant, k.dominant_emotions);
  assert.deepEqual(e.alerts, k.alerts);
  assert.equal(e.events, Object.values(e.by_group).reduce((a, b) => a + b, 0));
  assert.ok(e.mean_intensity > 0);
  const ev = (await mgr.get('/api/v1/emotions/events?group=frustration&limit=200')).json;
  assert.equal(ev.total, e.by_group.frustration);
  assert.ok(ev.events.every((x) => x.group === 'frustration'));
  const ss = (await mgr.get('/api/v1/emotions/sessions?limit=5')).json;
  assert.ok(ss.sessions.length > 0);
  const s = ss.sessions[0];
  const j = (await mgr.get(`/api/v1/sessions/${s.session_id}/emotions`)).json;
  assert.equal(j.session.id, s.session_id);
  assert.equal(j.events.length, s.events);
  for (const g of ['frustration', 'happiness', 'surprise']) assert.equal(j.series[g].length, s.events);
  assert.equal(j.series.at.length, s.events);
});

test('pricing: suggestions as shopper price --json, the model quality, apply one, history', async () => {
  const s = (await mgr.get('/api/v1/pricing/suggestions')).json;
  assert.equal(s.applied, false);
  assert.equal(s.products.length, 16);
  const m = (await mgr.get('/api/v1/pricing/model')).json;
  assert.equal(typeof m.beats_baseline, 'boolean');
  assert.ok(m.metrics && m.metrics.deviance > 0 && m.metrics.deviance_baseline > 0);
  // the CLI's object (it records a history row; the GET does not)
  const before = (await mgr.get('/api/v1/pricing/history?limit=200')).json.total;
  assert.deepEqual(cli('price'), s);
  assert.equal((await mgr.get('/api/v1/pricing/history?limit=200')).json.total, before + 16);
  const moved = s.products.find((p) => p.suggested_cents !== p.current_cents);
  assert.ok(moved, 'the demo has a suggestion that moves a price');
  const a = await mgr.post('/api/v1/pricing/apply', { product_id: moved.id });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.applied, true);
  assert.equal(a.json.products[0].suggested_cents, moved.suggested_cents);
  const inv = (await mgr.get('/api/v1/inventory')).json.products.find((p) => p.id === moved.id);
  assert.equal(inv.price_cents, moved.suggested_cents);
  const prod = await mgr.get(`/api/v1/products/${moved.id}`);
  if (prod.status === 200) assert.equal(prod.json.price_cents, moved.suggested_cents);
  const h = (await mgr.get(`/api/v1/pricing/history?product=${moved.id}`)).json;
  assert.equal(h.history[0].applied, true);
  assert.equal(h.history[0].old_cents, moved.current_cents);
  assert.equal(h.history[0].new_cents, moved.suggested_cents);
  assert.ok(h.history.every((x) => x.product_id === moved.id));
  for (const body of [{}, { all: true, product_id: 1 }, { product_id: 'x' }, { all: 'yes' }])
    assert.equal((await mgr.post('/api/v1/pricing/apply', body)).status, 400, JSON.stringify(body));
});

test('concurrent applies write a true history: each change starts from the price before it', async () => {
  const rs = await Promise.all(Array.from({ length: 6 }, () => mgr.post('/api/v1/pricing/apply', { all: true })));
  for (const r of rs) assert.ok(r.status === 200 || r.status === 503, `${r.status} ${r.text}`);
  assert.ok(rs.some((r) => r.status === 200));
  const h = (await mgr.get('/api/v1/pricing/history?limit=200')).json.history.slice().reverse(); // oldest first
  const price = new Map();
  for (const x of h) {
    if (price.has(x.product_id)) assert.equal(x.old_cents, price.get(x.product_id), `product ${x.product_id} history ${x.id}`);
    price.set(x.product_id, x.new_cents);
  }
  const inv = (await mgr.get('/api/v1/inventory')).json.products;
  for (const p of inv) if (price.has(p.id)) assert.equal(p.price_cents, price.get(p.id));
});

// (last: it adds a customer) the Customers screen's "Update the segments": managers only; the
// new customer is in no segment until the update, and in one after it
test('managers update the segments: new customers assigned, the same answer as the CLI', async () => {
  const before = (await mgr.get('/api/v1/segments')).json;
  assert.ok(before.assigned_at && before.unassigned === 0);
  const r = await mgr.post('/api/v1/customers', { name: 'Segment Newcomer', email: 'newcomer@example.com', gender: 'female', size: 'S', biometric_consent: false });
  assert.equal(r.status, 201);
  const waiting = (await mgr.get('/api/v1/segments')).json;
  assert.equal(waiting.unassigned, 1);
  assert.equal(waiting.customers, before.customers + 1);
  assert.equal((await staff.post('/api/v1/segments/update', {})).status, 403);
  const u = await mgr.post('/api/v1/segments/update', {});
  assert.equal(u.status, 200);
  assert.equal(u.json.unassigned, 0);
  assert.equal(u.json.assigned, before.customers + 1);
  assert.equal(u.json.segments.reduce((a, g) => a + g.customers, 0), u.json.assigned);
  assert.ok(u.json.assigned_at >= before.assigned_at);
  const after = (await mgr.get('/api/v1/segments')).json;
  const { updated_customers: updated, ...described } = u.json; // (the update's own count)
  assert.equal(updated, 0); // nobody bought since the demo's training
  assert.deepEqual(after, described);
  assert.deepEqual(after, cli('segments'));
  const o = (await mgr.get(`/api/v1/customers/${r.json.customer.id}/overview`)).json;
  assert.ok(o.profile && o.profile.segment >= 0 && o.profile.segment < after.k);
});
