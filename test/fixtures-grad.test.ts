// Every case of ../shared/fixtures/grad (PyTorch float64 autograd ground truth) through the gradient
// compiler and onnxruntime: forward values (logits and taps), the objective value, and d objective /
// d input within the case's suggested relative-L2 tolerance with cosine ≥ 0.9999. Opset-11 variants too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadManifest, runCase } from '../src/main/engine/autodiff/gradcheck';

const root = path.resolve(__dirname, '..', '..', 'shared', 'fixtures', 'grad');
const index = path.join(root, 'index.json');
const present = fs.existsSync(index);
if (!present) console.log(`# skipping gradient fixtures: ${index} not found (../shared is absent)`);

const fixtures: { name: string; manifest: string }[] = present ? JSON.parse(fs.readFileSync(index, 'utf8')).fixtures : [];

for (const f of fixtures) {
  const file = path.join(root, f.manifest);
  const m = loadManifest(file);
  const variants = [m.model.file, ...(m.model.variants ?? []).map((v) => v.file)];
  for (const modelFile of variants) {
    test(`fixtures/grad ${f.name} ${modelFile}`, { skip: !present }, async (t) => {
      for (const c of m.cases) {
        await t.test(c.id, async () => {
          const r = await runCase(file, m, c, { modelFile });
          const line = `${r.id}: forward rel ${r.forwardRelL2.toExponential(2)}, value rel ${r.valueRelErr.toExponential(2)}, grad rel L2 ${r.gradRelL2.toExponential(2)} (tol ${r.tol}), cosine ${r.cosine.toFixed(7)}`;
          assert.ok(r.forwardRelL2 <= 1e-4, `forward mismatch — ${line}`);
          assert.ok(r.valueRelErr <= 1e-4, `objective value mismatch — ${line}`);
          assert.ok(r.gradRelL2 <= r.tol, `gradient off — ${line}`);
          assert.ok(r.cosine >= 0.9999, `gradient direction off — ${line}`);
        });
      }
    });
  }
}

test('fixtures/grad: every fixture has at least one case', { skip: !present }, () => {
  assert.ok(fixtures.length >= 7);
  for (const f of fixtures) assert.ok(loadManifest(path.join(root, f.manifest)).cases.length > 0, f.name);
});
