// The server's threads (src/http/http.c): a few event threads answer every connection and
// hand slow requests to workers, so a slow handler (a password hash here) never holds up a
// quick answer, and camera frames have workers of their own; a live stream with nothing to
// send is parked, not read in a loop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, request, ADMIN_PASSWORD } from './lib.mjs';
import { frame, haveModels, postFrame } from './frames.mjs';

let srv, mgr;
before(async () => { srv = await startServer(); mgr = await srv.login(); });
after(async () => { assert.equal((await srv.stop()).code, 0, srv.stderr().slice(-2000)); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// CPU seconds the server process has used (utime + stime from /proc, in clock ticks of 1/100 s)
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3
  return (Number(f[11]) + Number(f[12])) / 100;
}

test('quiet live streams are parked: open streams cost (almost) no CPU', async () => {
  const streams = [];
  try {
    for (let i = 0; i < 12; i++) {
      const ctl = new AbortController();
      const res = await fetch(srv.base + '/api/v1/alerts/stream', { headers: mgr.headers, signal: ctl.signal });
      assert.equal(res.status, 200);
      streams.push(ctl);
    }
    await sleep(500);
    const c0 = cpuSeconds(srv.proc.pid);
    await sleep(2000);
    const used = cpuSeconds(srv.proc.pid) - c0;
    // a stream read again and again while it has nothing to send keeps an event thread
    // busy: ~2 s of CPU in these 2 s; parked and woken 5 times a second, a few ms
    assert.ok(used < 0.5, `the server used ${used} s of CPU in 2 s with 12 quiet streams`);
    // and the server still answers at once
    const t0 = Date.now();
    assert.equal((await request(srv.base, 'GET', '/healthz')).status, 200);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    streams.forEach((c) => c.abort());
  }
});

test('slow requests (password hashes) do not hold up quick ones (health, a static file)', async () => {
  const t0 = Date.now();
  let slowDone = 0;
  const logins = Array.from({ length: 8 }, () =>
    request(srv.base, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })
      .then((r) => { slowDone = Date.now(); return r; }));
  const quick = [];
  while (!slowDone) {
    const q0 = Date.now();
    const [h, f] = await Promise.all([request(srv.base, 'GET', '/healthz'), request(srv.base, 'GET', '/')]);
    assert.equal(h.status, 200);
    assert.equal(f.status, 200);
    quick.push(Date.now() - q0);
  }
  for (const r of await Promise.all(logins)) assert.equal(r.status, 200);
  const slow = slowDone - t0;
  const worst = Math.max(...quick);
  // on the event threads, the quick requests would wait behind the hashes: at least one,
  // often several. On workers they are answered while the hashes run.
  assert.ok(quick.length >= 3 && worst < slow / 2,
    `${quick.length} quick rounds, the slowest ${worst} ms, while 8 logins took ${slow} ms`);
});

test('a flood of camera frames does not hold up the other requests', { skip: !haveModels && 'needs make models' }, async () => {
  // one face workspace: 40 frames at once queue behind each other for seconds
  const fs = await startServer({ faces: true, args: ['--threads', '1'] });
  try {
    const m = fs.mirror();
    const staff = await fs.login();
    const jpeg = frame('b');
    assert.equal((await postFrame(m, jpeg)).status, 200);
    const t0 = Date.now();
    let flood = 0;
    const frames = Array.from({ length: 40 }, () => postFrame(m, jpeg).then((r) => { flood = Date.now() - t0; return r; }));
    await sleep(200);
    const a0 = Date.now();
    const list = await staff.get('/api/v1/alerts'); // not a cached answer: a worker's
    const took = Date.now() - a0;
    for (const r of await Promise.all(frames)) assert.equal(r.status, 200);
    assert.equal(list.status, 200);
    // frames have workers of their own (--threads): the general ones are free
    assert.ok(flood > 1000 && took < flood / 3, `the alert list took ${took} ms while 40 frames took ${flood} ms`);
  } finally {
    assert.equal((await fs.stop()).code, 0, fs.stderr().slice(-2000));
  }
});
