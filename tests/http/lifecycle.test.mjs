// The server's own upkeep and its end: an erasure that a reader held back is completed by
// the server on its timer (not only by the next `shopper purge`); on SIGTERM a request that
// will not finish does not hold the shutdown past --shutdown-timeout, and the store it
// leaves is whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { startServer, SHOPPER } from './lib.mjs';
import { frame, haveModels, postFrame } from './frames.mjs';

function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 10000', db, q], { encoding: 'utf8' }).trim();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// another process in a read transaction (an old snapshot) until close()
async function reader(db) {
  const p = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stdin.write("BEGIN; SELECT 'snapshot', count(*) FROM face_templates;\n");
  for (let i = 0; i < 100 && !out.includes('snapshot'); i++) await sleep(50);
  assert.ok(out.includes('snapshot'), 'the reader started');
  return { close: () => new Promise((r) => { p.on('exit', r); p.stdin.end(); }) };
}

test('an erasure held back by a reader is completed by the server within --erasure-retry', async () => {
  const srv = await startServer({ args: ['--erasure-retry', '1'] });
  try {
    const id = sql(srv.db, 'SELECT min(id) FROM customers');
    execFileSync(SHOPPER, ['consent', '--db', srv.db, '--customer', id, '--version', 'v1'], { stdio: 'pipe' });
    const r = await reader(srv.db);
    const out = JSON.parse(execFileSync(SHOPPER, ['forget', '--db', srv.db, '--customer', id, '--json'], { encoding: 'utf8' }));
    assert.equal(out.erasure, 'pending');
    await sleep(1500); // the server tries while the reader is there: still pending
    assert.equal(sql(srv.db, `SELECT state FROM privacy_audit WHERE customer_id = ${id} AND action = 'delete'`), 'pending');
    await r.close();
    let state = '';
    const t0 = Date.now();
    while (Date.now() - t0 < 5000 && state !== 'complete') {
      await sleep(200);
      state = sql(srv.db, `SELECT state FROM privacy_audit WHERE customer_id = ${id} AND action = 'delete'`);
    }
    assert.equal(state, 'complete', 'completed by the server, no purge run');
    assert.ok(Date.now() - t0 < 3500);
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});

test('a request that cannot finish does not hold the shutdown past --shutdown-timeout', { skip: !haveModels && 'needs make models' }, async () => {
  // one face workspace: 40 frames at once queue behind each other for seconds
  const srv = await startServer({ faces: true, args: ['--threads', '1', '--shutdown-timeout', '1'] });
  const db = srv.db;
  const m = srv.mirror();
  const jpeg = frame('b');
  assert.equal((await postFrame(m, jpeg)).status, 200);
  const flood = Array.from({ length: 40 }, () => postFrame(m, jpeg).catch(() => null));
  await sleep(300);
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  const e = await srv.exited;
  const took = Date.now() - t0;
  await Promise.all(flood);
  assert.equal(e.code, 0, srv.stderr().slice(-2000));
  assert.ok(took < 3000, `exited after ${took} ms`);
  assert.ok(took >= 900, `the requests in flight got their second (${took} ms)`);
  assert.match(srv.stderr(), /still running after 1 s/);
  // the store is whole
  execFileSync(SHOPPER, ['check', '--db', db], { stdio: 'pipe' });
  assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
  await srv.stop();
});

test('without a stuck request the shutdown is prompt and clean', async () => {
  const srv = await startServer({ args: ['--shutdown-timeout', '30'] });
  const mgr = await srv.login();
  assert.equal((await mgr.get('/api/v1/kpi')).status, 200);
  const t0 = Date.now();
  assert.equal((await srv.stop()).code, 0);
  assert.ok(Date.now() - t0 < 3000);
});
