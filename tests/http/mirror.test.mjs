// The Smart Mirror's camera API over real HTTP with the real face pipeline: frames, face
// login after three frames, privacy with two faces, enrolment with consent, erasure, bad
// frames, roles. Needs `make models` (the weights and demo photos in models/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, demoStore, SHOPPER } from './lib.mjs';
import { frame, postFrame, cli, haveModels, rawPost } from './frames.mjs';

const PIN = '4321';
let srv, db, A, C; // A: consents and enrols; C: no consent

before(async () => {
  // the store before the server starts: customer 1 consents, both have a PIN
  const dir = mkdtempSync(join(tmpdir(), 'shopper-mirror-'));
  db = join(dir, 'shop.db');
  copyFileSync(demoStore(), db);
  const customers = JSON.parse(cli(['customers', '--db', db, '--json']));
  [A, C] = [customers[0], customers[1]];
  cli(['consent', '--db', db, '--customer', String(A.id), '--version', 'v1']);
  for (const c of [A, C]) cli(['pin', '--db', db, '--customer', String(c.id)], { SHOPPER_PIN: PIN });
  srv = await startServer({ faces: true, db });
});
// a clean exit: no leak or sanitizer report under the ASan build, streams and poller ended
after(async () => { if (srv) assert.equal((await srv.stop()).code, 0, srv.stderr().slice(-3000)); });

const pinLogin = (m, who) => m.post('/api/v1/mirror/login', { email: who.email, pin: PIN });

test('the models are there (make models)', () => { assert.ok(haveModels, 'run make models'); });

test('bad frames get 4xx and the server stays up', async () => {
  const m = srv.mirror();
  const jpeg = frame('a');
  const cases = [
    [Buffer.alloc(0), 'image/jpeg', 400],
    [jpeg.subarray(0, 2000), 'image/jpeg', 400],                     // truncated
    [Buffer.from('not a jpeg at all, not at all'), 'image/jpeg', 400],
    [frame('bPng'), 'image/png', 415],                                // PNG, wrong type
    [frame('bPng'), 'image/jpeg', 400],                               // PNG said to be JPEG
    [jpeg, 'application/json', 415],
    [jpeg, undefined, 415],
  ];
  // a JPEG header claiming 8000 x 5000 pixels (40 MP) with nothing behind it
  const big = Buffer.from(jpeg);
  for (let i = 0; i + 8 < big.length; i++)
    if (big[i] === 0xff && big[i + 1] === 0xc0) {
      big.writeUInt16BE(5000, i + 5);
      big.writeUInt16BE(8000, i + 7);
      break;
    }
  cases.push([big, 'image/jpeg', 413]);
  for (const [body, type, want] of cases) {
    const r = await m.req('POST', '/api/v1/mirror/frame', body, type ? { 'content-type': type } : {});
    assert.equal(r.status, want, `${type} ${body.length} bytes: ${r.text}`);
    assert.equal(typeof r.json.error, 'string');
  }
  // over the body limit (4 MiB by default): refused before it is read
  const huge = await rawPost(srv.base, '/api/v1/mirror/frame',
    { ...m.headers, 'content-type': 'image/jpeg' }, Buffer.alloc(5 << 20, 1));
  assert.equal(huge.status, 413);
  const bad = await postFrame(m, jpeg, '?mode=enrol&phase=up');
  assert.equal(bad.status, 400);
  assert.equal((await srv.anon().get('/healthz')).status, 200);
});

test('roles: staff cannot post frames, a mirror cannot reach staff routes, no token is 401', async () => {
  const mgr = await srv.login();
  assert.equal((await mgr.post('/api/v1/mirror/frame', frame('a'), { 'content-type': 'image/jpeg' })).status, 403);
  assert.equal((await mgr.del('/api/v1/mirror/face')).status, 403);
  const m = srv.mirror();
  assert.equal((await m.get('/api/v1/alerts')).status, 403);
  assert.equal((await m.get('/api/v1/alerts/stream')).status, 403);
  assert.equal((await m.post('/api/v1/alerts/1/ack', {})).status, 403);
  assert.equal((await m.get('/api/v1/users')).status, 403);
  assert.equal((await srv.anon().post('/api/v1/mirror/frame', frame('a'), { 'content-type': 'image/jpeg' })).status, 401);
});

test('a frame answers faces with boxes and a verdict, never descriptors', async () => {
  const m = srv.mirror();
  const r = await postFrame(m, frame('a'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.faces.length, 1);
  assert.equal(r.json.faces[0].box.length, 4);
  assert.ok(r.json.faces[0].box[2] > 150);
  assert.equal(r.json.verdict, 'unknown'); // nobody is enrolled yet
  assert.equal(r.json.logged_in, false);
  assert.ok(!/descriptor|landmarks/.test(r.text));
  const none = await postFrame(m, frame('wall'));
  assert.equal(none.json.verdict, 'no face');
  assert.deepEqual(none.json.faces, []);
});

test('no consent: enrolment is refused; another customer cannot be enrolled', async () => {
  const m = srv.mirror();
  assert.equal((await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id })).status, 403); // nobody logged in
  assert.equal((await pinLogin(m, C)).status, 200);
  const r = await m.post('/api/v1/mirror/enrol/start', { customer_id: C.id });
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.error, /consent/);
  // C is logged in: A's face cannot be enrolled from here
  assert.equal((await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id })).status, 403);
  // no enrolment in progress: an enrolment frame is a conflict
  assert.equal((await postFrame(m, frame('a'), '?mode=enrol&phase=straight')).status, 409);
  assert.equal((await m.post('/api/v1/mirror/enrol/finish')).status, 409);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
});

test('enrolment with consent, then face login after three frames greets the right customer', async () => {
  const m = srv.mirror();
  assert.equal((await pinLogin(m, A)).status, 200);
  const s = await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.enrolling, A.id);
  assert.equal(s.json.progress.complete, false);
  // the gates: no face, several faces, wrong pose
  let r = await postFrame(m, frame('wall'), '?mode=enrol&phase=straight');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, false);
  assert.equal(r.json.reason, 'no face');
  assert.equal(r.json.hint, 'step_in');
  r = await postFrame(m, frame('two'), '?mode=enrol&phase=straight');
  assert.equal(r.json.reason, 'several faces');
  assert.equal(r.json.hint, 'one_person');
  r = await postFrame(m, frame('aLeft'), '?mode=enrol&phase=right');
  assert.equal(r.json.accepted, false);
  assert.match(r.json.reason, /pose/);
  assert.equal(r.json.hint, 'turn_other_way'); // turned left (yaw > 0) when right was asked
  assert.ok(r.json.yaw > 0.15, r.text);
  r = await postFrame(m, frame('aLeft'), '?mode=enrol&phase=straight');
  assert.equal(r.json.hint, 'look_straight');
  assert.equal((await m.post('/api/v1/mirror/enrol/finish')).status, 409); // nothing kept yet
  for (const [name, phase] of [['aStraight', 'straight'], ['aLeft', 'left'], ['aRight', 'right']]) {
    r = await postFrame(m, frame(name), `?mode=enrol&phase=${phase}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.accepted, true, `${name}: ${r.json.reason}`);
    assert.equal(r.json.hint, 'ok');
    assert.equal(r.json.progress[phase], 1);
  }
  assert.equal(r.json.progress.complete, true);
  assert.ok(!/descriptor/.test(r.text));
  const f = await m.post('/api/v1/mirror/enrol/finish');
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.templates, 3);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
  // face login: two frames are not enough, the third logs in
  for (let i = 1; i <= 3; i++) {
    r = await postFrame(m, frame('a'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.verdict, 'match');
    assert.equal(r.json.logged_in, i === 3, `frame ${i}`);
  }
  assert.equal(r.json.login, true);
  assert.deepEqual(r.json.customer, { id: A.id, name: A.name });
  assert.ok(r.json.expressions === undefined || typeof r.json.expressions.sad === 'number');
  const st = await m.get('/api/v1/mirror/state');
  assert.equal(st.json.customer.id, A.id);
  const metrics = await srv.anon().get('/metrics');
  assert.match(metrics.text, /shopper_face_logins_total 1\b/);
});

test('logged in with two faces in the frame: no personal data in the answer', async () => {
  const m = srv.mirror();
  const r = await postFrame(m, frame('two'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.faces.length, 2);
  assert.equal(r.json.logged_in, true);
  assert.equal(r.json.customer, null);
  assert.equal(r.json.privacy, 'several_faces');
  assert.equal(r.json.expressions, undefined);
  assert.equal(r.json.peaks, undefined);
  assert.ok(!r.text.includes(A.name) && !r.text.includes(A.email));
  const one = await postFrame(m, frame('a'));
  assert.equal(one.json.customer.name, A.name);
  assert.equal(one.json.privacy, undefined);
  assert.equal(typeof one.json.groups.frustration, 'number');
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
});

test('a different person is not logged in as the enrolled customer', async () => {
  const m = srv.mirror();
  for (let i = 0; i < 4; i++) {
    const r = await postFrame(m, frame('b'));
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.verdict, 'match');
    assert.equal(r.json.logged_in, false);
  }
});

test('a customer logged in shows no face for the idle time: logged out (enrolment frames count)', async () => {
  const s2 = await startServer({ faces: true, db, args: ['--idle-logout', '1'] });
  try {
    const m = s2.mirror();
    assert.equal((await pinLogin(m, C)).status, 200);
    let r = await postFrame(m, frame('b')); // a face: still here
    assert.equal(r.json.logged_in, true);
    await new Promise((res) => setTimeout(res, 1100));
    r = await postFrame(m, frame('wall'));
    assert.equal(r.json.logout, true);
    assert.equal(r.json.logged_in, false);
    // a mirror that stopped sending frames is logged out when asked for its state
    assert.equal((await pinLogin(m, C)).status, 200);
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await m.get('/api/v1/mirror/state')).json.logged_in, false);
    // registering one's face (enrolment frames, no login frames) is being there
    assert.equal((await pinLogin(m, A)).status, 200);
    assert.equal((await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id })).status, 200);
    await new Promise((res) => setTimeout(res, 600));
    assert.equal((await postFrame(m, frame('aStraight'), '?mode=enrol&phase=straight')).status, 200);
    await new Promise((res) => setTimeout(res, 600));
    assert.equal((await m.get('/api/v1/mirror/state')).json.logged_in, true);
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await m.get('/api/v1/mirror/state')).json.logged_in, false);
  } finally { await s2.stop(); }
});

test('update my face photos, then delete my face data: the face no longer logs in, audited', async () => {
  const m = srv.mirror();
  assert.equal((await m.del('/api/v1/mirror/face')).status, 401); // nobody logged in
  let r;
  for (let i = 0; i < 3; i++) r = await postFrame(m, frame('a'));
  assert.equal(r.json.logged_in, true);
  // "update my face photos": a new enrolment replaces the old templates (3, not 6)
  assert.equal((await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id })).status, 200);
  for (const [name, phase] of [['aStraight', 'straight'], ['aLeft', 'left'], ['aRight', 'right']])
    assert.equal((await postFrame(m, frame(name), `?mode=enrol&phase=${phase}`)).json.accepted, true);
  assert.equal((await m.post('/api/v1/mirror/enrol/finish')).json.templates, 3);
  const d = await m.del('/api/v1/mirror/face');
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.templates_deleted, 3);
  assert.equal((await m.post('/api/v1/mirror/logout')).status, 200);
  for (let i = 0; i < 4; i++) {
    r = await postFrame(m, frame('a'));
    assert.equal(r.json.verdict, 'unknown');
    assert.equal(r.json.logged_in, false);
  }
  // consent went with the face data: a new enrolment needs a new consent
  assert.equal((await pinLogin(m, A)).status, 200);
  assert.equal((await m.post('/api/v1/mirror/enrol/start', { customer_id: A.id })).status, 409);
  const audit = execFileSync('sqlite3', [srv.db, "SELECT action FROM privacy_audit WHERE customer_id = " + A.id + " ORDER BY id"], { encoding: 'utf8' });
  assert.match(audit, /delete/);
});
