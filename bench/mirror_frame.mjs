// bench/mirror_frame.mjs - POST /api/v1/mirror/frame over HTTP (one client, keep-alive, a
// 640x480 JPEG with one face) against the engine in process (`shopper bench-faces --login
// --decode` on the same JPEG: the work a mirror frame asks of the engine - the JPEG decoded,
// SSD, landmarks, the login descriptor and expressions of the largest face - without HTTP,
// the login rule, the store or the answer), alternating rounds so both see the same load.
//   SHOPPER=build/shopper node bench/mirror_frame.mjs [FRAMES] [ROUNDS]
import { execFileSync } from 'node:child_process';
import { startServer, SHOPPER, ROOT } from '../tests/http/lib.mjs';
import { frame, framePath, postFrame } from '../tests/http/frames.mjs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const N = Number(process.argv[2] || 60), ROUNDS = Number(process.argv[3] || 3);
// CPU seconds a process has used (utime + stime, /proc, 100 ticks a second): on a shared
// machine wall times carry other processes' load, CPU times much less
const cpuOf = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
const jpeg = frame('b');
const srv = await startServer({ faces: true, args: ['--quiet', '--threads', '1'] });
const m = srv.mirror();
const http = [], engine = [], engineCpu = [];
let serverCpu = 0;
try {
for (let i = 0; i < 5; i++) await postFrame(m, jpeg); // warm-up: runtimes built
for (let r = 0; r < ROUNDS; r++) {
  const c0 = cpuOf(srv.proc.pid);
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    const res = await postFrame(m, jpeg);
    http.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200 || res.json.faces.length !== 1) throw new Error(res.text);
  }
  serverCpu += cpuOf(srv.proc.pid) - c0;
  const out = JSON.parse(execFileSync(SHOPPER, ['bench-faces', framePath('b'), '--detector', 'ssd',
    '--login', '--decode', '--frames', String(N), '--threads', '1', '--models', join(ROOT, 'models'), '--json'], { encoding: 'utf8' }));
  engine.push(out.frame_ms);
  engineCpu.push(out.frame_cpu_ms);
}
} catch (e) {
  console.error(srv.stderr().slice(-2000));
  throw e;
}
await srv.stop();
http.sort((a, b) => a - b);
const eng = engine.reduce((a, b) => a + b, 0) / engine.length;
const mean = http.reduce((a, b) => a + b, 0) / http.length;
console.log(`  POST /api/v1/mirror/frame (640x480 JPEG, one face, one client, ${http.length} frames): ${(1000 / mean).toFixed(1)} frames/s, p50 ${q(http, 0.5).toFixed(1)} ms, p99 ${q(http, 0.99).toFixed(1)} ms, mean ${mean.toFixed(1)} ms`);
console.log(`  bench-faces --login --decode in process (same JPEG, mean of ${engine.length} runs of ${N}): ${(1000 / eng).toFixed(1)} frames/s, ${eng.toFixed(1)} ms per frame [${engine.map((x) => x.toFixed(1)).join(', ')}]`);
const srvCpuMs = serverCpu * 1000 / http.length, engCpuMs = engineCpu.reduce((a, b) => a + b, 0) / engineCpu.length;
console.log(`  CPU per frame: the server process ${srvCpuMs.toFixed(1)} ms (decode, HTTP, analysis, answer; every thread), the engine ${engCpuMs.toFixed(1)} ms (its frame thread): ${((srvCpuMs / engCpuMs - 1) * 100).toFixed(1)} % over`);
console.log(`  HTTP / engine: mean ${(mean / eng).toFixed(3)} (${((mean / eng - 1) * 100).toFixed(1)} % over the engine; goal < 10 %), p50 ${(q(http, 0.5) / eng).toFixed(3)}`);
