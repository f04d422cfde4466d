// bench/descnets/human.mjs - issue 11 item 3 with each network's own crop: Human's face
// description nets run exactly as @vladmandic/human@3.3.6 runs them, by Human itself.
// Human finds the face with its own detector (BlazeFace; box enlarged 1.4x and squared),
// cuts that box out at 192x192 in 0..1 (the tensor its face mesh also gets, no rotation:
// config.face.detector.rotation is false by default) and hands the same tensor to
//   faceres        resized to 224x224 and times 255 (faceres.ts enhance), 1024 numbers;
//   mobilefacenet  resized to 112x112, 0..1 (mobilefacenet.ts predict), 192 numbers;
//   faceres-deep   HSE's deeper net of faceres' family, given the face as faceres is.
// faceres runs inside human.detect (its `embedding`); mobilefacenet, which Human only runs
// instead of faceres, runs here on Human's returned face tensor as mobilefacenet.ts does.
// The largest face of each photo is kept, as `shopper eval faces` does.
//
//   sh bench/descnets/fetch.sh human          (Human's node-wasm build and its detector nets)
//   node bench/descnets/human.mjs describe ../shared/data/faces-calib build/human-desc.jsonl
//   node bench/descnets/human.mjs eer build/human-desc.jsonl
// describe caches every photo's descriptors (one JSON line per photo; an ignored folder,
// they are biometric data of the photos' people); eer prints the equal error rate of all
// same-person / different-person pairs on each half of the people split (even / odd person
// index in name order, as `shopper eval faces --people tune|held-out`) and on everybody,
// Euclidean on the descriptors three ways: L2-normalised, raw (Human's own similarity is a
// Euclidean distance on the raw numbers), and centred on the tune half's mean, then
// L2-normalised.
// Runs on tests/vision's node_modules (tfjs 4.22.0, WASM backend, one thread).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const vision = path.join(here, '../../tests/vision');
const require = createRequire(path.join(vision, 'package.json'));

function usage() {
  process.stderr.write('usage: node bench/descnets/human.mjs describe DIR OUT.jsonl [--limit N]\n'
    + '       node bench/descnets/human.mjs eer DESC.jsonl\n');
  process.exit(2);
}

function list(dir) {
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
}

// serves the model folder on 127.0.0.1 (Human loads models by URL; Node's fetch has no file:)
function serve(dirs) {
  const srv = http.createServer((req, res) => {
    const name = path.basename(decodeURIComponent(req.url.split('?')[0]));
    const file = dirs.map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
    if (!file) { res.writeHead(404); res.end(); return; }
    res.writeHead(200);
    res.end(fs.readFileSync(file));
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv)));
}

async function describe(root, out, limit) {
  const hdir = path.join(here, 'human');
  // Human's bundle requires @tensorflow/tfjs-core, -converter, -backend-wasm: tests/vision's
  const Module = require('node:module');
  process.env.NODE_PATH = path.join(vision, 'node_modules');
  Module._initPaths();
  const H = require(path.join(hdir, 'dist/human.node-wasm.js'));
  const tf = require('@tensorflow/tfjs-core');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const srv = await serve([path.join(here, 'models'), path.join(hdir, 'models')]);
  const base = `http://127.0.0.1:${srv.address().port}/`;
  const config = {
    backend: 'wasm',
    wasmPath: path.join(vision, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'),
    modelBasePath: base,
    debug: false,
    warmup: 'none',
    cacheModels: false,
    skipAllowed: false,
    async: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: { maxDetected: 5, rotation: false, return: true, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true },
      iris: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      description: { enabled: true, skipFrames: 0, skipTime: 0 },
    },
  };
  const human = new H.Human(config);
  await human.load();
  const mfn = await require('@tensorflow/tfjs-converter').loadGraphModel(`${base}mobilefacenet.json`);
  const deep = await require('@tensorflow/tfjs-converter').loadGraphModel(`${base}faceres-deep.json`);
  const people = list(root);
  const fd = fs.openSync(out, 'w');
  let done = 0;
  for (let p = 0; p < people.length; p++) {
    const files = list(path.join(root, people[p]));
    for (let f = 0; f < files.length; f++) {
      if (limit && done >= limit) break;
      const img = require('@cwasm/jpeg-turbo').decode(fs.readFileSync(path.join(root, people[p], files[f])));
      const rgb = new Int32Array(img.width * img.height * 3);
      for (let i = 0; i < img.width * img.height; i++) {
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = img.data[i * 4 + c];
      }
      const input = tf.tensor4d(rgb, [1, img.height, img.width, 3], 'int32');
      const res = await human.detect(input, config);
      tf.dispose(input);
      let best = null;
      for (const face of res.face) {
        if (!best || face.box[2] * face.box[3] > best.box[2] * best.box[3]) best = face;
      }
      const row = { person: p, photo: f, found: Boolean(best && best.embedding && best.embedding.length) };
      if (row.found) {
        row.box = best.box;
        row.faceres = Array.from(best.embedding);
        row.mobilefacenet = tf.tidy(() => {
          const t = best.tensor.shape.length === 3 ? tf.expandDims(best.tensor, 0) : best.tensor;
          const crop = tf.image.resizeBilinear(t, [112, 112], false);
          return Array.from(mfn.execute(crop).dataSync());
        });
        // faceres-deep as faceres.ts runs faceres: the face tensor resized to the net's input
        // (224x224) times 255; the descriptor is the 1024-number global pooling output
        row['faceres-deep'] = tf.tidy(() => {
          const t = best.tensor.shape.length === 3 ? tf.expandDims(best.tensor, 0) : best.tensor;
          const crop = tf.mul(tf.image.resizeBilinear(t, [224, 224], false), 255);
          const outs = deep.execute(crop);
          const emb = (Array.isArray(outs) ? outs : [outs]).find((o) => o.shape[o.shape.length - 1] === 1024);
          return Array.from(emb.dataSync());
        });
      }
      for (const face of res.face) if (face.tensor) tf.dispose(face.tensor);
      fs.writeSync(fd, `${JSON.stringify(row)}\n`);
      done++;
    }
    process.stderr.write(`${p + 1}/${people.length} ${people[p]}\n`);
  }
  fs.closeSync(fd);
  srv.close();
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

// equal error rate of all pairs among rows (person, d) with keep(person), as evalfaces.c:
// false rejects = genuine pairs at >= t, false accepts = impostor pairs < t
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
  return { photos: r.length, eer: out[0], threshold: out[1], genuine: gen.length, impostor: imp.length };
}

// the descriptors as compared: raw, L2-normalised, or the tune half's mean subtracted first
// and then L2-normalised (cosine around the data's centre; the mean is the tune half's only)
function prepare(found, n, how) {
  const dims = found[0][n].length;
  const mu = new Float64Array(dims);
  if (how === 'centred') {
    const tune = found.filter((x) => x.person % 2 === 0);
    for (const x of tune) for (let i = 0; i < dims; i++) mu[i] += x[n][i] / tune.length;
  }
  return found.map((x) => {
    const v = Float32Array.from(x[n], (y, i) => y - mu[i]);
    return { person: x.person, d: how === 'raw' ? v : l2norm(v) };
  });
}

function eers(file) {
  const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const res = { photos: rows.length, no_face: rows.filter((x) => !x.found).length, nets: {} };
  const found = rows.filter((x) => x.found);
  for (const n of ['faceres', 'faceres-deep', 'mobilefacenet'].filter((k) => found[0][k])) {
    for (const how of ['l2norm', 'raw', 'centred']) {
      const r = prepare(found, n, how);
      res.nets[`${n} ${how}`] = {
        dims: r[0]?.d.length,
        tune: eer(r, (p) => p % 2 === 0),
        held_out: eer(r, (p) => p % 2 === 1),
        all: eer(r, () => true),
      };
    }
  }
  process.stdout.write(`${JSON.stringify(res, null, 1)}\n`);
}

const args = process.argv.slice(2);
let limit = 0;
const li = args.indexOf('--limit');
if (li >= 0) { limit = Number(args[li + 1]); args.splice(li, 2); }
if (args[0] === 'describe' && args.length === 3) {
  describe(args[1], args[2], limit).catch((e) => { process.stderr.write(`human: ${e.stack || e}\n`); process.exit(1); });
} else if (args[0] === 'eer' && args.length === 2) {
  eers(args[1]);
} else {
  usage();
}
