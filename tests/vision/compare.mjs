// tests/vision/compare.mjs - checks `shopper faces --json` against the reference
// (reference.mjs), face by face, printing one PASS/FAIL line per check and a final
// "N passed, N failed" line. Steps, any number, in order:
//   exact OURS.json REF.json    same pixels on both sides (PNG): same faces; box and landmarks
//                               within 0.05 px, score, expressions and gender probability
//                               within 1e-4, descriptor within 1e-4 (max abs), age 0.01 years
//   jpeg OURS.json REF.json     each side decoded the JPEG itself: same faces (IoU >= 0.9),
//                               descriptors within 0.02 Euclidean
//   sane REF.json               the reference output is well formed and plausible
//   expect REF.json NAME N      the image whose path ends with NAME has N faces
//   fail MESSAGE                a failed check (e.g. a side that could not run)
import fs from 'node:fs';
import path from 'node:path';

const TOL = { px: 0.05, prob: 1e-4, desc: 1e-4, age: 0.01, jpegDesc: 0.02, jpegIou: 0.9 };
const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
let passed = 0;
let failed = 0;

function check(ok, what, detail) {
  if (ok) passed++; else failed++;
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}\n`);
}

function load(file) {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!Array.isArray(v)) throw new Error('not a JSON array');
    return v;
  } catch (e) {
    check(false, `read ${file}`, e.message);
    return null;
  }
}

const num = (x) => typeof x === 'number' && Number.isFinite(x);
const isPair = (p) => Array.isArray(p) && p.length === 2 && num(p[0]) && num(p[1]);

// why a face object is malformed, or '' when it is well formed
function malformed(f) {
  if (!f || typeof f !== 'object') return 'not an object';
  if (!Array.isArray(f.box) || f.box.length !== 4 || !f.box.every(num)) return 'box';
  if (!num(f.score)) return 'score';
  if (!Array.isArray(f.landmarks) || f.landmarks.length !== 68 || !f.landmarks.every(isPair)) return 'landmarks';
  if (!Array.isArray(f.descriptor) || f.descriptor.length !== 128 || !f.descriptor.every(num)) return 'descriptor';
  if (!f.expressions || !EXPRESSIONS.every((k) => num(f.expressions[k]))) return 'expressions';
  if (!num(f.age) || !['male', 'female'].includes(f.gender) || !num(f.gender_probability)) return 'age/gender';
  return '';
}

function iou(a, b) {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

// pairs each reference face with the unused face of ours that overlaps it most
function match(ref, ours) {
  const used = new Set();
  return ref.map((r) => {
    let best = -1;
    let bestIou = 0;
    ours.forEach((o, k) => {
      const v = used.has(k) ? 0 : iou(r.box, o.box);
      if (v > bestIou) { bestIou = v; best = k; }
    });
    if (best >= 0) used.add(best);
    return { r, o: best >= 0 ? ours[best] : null, iou: bestIou };
  });
}

const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const fmt = (x) => x.toExponential(2);

// the images of both files, paired by position; checks that they name the same images
function pairImages(label, ours, ref) {
  const ok = ours.length === ref.length &&
    ours.every((o, i) => path.basename(String(o.image)) === path.basename(String(ref[i].image)));
  check(ok, `${label}: same images`, ok ? `${ref.length}` : `ours ${ours.length}, reference ${ref.length}`);
  return ok ? ref.map((r, i) => [ours[i], r]) : [];
}

function exact(oursFile, refFile) {
  const ours = load(oursFile);
  const ref = load(refFile);
  if (!ours || !ref) return;
  const label = path.basename(oursFile, '.json');
  for (const [o, r] of pairImages(label, ours, ref)) {
    const name = `${label} ${path.basename(r.image)}`;
    const bad = (o.faces || []).map(malformed).find((m) => m);
    const sameN = Array.isArray(o.faces) && o.faces.length === r.faces.length && !bad;
    check(sameN && o.width === r.width && o.height === r.height, `${name}: ${r.faces.length} faces, ${r.width}x${r.height}`,
      sameN ? '' : bad ? `malformed ${bad}` : `ours ${o.faces && o.faces.length}`);
    if (!sameN) continue;
    match(r.faces, o.faces).forEach(({ r: rf, o: of }, i) => {
      const f = `${name} face ${i}`;
      if (!of) { check(false, `${f}: matched`, 'no overlapping face'); return; }
      const dBox = maxAbs(rf.box, of.box);
      const dScore = Math.abs(rf.score - of.score);
      check(dBox <= TOL.px && dScore <= TOL.prob, `${f}: box and score`, `${fmt(dBox)} px, ${fmt(dScore)}`);
      const dLm = maxAbs(rf.landmarks.flat(), of.landmarks.flat());
      check(dLm <= TOL.px, `${f}: landmarks`, `${fmt(dLm)} px`);
      const dDesc = maxAbs(rf.descriptor, of.descriptor);
      check(dDesc <= TOL.desc, `${f}: descriptor`, `max abs ${fmt(dDesc)}`);
      const dExpr = maxAbs(EXPRESSIONS.map((k) => rf.expressions[k]), EXPRESSIONS.map((k) => of.expressions[k]));
      check(dExpr <= TOL.prob, `${f}: expressions`, fmt(dExpr));
      const dGen = Math.abs(rf.gender_probability - of.gender_probability);
      check(rf.gender === of.gender && dGen <= TOL.prob, `${f}: gender`, `${of.gender}, ${fmt(dGen)}`);
      const dAge = Math.abs(rf.age - of.age);
      check(dAge <= TOL.age, `${f}: age`, `${fmt(dAge)} years`);
    });
  }
}

function jpeg(oursFile, refFile) {
  const ours = load(oursFile);
  const ref = load(refFile);
  if (!ours || !ref) return;
  const label = path.basename(oursFile, '.json');
  for (const [o, r] of pairImages(label, ours, ref)) {
    const name = `${label} ${path.basename(r.image)}`;
    const bad = (o.faces || []).map(malformed).find((m) => m);
    const sameN = Array.isArray(o.faces) && o.faces.length === r.faces.length && !bad;
    check(sameN, `${name}: ${r.faces.length} faces`, sameN ? '' : bad ? `malformed ${bad}` : `ours ${o.faces && o.faces.length}`);
    if (!sameN) continue;
    match(r.faces, o.faces).forEach(({ r: rf, o: of, iou: v }, i) => {
      const d = of ? Math.hypot(...rf.descriptor.map((x, k) => x - of.descriptor[k])) : Infinity;
      check(of && v >= TOL.jpegIou && d <= TOL.jpegDesc, `${name} face ${i}: same face and descriptor`,
        `IoU ${v.toFixed(4)}, distance ${fmt(d)}`);
    });
  }
}

function sane(refFile) {
  const ref = load(refFile);
  if (!ref) return;
  for (const im of ref) {
    const why = [];
    if (!(im.width > 0 && im.height > 0)) why.push('size');
    (im.faces || []).forEach((f, i) => {
      const m = malformed(f);
      if (m) { why.push(`face ${i} ${m}`); return; }
      const sum = EXPRESSIONS.reduce((s, k) => s + f.expressions[k], 0);
      if (Math.abs(sum - 1) > 1e-3) why.push(`face ${i} expressions sum to ${sum}`);
      if (!(f.age > 0 && f.age < 120)) why.push(`face ${i} age ${f.age}`);
      if (!(f.gender_probability >= 0.5 && f.gender_probability <= 1)) why.push(`face ${i} gender probability`);
      if (!(f.score >= 0.5 && f.score <= 1)) why.push(`face ${i} score ${f.score}`);
      const [x, y, w, h] = f.box;
      const inside = f.landmarks.filter(([px, py]) => px >= x - 0.25 * w && px <= x + 1.25 * w &&
        py >= y - 0.25 * h && py <= y + 1.25 * h).length;
      if (inside < 68) why.push(`face ${i} has ${68 - inside} landmarks far outside its box`);
      if (i > 0 && f.score > im.faces[i - 1].score) why.push('faces not in descending score order');
    });
    check(why.length === 0, `reference ${path.basename(refFile, '.json')} ${path.basename(im.image)}: well formed`,
      why.length ? why.join('; ') : `${im.faces.length} faces`);
  }
}

function expect(refFile, name, n) {
  const ref = load(refFile);
  if (!ref) return;
  const im = ref.find((x) => String(x.image).endsWith(name));
  check(im && im.faces.length === n, `reference ${path.basename(refFile, '.json')} ${name}: ${n} faces`,
    im ? `found ${im.faces.length}` : 'image not in the output');
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length;) {
  const step = args[i++];
  if (step === 'exact') { exact(args[i], args[i + 1]); i += 2; }
  else if (step === 'jpeg') { jpeg(args[i], args[i + 1]); i += 2; }
  else if (step === 'sane') { sane(args[i]); i += 1; }
  else if (step === 'expect') { expect(args[i], args[i + 1], Number(args[i + 2])); i += 3; }
  else if (step === 'fail') { check(false, args[i]); i += 1; }
  else { process.stderr.write(`compare: unknown step '${step}'\n`); process.exit(2); }
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
