// The style job's loss terms against PyTorch autograd (../shared/fixtures/grad, cases gram_mse and
// content_mse): the objective the recipe compiles (lossPlan), fed through the gradient runtime with its
// targets by name, gives the fixture's value and input gradient; and the Gram matrix the recipe computes
// from a forward run (gramMatrix) is the fixture's target, which PyTorch computed from the second image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadManifest, readF32, type FixtureCase, type Manifest } from '../autodiff/gradcheck';
import { readModelFile } from '../onnx/model';
import { GradientRuntime, runtimeModel } from '../gradients/runtime';
import { SessionCache } from '../runtime/sessions';
import { blendGrams, contentTarget, gramMatrix, gramTarget, lossPlan } from './losses';

const root = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'fixtures', 'grad');
const present = fs.existsSync(path.join(root, 'index.json'));
// the batch-1 sets (the recipe optimizes one image); norms is batch 2
const SETS = ['acts', 'convs', 'blocks', 'pools', 'reshape', 'squeezenet1_1'];

function relL2(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) { num += (a[i]! - ref[i]!) ** 2; den += ref[i]! ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

function tensorOf(dir: string, m: Manifest, c: FixtureCase | undefined, name: string): Float32Array {
  const d = c?.tensors.find((t) => t.name === name) ?? m.tensors.find((t) => t.name === name);
  if (!d) throw new Error(`no tensor ${name}`);
  return readF32(path.resolve(dir, d.file));
}

for (const set of SETS) {
  test(`style losses vs PyTorch: ${set} gram_mse and content_mse cases (value, input gradient, Gram target)`, { skip: !present && '../shared/fixtures/grad not found' }, async () => {
    const file = path.join(root, set, 'manifest.json');
    const dir = path.dirname(file);
    const m = loadManifest(file);
    const model = readModelFile(path.resolve(dir, m.model.file));
    const rm = runtimeModel(model, `fixture:${set}`);
    const runtime = new GradientRuntime({ sessions: new SessionCache(1) });
    const cases = m.cases.filter((c) => c.terms.length === 1 && (c.terms[0]!.type === 'gram_mse' || c.terms[0]!.type === 'content_mse'));
    assert.ok(cases.length >= 2, `${set} has gram_mse and content_mse cases`);
    try {
      for (const c of cases) {
        const term = c.terms[0]!;
        const [inputName, xName] = Object.entries(c.feeds)[0]!;
        const x = tensorOf(dir, m, c, xName);
        const shape = (c.tensors.find((t) => t.name === xName) ?? m.tensors.find((t) => t.name === xName))!.shape;
        assert.equal(shape[0], 1, 'style losses are per image: batch 1 fixtures');
        const target = tensorOf(dir, m, c, term.target_tensor!);
        const channels = term.shape[1]!;
        const isGram = term.type === 'gram_mse';
        // neural-style's weights, chosen so the term is exactly the fixture's: style weight/C² · sum((G−Gt)²), content weight · mean
        const plan = lossPlan({
          content: isGram ? [] : [term.onnx_name], style: isGram ? [term.onnx_name] : [], styleChannels: [channels],
          contentWeight: isGram ? 0 : 1, styleWeight: isGram ? channels * channels : 0,
        });
        const s = await runtime.gradient({ model: rm, input: inputName, shape, objective: plan.objective });
        try {
          const r = await s.run(x, { [isGram ? gramTarget(0) : contentTarget(0)]: target });
          const ref = tensorOf(dir, m, c, c.grad.input!);
          const valueErr = Math.abs(r.objective - c.value) / Math.abs(c.value);
          const gradErr = relL2(r.inputGrad, ref);
          const tol = Math.max(c.checks.suggested_rel_l2_tol, 1e-4) * 3;
          assert.ok(valueErr < 1e-4, `${c.id}: value ${r.objective} vs ${c.value}`);
          assert.ok(gradErr < tol, `${c.id}: gradient rel L2 ${gradErr.toExponential(2)} > ${tol}`);
        } finally {
          await s.release({ drop: true });
        }
        if (isGram) {
          // the recipe's Gram target from a forward run on the fixture's second image
          const x2Name = c.tensors.find((t) => t.name !== xName && t.role === 'input')?.name ?? 'x2';
          const x2 = tensorOf(dir, m, c, x2Name);
          const f = await runtime.forward({ model: rm, input: inputName, shape, fetch: [term.onnx_name] });
          try {
            const a = (await f.run(x2))[term.onnx_name]!;
            const g = gramMatrix(a.data, a.dims);
            assert.ok(relL2(g, target) < 1e-4, `${c.id}: Gram of x2 vs the fixture's target, rel L2 ${relL2(g, target).toExponential(2)}`);
            // one style image at weight 3 blends to itself
            assert.ok(relL2(blendGrams([g], [3]), g) < 1e-7);
          } finally {
            await f.release({ drop: true });
          }
        }
      }
    } finally {
      await runtime.release();
    }
  });
}

test('lossPlan: terms in order content then style, weights as neural-style scales them, zero-weight terms left out', () => {
  const p = lossPlan({ content: ['c4'], style: ['s1', 's2'], styleChannels: [64, 128], contentWeight: 5, styleWeight: 100 });
  assert.deepEqual(p.terms.map((t) => `${t.kind}:${t.layer}:${t.target}:${t.weight}`), ['content:c4:content_0:5', 'style:s1:gram_0:100', 'style:s2:gram_1:100']);
  assert.deepEqual(p.objective, {
    kind: 'sum', terms: [
      { kind: 'scale', factor: 5, of: { kind: 'content', layer: 'c4', target: 'content_0' } },
      { kind: 'scale', factor: 100 / 64 ** 2, of: { kind: 'gram', layer: 's1', target: 'gram_0' } },
      { kind: 'scale', factor: 100 / 128 ** 2, of: { kind: 'gram', layer: 's2', target: 'gram_1' } },
    ],
  });
  const texture = lossPlan({ content: ['c4'], style: ['s1'], styleChannels: [64], contentWeight: 0, styleWeight: 1 });
  assert.deepEqual(texture.terms.map((t) => t.kind), ['style']);
  assert.throws(() => lossPlan({ content: ['c4'], style: [], styleChannels: [], contentWeight: 0, styleWeight: 0 }), /no term/);
});

test('gramMatrix: F Fᵀ / (C·H·W) by hand; blendGrams normalizes the blend weights', () => {
  // C = 2, H·W = 2: F = [[1, 2], [3, 4]] → F Fᵀ = [[5, 11], [11, 25]], / 4
  const g = gramMatrix(new Float32Array([1, 2, 3, 4]), [1, 2, 1, 2]);
  assert.deepEqual([...g], [5 / 4, 11 / 4, 11 / 4, 25 / 4]);
  const b = blendGrams([new Float32Array([1, 0]), new Float32Array([0, 1])], [1, 3]);
  assert.deepEqual([...b], [0.25, 0.75]);
});
