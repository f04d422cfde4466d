// bench/dashboard_paint.mjs - the Manager Dashboard's first paint in Debian's chromium on a
// store: a logged-in manager opens /manager/ (the sales page, all dates); prints the first
// contentful paint and the time until the page is drawn with its data (the 'dashboard-ready'
// mark), from the Performance API, median of RUNS loads after one warm-up.
//   node bench/dashboard_paint.mjs LABEL STORE.db [LABEL STORE.db ...]
// Goal (issue 10): under 1 s on the demo store, under 2 s on a 100,000-customer store.
// The server runs on the store itself (no copy): give it a scratch store.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from '../tests/http/lib.mjs';
import { openBrowser } from '../tests/browser/lib.mjs';

const SHOPPER = resolve(ROOT, process.env.SHOPPER || 'build/shopper');
const RUNS = Number(process.env.RUNS || 5);
const PASSWORD = 'bench-admin-password';

async function serve(db) {
  const proc = spawn(SHOPPER, ['serve', '--db', db, '--port', '0', '--no-faces', '--web', resolve(ROOT, 'web')], {
    env: { ...process.env, SHOPPER_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 120000;
  let m;
  while (!(m = out.match(/serving http:\/\/[\w.:-]+:(\d+)\//))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base: `http://127.0.0.1:${m[1]}`, stop: () => new Promise((r) => { proc.on('exit', r); proc.kill('SIGTERM'); }) };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function bench(label, db) {
  const srv = await serve(db);
  const b = await openBrowser();
  try {
    const { page } = b;
    await page.goto(srv.base + '/manager/#/sales?range=all');
    await page.fill('#login-user', 'admin');
    await page.fill('#login-pass', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready="sales"]', { timeout: 120000 });
    const fcp = [], ready = [];
    for (let i = 0; i <= RUNS; i++) {
      await page.reload();
      await page.waitForSelector('body[data-ready="sales"]', { timeout: 120000 });
      const p = await page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        ready: performance.getEntriesByName('dashboard-ready')[0].startTime,
      }));
      if (i === 0) continue; // warm-up: the server's caches
      fcp.push(p.fcp);
      ready.push(p.ready);
    }
    console.log(`${label.padEnd(44)} first contentful paint ${Math.round(median(fcp))} ms, sales page with data ${Math.round(median(ready))} ms (median of ${RUNS}; max ${Math.round(Math.max(...ready))} ms)`);
  } finally {
    await b.browser.close();
    await srv.stop();
  }
}

const args = process.argv.slice(2);
for (let i = 0; i + 1 < args.length; i += 2) await bench(args[i], args[i + 1]);
