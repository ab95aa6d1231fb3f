// `featurescope gradcheck` / `featurescope grad` end to end through main(), on the shared fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../main';

const fixtures = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'grad');
const present = fs.existsSync(path.join(fixtures, 'index.json'));
if (!present) console.log(`# skipping gradcheck CLI tests: ${fixtures} not found (../shared is absent)`);

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log, err = console.error;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    return { code: await main(argv), out: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = err;
  }
}

test('gradcheck: a fixture manifest within tolerance exits 0 and reports every case', { skip: !present }, async () => {
  const r = await capture(['gradcheck', path.join(fixtures, 'reshape', 'manifest.json'), '--json']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(r.out);
  assert.equal(j.cases.length, 18);
  for (const c of j.cases) assert.ok(c.gradRelL2 <= c.tol && c.cosine >= 0.9999 && c.forwardRelL2 < 1e-4, JSON.stringify(c));
});

test('gradcheck: a case outside its tolerance exits 1', { skip: !present }, async () => {
  const src = path.join(fixtures, 'convs');
  const m = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8'));
  // point every file at the shared copy and demand an impossible tolerance for one case
  m.model.file = path.join(src, m.model.file);
  for (const t of [...m.tensors, ...m.forward.taps.map((x: { tensor: unknown }) => x.tensor)]) t.file = path.join(src, t.file);
  m.cases = m.cases.slice(0, 2);
  for (const c of m.cases) for (const t of c.tensors) t.file = path.join(src, t.file);
  m.cases[1].checks.suggested_rel_l2_tol = 1e-12;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradcheck-'));
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(file, JSON.stringify(m));
  const r = await capture(['gradcheck', file]);
  fs.rmSync(dir, { recursive: true });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^ok .*\nFAIL /m);
  assert.match(r.out, /1\/2 cases within tolerance/);
});

test('gradcheck: not a manifest is a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradcheck-'));
  const file = path.join(dir, 'x.json');
  fs.writeFileSync(file, '{"hello": 1}');
  const r = await capture(['gradcheck', file]);
  fs.rmSync(dir, { recursive: true });
  assert.equal(r.code, 1);
  assert.match(r.out, /not a gradient fixture manifest/);
});

test('grad: raw tensor input, objective JSON, gradient written as float32', { skip: !present }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grad-'));
  const out = path.join(dir, 'g.bin');
  const src = path.join(fixtures, 'convs');
  const r = await capture(['grad', path.join(src, 'model.onnx'), '--input', path.join(src, 'tensors', 'x.bin'), '--shape', '1,3,63,63',
    '--objective', '{"kind":"logit","layer":"logits","index":3}', '--out', out, '--json']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(r.out);
  assert.equal(j.objective, 'logit(logits, 3)');
  assert.equal(fs.statSync(out).size, 3 * 63 * 63 * 4);
  assert.ok(j.gradient.l2 > 0);
  const bad = await capture(['grad', path.join(src, 'model.onnx'), '--input', path.join(src, 'tensors', 'x.bin'), '--shape', '1,3,63,63', '--objective', '{"kind":"channel","layer":"logits"}', '--out', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /objective\.channel is required/);
  fs.rmSync(dir, { recursive: true });
});
