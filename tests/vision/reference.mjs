// tests/vision/reference.mjs - the reference side of the vision tests: @vladmandic/face-api
// 1.7.15's own Node pipeline (dist/face-api.node-wasm.js) on tfjs 4.22.0's WASM backend, one
// thread. For each image it prints what `shopper faces --json` prints, so the two can be
// compared face by face (tests/vision/compare.mjs).
//
//   node tests/vision/reference.mjs [--detector ssd|tiny] [--models DIR] IMAGE.png|jpg ...
//   node tests/vision/reference.mjs --bench N [--detector ssd|tiny] IMAGE   (ms per frame)
//     prints per frame wall and CPU ms of the whole pipeline, then of each network called
//     on its own as the pipeline calls it (input preparation + inference + decoding; the
//     crops are cut outside the timer), as "reference DET net NAME ms: X cpu-ms: Y"
//   node tests/vision/reference.mjs --to-png OUT.png IMAGE.jpg    (decode only)
//   --jpeg-decoder turbo|jpeg-js    (default turbo)
//
// Pixels: PNG is decoded with pngjs; JPEG with libjpeg-turbo built to WebAssembly
// (@cwasm/jpeg-turbo: default settings, as browsers decode) or with the pure-JS jpeg-js. Both
// give 8-bit RGB, alpha dropped, no EXIF rotation, passed as an int32 [H, W, 3] tensor as the
// package's demo/node-wasm.js does. jpeg-js upsamples chroma by pixel replication, so its
// pixels differ from libjpeg-turbo's by up to ~30 levels on edges, and the landmark crops,
// hence the descriptors, move with them (measured: up to 0.13 Euclidean on the samples).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
  process.stderr.write(`reference: ${msg}\n` +
    'usage: node reference.mjs [--detector ssd|tiny] [--models DIR] [--bench N] IMAGE...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { detector: 'ssd', models: null, bench: 0, toPng: null, jpeg: 'turbo', images: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--detector') o.detector = val();
    else if (a === '--models') o.models = val();
    else if (a === '--bench') o.bench = Number(val());
    else if (a === '--to-png') o.toPng = val();
    else if (a === '--jpeg-decoder') o.jpeg = val();
    else if (a.startsWith('--')) usage(`unknown flag '${a}'`);
    else o.images.push(a);
  }
  if (!['ssd', 'tiny'].includes(o.detector)) usage(`unknown detector '${o.detector}'`);
  if (!['turbo', 'jpeg-js'].includes(o.jpeg)) usage(`unknown JPEG decoder '${o.jpeg}'`);
  if (!(o.bench >= 0 && Number.isInteger(o.bench))) usage('--bench needs a count');
  if (o.images.length === 0) usage('no image given');
  return o;
}

// 8-bit RGB pixels of a PNG or JPEG file: { width, height, rgb: Uint8Array }
function decodeImage(file, jpegDecoder) {
  const buf = fs.readFileSync(file);
  let width, height, src, channels;
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
    const { PNG } = require('pngjs');
    // 16-bit samples are scaled to 8 bits; palette and gray are expanded to RGBA
    const png = PNG.sync.read(buf, { skipRescale: false });
    ({ width, height } = png);
    src = png.data; channels = 4;
  } else if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && jpegDecoder === 'turbo') {
    const img = require('@cwasm/jpeg-turbo').decode(buf); // RGBA
    ({ width, height } = img);
    src = img.data; channels = 4;
  } else if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8) {
    const jpeg = require('jpeg-js');
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100 });
    ({ width, height } = img);
    src = img.data; channels = src.length === width * height * 4 ? 4 : 3;
  } else {
    throw new Error(`${file}: not a PNG or JPEG image`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    rgb[3 * i] = src[j]; rgb[3 * i + 1] = src[j + 1]; rgb[3 * i + 2] = src[j + 2];
  }
  return { width, height, rgb };
}

function writePng(file, { width, height, rgb }) {
  const { PNG } = require('pngjs');
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb);
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

async function loadFaceApi(modelsDir) {
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  // local binaries (no CDN), and one thread: the non-threaded SIMD build is chosen when the
  // environment says there is no multithread support
  wasm.setWasmPaths(path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  wasm.setThreadsCount(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  if (tf.getBackend() !== 'wasm') throw new Error(`backend is ${tf.getBackend()}, not wasm`);
  const dir = modelsDir || path.join(here, 'node_modules/@vladmandic/face-api/model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
  await faceapi.nets.tinyFaceDetector.loadFromDisk(dir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(dir);
  await faceapi.nets.ageGenderNet.loadFromDisk(dir);
  return { tf, faceapi, wasm };
}

const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];

async function detect(api, img, detector) {
  const { tf, faceapi } = api;
  const tensor = tf.tensor3d(Int32Array.from(img.rgb), [img.height, img.width, 3], 'int32');
  const options = detector === 'tiny'
    ? new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 })
    : new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  const results = await faceapi.detectAllFaces(tensor, options)
    .withFaceLandmarks()
    .withFaceExpressions()
    .withAgeAndGender()
    .withFaceDescriptors();
  tensor.dispose();
  return results;
}

function toJson(file, img, results) {
  const faces = results.map((r) => {
    const b = r.detection.box;
    return {
      box: [b.x, b.y, b.width, b.height],
      score: r.detection.score,
      landmarks: r.landmarks.positions.map((p) => [p.x, p.y]),
      descriptor: Array.from(r.descriptor),
      expressions: Object.fromEntries(EXPRESSIONS.map((k) => [k, r.expressions[k]])),
      age: r.age,
      gender: r.gender,
      gender_probability: r.genderProbability,
    };
  });
  faces.sort((a, b) => b.score - a.score); // stable: ties keep the detector's order
  return { image: file, width: img.width, height: img.height, faces };
}

// wall ms and process CPU ms of fn()
async function timed(api, fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [ms, (c.user + c.system) / 1000];
}

// each network alone, on the inputs the pipeline gives it for this frame
async function benchNets(api, img, detector, frames) {
  const { tf, faceapi } = api;
  const tensor = tf.tensor3d(Int32Array.from(img.rgb), [img.height, img.width, 3], 'int32');
  const [r] = await detect(api, img, detector);
  if (!r) throw new Error('no face in the bench image');
  const crop = async (box) => (await faceapi.extractFaceTensors(tensor, [box]))[0];
  const lmFace = await crop(r.detection);
  const alignedFace = await crop(r.alignedRect);
  const dlibFace = await crop(r.landmarks.align(null, { useDlibAlignment: true }));
  const det = detector === 'tiny'
    ? ['tiny', () => faceapi.nets.tinyFaceDetector.locateFaces(tensor,
      new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))]
    : ['ssd', () => faceapi.nets.ssdMobilenetv1.locateFaces(tensor,
      new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }))];
  const nets = [det,
    ['landmarks68', () => faceapi.nets.faceLandmark68Net.detectLandmarks(lmFace)],
    ['expressions', () => faceapi.nets.faceExpressionNet.predictExpressions(alignedFace)],
    ['age_gender', () => faceapi.nets.ageGenderNet.predictAgeAndGender(alignedFace)],
    ['descriptor', () => faceapi.nets.faceRecognitionNet.computeFaceDescriptor(dlibFace)]];
  for (const [name, fn] of nets) {
    await fn(); // warm-up
    let ms = 0, cpu = 0;
    for (let i = 0; i < frames; i++) {
      const [a, b] = await timed(api, fn);
      ms += a; cpu += b;
    }
    process.stdout.write(`reference ${detector} net ${name} ms: ${(ms / frames).toFixed(2)} ` +
      `cpu-ms: ${(cpu / frames).toFixed(2)}\n`);
  }
  for (const t of [tensor, lmFace, alignedFace, dlibFace]) t.dispose();
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.toPng) {
    writePng(o.toPng, decodeImage(o.images[0], o.jpeg));
    return;
  }
  const api = await loadFaceApi(o.models);
  if (o.bench > 0) {
    const img = decodeImage(o.images[0], o.jpeg);
    await detect(api, img, o.detector); // warm-up: compiles the WASM kernels once
    let faces = 0;
    const [ms, cpu] = await timed(api, async () => {
      for (let i = 0; i < o.bench; i++) faces += (await detect(api, img, o.detector)).length;
    });
    process.stdout.write(`reference ${o.detector}-frame ms: ${(ms / o.bench).toFixed(1)} ` +
      `cpu-ms: ${(cpu / o.bench).toFixed(1)}\n`);
    await benchNets(api, img, o.detector, o.bench);
    const simd = await api.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    process.stderr.write(`reference: ${o.bench} frames, ${faces / o.bench} faces per frame, ` +
      `backend ${api.tf.getBackend()}, simd ${simd}, threads ${api.wasm.getThreadsCount()}\n`);
    return;
  }
  const out = [];
  for (const file of o.images) {
    const img = decodeImage(file, o.jpeg);
    out.push(toJson(file, img, await detect(api, img, o.detector)));
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`reference: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
