// tests/http/frames.mjs - camera frames (640x480 JPEGs) cut from face-api's demo photos in
// models/samples with the test tool vision_topng (crop, flip, scale; .jpg output), for the
// mirror and alert tests. The boxes below come from `shopper faces` on those photos (fixed
// files, checked by sha256 in `make models`).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, SHOPPER } from './lib.mjs';

export const TOPNG = join(dirname(SHOPPER), 'vision_topng');
const SAMPLES = join(ROOT, 'models', 'samples');
export const haveModels = existsSync(join(SAMPLES, 'sample6.jpg')) && existsSync(TOPNG);

// sample2's right-hand woman ("A", sad: frustration ~70 %) in four poses, its middle woman
// ("B", another person), and sample6's middle man with a second face beside him
const RECIPES = {
  a: ['sample2.jpg', 'crop 1223 34 640 480'],                       // yaw -0.15: straight
  aRight: ['sample2.jpg', 'crop 1120 0 800 600 scale 640 480'],      // yaw -0.18
  aLeft: ['sample2.jpg', 'crop 1120 0 800 600 flip scale 640 480'],  // yaw +0.18
  aStraight: ['sample2.jpg', 'crop 1367 82 512 384 flip scale 640 480'], // yaw +0.10
  b: ['sample2.jpg', 'crop 657 96 640 480'],
  two: ['sample6.jpg', 'crop 954 204 640 480'],                      // two faces
  wall: ['sample1.jpg', 'crop 0 0 300 200 canvas 640 480'],          // no face
  bPng: ['sample2.jpg', 'crop 657 96 640 480', 'png'],
};

let dir = null;
const cache = {};
// the file of a frame (made once per process)
export function framePath(name) {
  const [src, ops, kind] = RECIPES[name];
  dir = dir || mkdtempSync(join(tmpdir(), 'shopper-frames-'));
  const out = join(dir, `${name}.${kind || 'jpg'}`);
  if (!existsSync(out))
    execFileSync(TOPNG, [join(SAMPLES, src), out, ...ops.split(' ')], { stdio: 'ignore' });
  return out;
}
export function frame(name) {
  if (!cache[name]) cache[name] = readFileSync(framePath(name));
  return cache[name];
}

// posts a frame at a mirror (a client from srv.mirror()); query like '?mode=enrol&phase=left'
export function postFrame(m, body, query = '', type = 'image/jpeg') {
  return m.post(`/api/v1/mirror/frame${query}`, body, { 'content-type': type });
}

// runs the CLI on a store (another process, as staff at a terminal would)
export function cli(args, env = {}) {
  return execFileSync(SHOPPER, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
}

// a POST with "Expect: 100-continue": the body goes only when the server asks for it, so an
// answer before the body (413 for a declared length over the limit) arrives cleanly
export function rawPost(base, path, headers, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(base + path);
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { ...headers, 'content-length': body.length, expect: '100-continue' } }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (e) => { if (!answered) reject(e); });
    req.on('continue', () => req.end(body));
  });
}
