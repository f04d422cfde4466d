// Staff alerts over real HTTP: the list, acknowledge, resolve, and the live feed
// (Server-Sent Events): a frustration peak raised through real mirror frames reaches a
// connected dashboard within a second; acknowledge / resolve are pushed; alerts raised or
// resolved by another process (the CLI) reach the stream too. Needs `make models`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, demoStore, request, ROOT } from './lib.mjs';
import { frame, framePath, postFrame, cli } from './frames.mjs';

const STAFF_PASSWORD = 'staff-password-for-tests';
let srv, db, A, staff;

// a live stream: events as they arrive, parsed ({id, event, data})
async function openStream(base, headers) {
  const ctl = new AbortController();
  const res = await fetch(base + '/api/v1/alerts/stream', { headers, signal: ctl.signal });
  const s = { status: res.status, type: res.headers.get('content-type'), events: [], comments: 0, waiters: [] };
  if (res.status !== 200) { s.text = await res.text(); return s; }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let k;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const ev = { at: Date.now() };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) s.comments++;
            const m = line.match(/^(\w+): ?(.*)$/);
            if (m) ev[m[1]] = m[2];
          }
          if (ev.data) {
            try { ev.json = JSON.parse(ev.data); } catch { /* resync etc. */ }
            s.events.push(ev);
            s.waiters = s.waiters.filter((w) => !w(ev));
          }
        }
      }
    } catch { /* closed */ }
    s.ended = true;
  })();
  s.close = () => ctl.abort();
  // the first event (already received or coming) for which pred holds, within ms
  s.waitFor = (pred, ms = 3000) => new Promise((resolve, reject) => {
    const have = s.events.find(pred);
    if (have) return resolve(have);
    const timer = setTimeout(() => reject(new Error(`no such event within ${ms} ms: ${JSON.stringify(s.events.map((e) => e.data))}`)), ms);
    s.waiters.push((ev) => { if (!pred(ev)) return false; clearTimeout(timer); resolve(ev); return true; });
  });
  return s;
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shopper-alerts-'));
  db = join(dir, 'shop.db');
  copyFileSync(demoStore(), db);
  A = JSON.parse(cli(['customers', '--db', db, '--json']))[0];
  cli(['consent', '--db', db, '--customer', String(A.id), '--version', 'v1']);
  cli(['enroll', '--db', db, '--customer', String(A.id), '--consent-version', 'v1',
    framePath('aStraight'), framePath('aLeft'), framePath('aRight')], { SHOPPER_MODELS: join(ROOT, 'models') });
  cli(['users', 'add', 'sam', '--role', 'staff', '--db', db], { SHOPPER_PASSWORD: STAFF_PASSWORD });
  srv = await startServer({ faces: true, db });
  staff = await srv.login('sam', STAFF_PASSWORD);
});
// a clean exit: no leak or sanitizer report under the ASan build, streams and poller ended
after(async () => { if (srv) assert.equal((await srv.stop()).code, 0, srv.stderr().slice(-3000)); });

test('roles: the feed and the list are for staff; a mirror or nobody cannot', async () => {
  assert.equal((await srv.anon().get('/api/v1/alerts')).status, 401);
  assert.equal((await srv.mirror().get('/api/v1/alerts')).status, 403);
  const s = await openStream(srv.base, srv.mirror().headers);
  assert.equal(s.status, 403);
  const n = await openStream(srv.base, {});
  assert.equal(n.status, 401);
  // writes with a cookie need the CSRF token
  const r = await request(srv.base, 'POST', '/api/v1/alerts/1/ack', {}, { cookie: staff.headers.cookie });
  assert.equal(r.status, 403);
  assert.equal(r.json.code, 'csrf');
});

test('a frustration peak raised through mirror frames reaches the live feed within a second', async () => {
  const s = await openStream(srv.base, staff.headers);
  assert.equal(s.status, 200);
  assert.match(s.type, /^text\/event-stream/);
  const m = srv.mirror();
  let raised = null, r;
  for (let i = 0; i < 12 && !raised; i++) {
    r = await postFrame(m, frame('a'));
    assert.equal(r.status, 200, r.text);
    const p = (r.json.peaks || []).find((x) => x.group === 'frustration');
    if (p) raised = { ...p, t: Date.now() };
  }
  assert.ok(raised, `no frustration peak: ${r.text}`);
  assert.ok(raised.alert > 0);
  assert.equal(r.json.customer.id, A.id);
  const ev = await s.waitFor((e) => e.json && e.json.kind === 'raised' && e.json.alert.id === raised.alert, 1000);
  assert.ok(ev.at - raised.t < 1000, `${ev.at - raised.t} ms`);
  assert.equal(ev.event, 'alert');
  assert.equal(ev.json.alert.status, 'open');
  assert.equal(ev.json.alert.location, 'Fitting rooms');
  assert.equal(ev.json.alert.customer, A.id);
  assert.equal(String(ev.json.seq), ev.id);
  const metrics = await srv.anon().get('/metrics');
  assert.match(metrics.text, /shopper_alerts_raised_total [1-9]/);
  // acknowledged by the logged-in staff member, pushed
  const ack = await staff.post(`/api/v1/alerts/${raised.alert}/ack`, {});
  assert.equal(ack.status, 200, ack.text);
  assert.equal(ack.json.status, 'acknowledged');
  assert.equal(ack.json.acknowledged_by, 'sam');
  const e2 = await s.waitFor((e) => e.json && e.json.kind === 'acknowledged' && e.json.alert.id === raised.alert, 1000);
  assert.equal(e2.json.staff, 'sam');
  assert.equal((await staff.post(`/api/v1/alerts/${raised.alert}/ack`, {})).status, 404); // not open now
  // resolved by another process (the CLI): the poller finds it
  const t0 = Date.now();
  cli(['alerts', 'resolve', String(raised.alert), '--staff', 'kim', '--note', 'brought a smaller size', '--db', srv.db]);
  const e3 = await s.waitFor((e) => e.json && e.json.kind === 'resolved' && e.json.alert.id === raised.alert, 2000);
  assert.ok(e3.at - t0 < 1500, `${e3.at - t0} ms`);
  assert.equal(e3.json.staff, 'kim');
  assert.equal(e3.json.alert.status, 'resolved');
  // exactly one note per change: the resolution is not pushed twice
  await new Promise((res) => setTimeout(res, 700));
  assert.equal(s.events.filter((e) => e.json && e.json.alert.id === raised.alert).length, 3);
  await m.post('/api/v1/mirror/logout');
  s.close();
});

test('an alert raised by another process reaches the feed; resolve through the API is pushed', async () => {
  const s = await openStream(srv.base, staff.headers);
  const frames = join(mkdtempSync(join(tmpdir(), 'shopper-peaks-')), 'frames.txt');
  let txt = '';
  for (let t = 0; t < 6; t++) txt += `${t} 0.2 0 0.2 0.6 0 0 0\n`;
  writeFileSync(frames, txt);
  const out = JSON.parse(cli(['peaks', frames, '--db', srv.db, '--customer', String(A.id), '--mirror', 'm9', '--location', 'entrance', '--json']));
  const id = out[0].alert;
  assert.ok(id > 0);
  const ev = await s.waitFor((e) => e.json && e.json.kind === 'raised' && e.json.alert.id === id, 2000);
  assert.equal(ev.json.alert.location, 'entrance');
  const list = await staff.get('/api/v1/alerts?status=open');
  assert.equal(list.status, 200);
  assert.ok(list.json.alerts.some((a) => a.id === id && a.status === 'open'));
  assert.ok(list.json.alerts.every((a) => a.status === 'open'));
  const bad = await staff.post(`/api/v1/alerts/${id}/resolve`, { note: '' });
  assert.equal(bad.status, 400);
  assert.equal((await staff.post(`/api/v1/alerts/${id}/resolve`, {})).status, 400);
  assert.equal((await staff.post('/api/v1/alerts/999999/resolve', { note: 'x' })).status, 404);
  assert.equal((await staff.post('/api/v1/alerts/abc/ack', {})).status, 400);
  const done = await staff.post(`/api/v1/alerts/${id}/resolve`, { note: 'talked to the customer' });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.resolved_by, 'sam');
  assert.equal(done.json.note, 'talked to the customer');
  await s.waitFor((e) => e.json && e.json.kind === 'resolved' && e.json.alert.id === id, 1000);
  const resolved = await staff.get('/api/v1/alerts?status=resolved&limit=5');
  assert.ok(resolved.json.alerts.some((a) => a.id === id));
  assert.equal((await staff.get('/api/v1/alerts?status=nope')).status, 400);
  assert.equal((await staff.get('/api/v1/alerts?limit=0')).status, 400);
  s.close();
});

test('Last-Event-ID: a dashboard that reconnects gets what it missed', async () => {
  const s = await openStream(srv.base, { ...staff.headers, 'last-event-id': '0' });
  assert.equal(s.status, 200);
  const ev = await s.waitFor((e) => e.json && e.json.kind === 'resolved', 1000);
  assert.ok(Number(ev.id) > 1);
  const seqs = s.events.filter((e) => e.json).map((e) => e.json.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  assert.equal(seqs[0], 1);
  s.close();
  // an id from before a restart: a resync event, then live notes
  const r = await openStream(srv.base, { ...staff.headers, 'last-event-id': '999999' });
  await r.waitFor((e) => e.event === 'resync', 1000);
  r.close();
});

// resolves with the milliseconds until the stream s ends (rejects after ms)
function ends(s, ms = 6000) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = setInterval(() => {
      if (s.ended) { clearInterval(tick); resolve(Date.now() - t0); }
      else if (Date.now() - t0 > ms) { clearInterval(tick); reject(new Error(`the stream did not end within ${ms} ms`)); }
    }, 50);
  });
}

test('an open stream ends within seconds when its login does: logout, expiry, user removed', async () => {
  cli(['users', 'add', 'lee', '--role', 'staff', '--db', srv.db], { SHOPPER_PASSWORD: STAFF_PASSWORD });
  const [out, exp, gone, keep] = await Promise.all([srv.login('sam', STAFF_PASSWORD),
    srv.login('sam', STAFF_PASSWORD), srv.login('lee', STAFF_PASSWORD), srv.login('sam', STAFF_PASSWORD)]);
  const streams = [];
  for (const who of [out, exp, gone, keep]) {
    const s = await openStream(srv.base, who.headers);
    assert.equal(s.status, 200);
    streams.push(s);
  }
  await new Promise((res) => setTimeout(res, 2500)); // past a first re-check: all still open
  assert.ok(streams.every((s) => !s.ended));
  assert.equal((await out.post('/api/v1/auth/logout')).status, 200);
  const token = exp.headers.cookie.split('=')[1];
  const hash = createHash('sha256').update(token).digest('hex');
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db,
    `UPDATE auth_sessions SET expires_at = 1 WHERE token_hash = '${hash}'`]);
  cli(['users', 'remove', 'lee', '--db', srv.db]); // by another process
  for (const s of streams.slice(0, 3)) assert.ok(await ends(s) < 5000);
  assert.ok(!streams[3].ended, 'another login of the same user keeps its stream');
  assert.equal((await keep.get('/api/v1/alerts?limit=1')).status, 200);
  for (const s of streams) s.close();
});

test('live streams are limited, and an open stream does not hold the shutdown', async () => {
  const s2 = await startServer({ db: srv.db });
  try {
    const st = await s2.login('sam', STAFF_PASSWORD);
    const open = [];
    for (let i = 0; i < 16; i++) {
      const s = await openStream(s2.base, st.headers);
      assert.equal(s.status, 200);
      open.push(s);
    }
    const over = await openStream(s2.base, st.headers);
    assert.equal(over.status, 503);
    open.pop().close();
    await new Promise((res) => setTimeout(res, 1500)); // the stream ends at its next read
    const again = await openStream(s2.base, st.headers);
    assert.equal(again.status, 200);
    const t0 = Date.now();
    const e = await s2.stop('SIGTERM');
    assert.equal(e.code, 0);
    assert.ok(Date.now() - t0 < 5000);
    for (const s of open) s.close();
    again.close();
  } finally { if (s2.proc.exitCode === null) await s2.stop(); }
});
