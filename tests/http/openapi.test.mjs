// api/openapi.yaml and the routes the server serves agree: the same operations, and each
// operation's x-roles are exactly the roles the server lets in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHOPPER } from './lib.mjs';

// the operations of the file: "METHOD /path" -> roles, from its indentation (paths at 2
// spaces, methods at 4, x-roles at 6)
function specOps() {
  const text = readFileSync(join(ROOT, 'api/openapi.yaml'), 'utf8');
  const ops = new Map();
  let inPaths = false, path = null, method = null;
  for (const line of text.split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) { inPaths = false; continue; }
    if (!inPaths) continue;
    let m;
    if ((m = line.match(/^  (\/\S*):\s*$/))) { path = m[1]; method = null; }
    else if ((m = line.match(/^    (get|post|put|delete|patch):\s*$/))) {
      method = m[1].toUpperCase();
      ops.set(`${method} ${path}`, null);
    } else if ((m = line.match(/^      x-roles:\s*\[(.*)\]\s*$/)) && method)
      ops.set(`${method} ${path}`, m[1].split(',').map((s) => s.trim()).sort().join(' '));
  }
  return ops;
}

function servedOps() {
  const out = execFileSync(SHOPPER, ['serve', '--routes'], { encoding: 'utf8' });
  const ops = new Map();
  for (const line of out.trim().split('\n')) {
    const [method, path, ...roles] = line.split(' ');
    ops.set(`${method} ${path}`, roles.sort().join(' '));
  }
  return ops;
}

test('every served route is documented with its roles, and nothing else is', () => {
  const spec = specOps(), served = servedOps();
  assert.ok(served.size > 10);
  for (const [op, roles] of served) {
    assert.ok(spec.has(op), `${op} is served but not in api/openapi.yaml`);
    assert.equal(spec.get(op), roles, `${op}: x-roles in the file differ from the server's`);
  }
  for (const op of spec.keys()) assert.ok(served.has(op), `${op} is in api/openapi.yaml but not served`);
});
