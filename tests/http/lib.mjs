// tests/http/lib.mjs - starts a real `shopper serve` on a free port over a copy of the demo
// store, and talks HTTP to it with fetch. Used by every tests/http/*.test.mjs.
//   const srv = await startServer();            // demo store, no face engine
//   const mgr = await srv.login('admin');       // a cookie session with its CSRF token
//   const r = await mgr.get('/api/v1/users');   // { status, json, headers, text }
//   await srv.stop();
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const SHOPPER = resolve(ROOT, process.env.SHOPPER || 'build/shopper');
export const ADMIN_PASSWORD = 'admin-password-for-tests';

let demoDb = process.env.SHOPPER_TEST_DEMO_DB;

// the demo store, made once per process unless the test script made it already
export function demoStore() {
  if (!demoDb || !existsSync(demoDb)) {
    const dir = mkdtempSync(join(tmpdir(), 'shopper-demo-'));
    demoDb = join(dir, 'demo.db');
    execFileSync(SHOPPER, ['demo', '--db', demoDb, '--start', '2026-01-01'], { stdio: 'ignore' });
  }
  return demoDb;
}

export async function startServer({ faces = false, args = [], db = null, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'shopper-srv-'));
  const file = join(dir, 'shop.db');
  const src = db || demoStore();
  copyFileSync(src, file);
  // the face key file travels with the store (sealed templates are unreadable without it)
  if (existsSync(`${src}-keys`)) copyFileSync(`${src}-keys`, `${file}-keys`);
  const argv = ['serve', '--db', file, '--port', '0', '--web', join(ROOT, 'web'), ...args];
  if (faces) argv.push('--models', join(ROOT, 'models'));
  else argv.push('--no-faces');
  const proc = spawn(SHOPPER, argv, {
    env: { ...process.env, SHOPPER_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const deadline = Date.now() + 20000;
  let m;
  while (!(m = out.match(/serving http:\/\/([\w.:-]+):(\d+)\//))) {
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`server did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const base = `http://127.0.0.1:${m[2]}`; // "localhost" may resolve to ::1 first
  const pair = out.match(/#pair=([A-Za-z0-9_-]+)/);
  const srv = {
    base, dir, db: file, proc, exited,
    port: Number(m[2]),
    mirrorToken: pair ? pair[1] : null,
    stdout: () => out,
    stderr: () => err,
    anon: () => client(base, {}),
    mirror: (token = srv.mirrorToken) => client(base, { authorization: `Bearer ${token}` }),
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const r = await request(base, 'POST', '/api/v1/auth/login', { username, password });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
      const cookie = r.headers.get('set-cookie').split(';')[0];
      return client(base, { cookie, 'x-csrf-token': r.json.csrf }, r.json);
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      const e = await exited;
      rmSync(dir, { recursive: true, force: true });
      return e;
    },
  };
  return srv;
}

export async function request(base, method, path, body, headers = {}) {
  const h = { ...headers };
  let payload;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) payload = body;
  else if (typeof body === 'string') payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!h['content-type']) h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

function client(base, headers, me = null) {
  const c = {
    me, headers,
    req: (method, path, body, extra = {}) => request(base, method, path, body, { ...headers, ...extra }),
    get: (path, extra) => c.req('GET', path, undefined, extra),
    post: (path, body, extra) => c.req('POST', path, body, extra),
    put: (path, body, extra) => c.req('PUT', path, body, extra),
    del: (path, extra) => c.req('DELETE', path, undefined, extra),
  };
  return c;
}
