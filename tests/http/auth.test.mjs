// Accounts, login sessions, CSRF, roles and mirror tokens, from outside over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, ADMIN_PASSWORD } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('health and metrics need no login', async () => {
  const h = await srv.anon().get('/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  const m = await srv.anon().get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /text\/plain/);
  assert.match(m.text, /shopper_http_requests_total\{route="GET \/healthz",status="200"\} \d+/);
  assert.match(m.text, /shopper_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
  assert.match(m.text, /shopper_open_alerts \d+/);
});

test('the first start printed the admin account and a pairing link, not the password', () => {
  assert.match(srv.stdout(), /Manager login: admin/);
  assert.ok(!srv.stdout().includes(ADMIN_PASSWORD));
  assert.ok(!srv.stderr().includes(ADMIN_PASSWORD));
  assert.ok(srv.mirrorToken && srv.mirrorToken.length === 43);
});

test('no cookie is 401 with a JSON error', async () => {
  const r = await srv.anon().get('/api/v1/users');
  assert.equal(r.status, 401);
  assert.equal(r.json.code, 'unauthorized');
  assert.equal(typeof r.json.error, 'string');
});

test('login sets an HttpOnly SameSite=Strict cookie and returns the CSRF token', async () => {
  const r = await request(srv.base, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(r.status, 200);
  const c = r.headers.get('set-cookie');
  assert.match(c, /^shopper_session=[A-Za-z0-9_-]{43};/);
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Strict/);
  assert.equal(r.json.role, 'manager');
  assert.equal(r.json.csrf.length, 43);
});

test('a wrong password and an unknown user get the same 401', async () => {
  const a = await request(srv.base, 'POST', '/api/v1/auth/login', { username: 'admin', password: 'wrong-password!' });
  const b = await request(srv.base, 'POST', '/api/v1/auth/login', { username: 'nobody', password: 'wrong-password!' });
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.json.error, b.json.error);
});

test('writes without the CSRF header are 403; with it they work', async () => {
  const mgr = await srv.login();
  const no = await srv.anon().req('POST', '/api/v1/users', { username: 'x', role: 'staff', password: '0123456789' },
    { cookie: mgr.headers.cookie });
  assert.equal(no.status, 403);
  assert.equal(no.json.code, 'csrf');
  const wrong = await mgr.post('/api/v1/users', { username: 'x', role: 'staff', password: '0123456789' },
    { 'x-csrf-token': 'A'.repeat(43) });
  assert.equal(wrong.status, 403);
  const ok = await mgr.post('/api/v1/users', { username: 'sam', role: 'staff', password: 'staff-password-1' });
  assert.equal(ok.status, 201);
  assert.equal(ok.json.username, 'sam');
  assert.equal(ok.json.role, 'staff');
  const dup = await mgr.post('/api/v1/users', { username: 'sam', role: 'staff', password: 'staff-password-1' });
  assert.equal(dup.status, 409);
  const weak = await mgr.post('/api/v1/users', { username: 'kim', role: 'staff', password: 'short' });
  assert.equal(weak.status, 400);
});

test('staff cannot manage accounts or mirrors', async () => {
  const mgr = await srv.login();
  await mgr.post('/api/v1/users', { username: 'lee', role: 'staff', password: 'staff-password-2' });
  const staff = await srv.login('lee', 'staff-password-2');
  assert.equal(staff.me.role, 'staff');
  assert.equal((await staff.get('/api/v1/users')).status, 403);
  assert.equal((await staff.post('/api/v1/mirrors', { name: 'm9' })).status, 403);
  assert.equal((await staff.get('/api/v1/auth/me')).json.user.username, 'lee');
});

test('a mirror token reaches only the mirror side', async () => {
  const m = srv.mirror();
  const me = await m.get('/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.role, 'mirror');
  assert.equal(me.json.device.name, 'mirror-1');
  assert.equal((await m.get('/api/v1/users')).status, 403);
  const bad = await srv.mirror('B'.repeat(43)).get('/api/v1/auth/me');
  assert.equal(bad.status, 401);
});

test('pairing and revoking a mirror', async () => {
  const mgr = await srv.login();
  const noLoc = await mgr.post('/api/v1/mirrors', { name: 'mirror-no-location' });
  assert.equal(noLoc.status, 201);
  assert.equal(noLoc.json.mirror.location, '');
  const p = await mgr.post('/api/v1/mirrors', { name: 'mirror-2', location: 'Entrance' });
  assert.equal(p.status, 201);
  assert.match(p.json.pairing_path, /^\/mirror\/#pair=[A-Za-z0-9_-]{43}$/);
  const m2 = srv.mirror(p.json.token);
  assert.equal((await m2.get('/api/v1/auth/me')).status, 200);
  const list = await mgr.get('/api/v1/mirrors');
  assert.ok(list.json.mirrors.some((d) => d.name === 'mirror-2' && d.revoked_at === null));
  assert.equal((await mgr.del(`/api/v1/mirrors/${p.json.mirror.id}`)).status, 200);
  assert.equal((await m2.get('/api/v1/auth/me')).status, 401);
});

test('a new password ends the sessions of that user; logout ends one', async () => {
  const mgr = await srv.login();
  await mgr.post('/api/v1/users', { username: 'ana', role: 'staff', password: 'staff-password-3' });
  const ana = await srv.login('ana', 'staff-password-3');
  assert.equal((await ana.get('/api/v1/auth/me')).status, 200);
  assert.equal((await mgr.put('/api/v1/users/ana/password', { password: 'staff-password-4' })).status, 200);
  assert.equal((await ana.get('/api/v1/auth/me')).status, 401);
  const ana2 = await srv.login('ana', 'staff-password-4');
  assert.equal((await ana2.post('/api/v1/auth/logout', {})).status, 200);
  assert.equal((await ana2.get('/api/v1/auth/me')).status, 401);
});

test('the last manager cannot be removed', async () => {
  const mgr = await srv.login();
  const r = await mgr.del('/api/v1/users/admin');
  assert.equal(r.status, 409);
});

test('failed logins are rate-limited per account (429)', async () => {
  const mgr = await srv.login();
  await mgr.post('/api/v1/users', { username: 'victim', role: 'staff', password: 'staff-password-5' });
  let last;
  for (let i = 0; i < 6; i++)
    last = await request(srv.base, 'POST', '/api/v1/auth/login', { username: 'victim', password: `guess-number-${i}` });
  assert.equal(last.status, 429);
  assert.ok(last.headers.get('retry-after'));
  // even the right password is refused while the account is locked
  const right = await request(srv.base, 'POST', '/api/v1/auth/login', { username: 'victim', password: 'staff-password-5' });
  assert.equal(right.status, 429);
});

test('errors are JSON with the right status', async () => {
  const a = srv.anon();
  assert.equal((await a.get('/api/v1/no-such-route')).status, 404);
  const m = await a.req('DELETE', '/api/v1/auth/login');
  assert.equal(m.status, 405);
  const broken = await a.post('/api/v1/auth/login', '{"username": "admin", ', { 'content-type': 'application/json' });
  assert.equal(broken.status, 400);
  assert.equal(broken.json.code, 'bad_request');
  const notObj = await a.post('/api/v1/auth/login', '[1,2]', { 'content-type': 'application/json' });
  assert.equal(notObj.status, 400);
  const big = await a.post('/api/v1/auth/login', 'x'.repeat(200 * 1024), { 'content-type': 'application/json' });
  assert.equal(big.status, 413);
  const badUtf8 = await a.post('/api/v1/auth/login', new Uint8Array([0x7b, 0x22, 0x75, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    { 'content-type': 'application/json' });
  assert.equal(badUtf8.status, 400);
});

test('static files: landing page, no traversal, content types', async () => {
  const a = srv.anon();
  const home = await a.get('/');
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-type'), /text\/html/);
  assert.match(home.text, /\/manager\//);
  assert.match(home.text, /\/mirror\//);
  assert.ok(home.headers.get('content-security-policy'));
  const etag = home.headers.get('etag');
  assert.equal((await a.get('/', { 'if-none-match': etag })).status, 304);
  for (const p of ['/../Makefile', '/%2e%2e/Makefile', '/mirror/%2e%2e/%2e%2e/Makefile', '/.git/config', '/..%2fMakefile'])
    assert.ok([400, 404].includes((await a.get(p)).status), p);
  const redirect = await a.get('/manager');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/manager/');
});

test('SIGTERM stops the server cleanly', async () => {
  const s2 = await startServer();
  const e = await s2.stop('SIGTERM');
  assert.equal(e.code, 0);
});

test('a mirror starts with nobody logged in; a wrong PIN is 401', async () => {
  const m = srv.mirror();
  const s = await m.get('/api/v1/mirror/state');
  assert.equal(s.status, 200);
  assert.equal(s.json.logged_in, false);
  assert.equal(s.json.customer, null);
  assert.equal(s.json.mirror.name, 'mirror-1');
  const bad = await m.post('/api/v1/mirror/login', { email: 'nobody@example.com', pin: '1234' });
  assert.equal(bad.status, 401);
  assert.equal((await (await srv.login()).get('/api/v1/mirror/state')).status, 403);
});

test('the CLI and the API print the same users and mirrors objects', async () => {
  const { execFileSync } = await import('node:child_process');
  const { SHOPPER } = await import('./lib.mjs');
  const mgr = await srv.login();
  const api = await mgr.get('/api/v1/users');
  const cli = JSON.parse(execFileSync(SHOPPER, ['users', 'list', '--json', '--db', srv.db], { encoding: 'utf8' }));
  assert.deepEqual(cli, api.json);
  const apiM = await mgr.get('/api/v1/mirrors');
  const cliM = JSON.parse(execFileSync(SHOPPER, ['mirrors', 'list', '--json', '--db', srv.db], { encoding: 'utf8' }));
  assert.deepEqual(cliM, apiM.json);
});

test('shopper users: add from standard input, refuse weak passwords in one line', async () => {
  const { spawnSync } = await import('node:child_process');
  const { SHOPPER } = await import('./lib.mjs');
  const ok = spawnSync(SHOPPER, ['users', 'add', 'cli-user', '--role', 'staff', '--db', srv.db], { input: 'cli-password-1\n', encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const staff = await srv.login('cli-user', 'cli-password-1');
  assert.equal(staff.me.role, 'staff');
  const weak = spawnSync(SHOPPER, ['users', 'add', 'weak', '--db', srv.db], { input: 'short\n', encoding: 'utf8' });
  assert.notEqual(weak.status, 0);
  assert.match(weak.stderr, /^shopper: .*10 to 256 characters\n$/);
  const role = spawnSync(SHOPPER, ['users', 'add', 'boss', '--role', 'owner', '--db', srv.db], { input: 'cli-password-2\n', encoding: 'utf8' });
  assert.notEqual(role.status, 0);
  const dup = spawnSync(SHOPPER, ['users', 'add', 'cli-user', '--db', srv.db], { input: 'cli-password-3\n', encoding: 'utf8' });
  assert.equal(dup.status, 4); // conflict
});

// the event threads answer a known caller from memory while nothing was committed to the
// store (auth_peek_cached): a revocation or a logout by another process is seen at once
test('a caller kept in memory is refused at once after another process revokes it', async () => {
  const { cli } = await import('./frames.mjs');
  const { execFileSync } = await import('node:child_process');
  const { createHash } = await import('node:crypto');
  const mgr = await srv.login();
  const p = await mgr.post('/api/v1/mirrors', { name: 'mirror-cached' });
  assert.equal(p.status, 201);
  const m = srv.mirror(p.json.token);
  for (let i = 0; i < 3; i++) assert.equal((await m.get('/api/v1/products?limit=1')).status, 200);
  cli(['mirrors', 'revoke', String(p.json.mirror.id), '--db', srv.db]);
  assert.equal((await m.get('/api/v1/products?limit=1')).status, 401);

  const other = await srv.login();
  for (let i = 0; i < 3; i++) assert.equal((await other.get('/api/v1/kpi')).status, 200);
  const hash = createHash('sha256').update(other.headers.cookie.split('=')[1]).digest('hex');
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db,
    `DELETE FROM auth_sessions WHERE token_hash = '${hash}'`]);
  assert.equal((await other.get('/api/v1/kpi')).status, 401);
  assert.equal((await mgr.get('/api/v1/kpi')).status, 200);
});
