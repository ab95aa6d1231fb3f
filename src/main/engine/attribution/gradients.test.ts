// Every gradient method on tiny models whose maps are known by hand (Captum's way of testing), each at
// batch sizes 1, 2 and 7. These run the real gradient compiler and the real onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attributor, reluBetween } from './attribute';
import { makeBaseline } from './baselines';
import { resizeBilinear } from './numeric';
import { camModel, linearModel, reluModel } from './testing/tiny-models';
import type { AttributionSettingsInput, InputImage } from './types';

const img = (chw: [number, number, number], values: number[]): InputImage => ({ data: Float32Array.from(values), shape: [1, ...chw] });
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = ''): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what} index ${i}: got ${a[i]} want ${b[i]}`);
}
const BATCHES = [1, 2, 7];
async function atEveryBatch(a: Attributor, x: InputImage, s: AttributionSettingsInput, expected: ArrayLike<number>, what: string, tol = 1e-5) {
  const maps = [];
  for (const batchSize of BATCHES) {
    const r = await a.attribute(x, { ...s, batchSize } as AttributionSettingsInput);
    close(r.map, expected, tol, `${what} @batch ${batchSize}`);
    maps.push(r);
  }
  return maps[0]!;
}

// f = W·x + b on a 1×2×2 input
const W = [[1, 2, 3, 4], [0, 0, 0, 1]];
const xLin = [1, -2, 3, 0.5];
const class0 = { kind: 'class' as const, index: 0 };

test('linear model: saliency = W, grad×input = W∘x, IG = (x − b)∘W with zero completeness error', async () => {
  const a = new Attributor(linearModel([1, 2, 2], W, [0.5, 0]), [1, 2, 2]);
  const x = img([1, 2, 2], xLin);
  await atEveryBatch(a, x, { method: 'saliency', target: class0 }, W[0]!, 'saliency');
  await atEveryBatch(a, x, { method: 'gradxinput', target: class0 }, [1, -4, 9, 2], 'gradxinput');
  for (const steps of [1, 2, 7]) {
    for (const integration of ['gausslegendre', 'trapezoid'] as const) {
      const r = await atEveryBatch(a, x, { method: 'ig', steps, integration, target: class0 }, [1, -4, 9, 2], `ig ${integration} ${steps}`);
      assert.ok(r.completeness!.relativeError < 1e-5, `completeness ${r.completeness!.relativeError}`);
      assert.ok(Math.abs(r.completeness!.scoreDelta - 8) < 1e-5);
    }
  }
  const blurred = makeBaseline('blurred', Float32Array.from(xLin), [1, 2, 2], { blurSigma: 1, seed: 0 });
  await atEveryBatch(a, x, { method: 'ig', steps: 3, baseline: 'blurred', blurSigma: 1, target: class0 },
    xLin.map((v, i) => (v - blurred[i]!) * W[0]![i]!), 'ig blurred');
  // another class reuses the compiled session (the class is a one-hot fed at run time)
  const other = await a.attribute(x, { method: 'saliency', target: { kind: 'class', index: 1 } });
  close(other.map, W[1]!, 1e-6, 'class 1');
  assert.equal(other.timings.prepareMs, 0, 'nothing compiled for a new class');
  await assert.rejects(a.attribute(x, { method: 'saliency', target: { kind: 'class', index: 5 } }), /class 5 is out of range \(the classifier has 2 outputs\)/);
  // top-1 here is class 0 (8.5 vs 0.5)
  const r = await a.attribute(x, { method: 'saliency' });
  assert.deepEqual(r.settings.target, { kind: 'class', index: 0 });
  assert.ok(Math.abs(r.targetScore - 8.5) < 1e-6);
  await a.release();
});

test('SmoothGrad wraps any gradient method: the same seed gives the same map at every batch size', async () => {
  const a = new Attributor(linearModel([1, 2, 2], W, [0.5, 0]), [1, 2, 2]);
  const x = img([1, 2, 2], xLin);
  // a linear model's gradient ignores the noise: SmoothGrad(saliency) = W, VarGrad = 0
  await atEveryBatch(a, x, { method: 'smoothgrad', samples: 7, noiseLevel: 0.3, target: class0 }, W[0]!, 'smoothgrad(saliency)');
  await atEveryBatch(a, x, { method: 'smoothgrad', samples: 7, noiseLevel: 0.3, variant: 'vargrad', target: class0 }, [0, 0, 0, 0], 'vargrad', 1e-4);
  // grad×input and IG (black baseline = 0 here) average W∘(x + n): reproduce the noise with the same seed
  const ref = await a.attribute(x, { method: 'smoothgrad', samples: 7, noiseLevel: 0.3, inner: 'gradxinput', target: class0, batchSize: 1 });
  assert.ok(ref.map.some((v, i) => Math.abs(v - [1, -4, 9, 2][i]!) > 1e-3), 'noise changes grad×input');
  await atEveryBatch(a, x, { method: 'smoothgrad', samples: 7, noiseLevel: 0.3, inner: 'gradxinput', target: class0 }, ref.map, 'smoothgrad(gradxinput)');
  const ig = await atEveryBatch(a, x, { method: 'smoothgrad', samples: 7, noiseLevel: 0.3, inner: 'ig', steps: 5, target: class0 }, ref.map, 'smoothgrad(ig)', 1e-4);
  assert.ok(ig.completeness!.relativeError < 1e-5);
  await a.release();
});

test('ReLU model: vanilla, guided backprop and deconvnet follow their ReLU rules', async () => {
  // f = Wr · relu(x); x has two negative entries, Wr two negative weights
  const Wr = [[1, -2, -3, 4]];
  const a = new Attributor(reluModel([1, 2, 2], Wr), [1, 2, 2]);
  const x = img([1, 2, 2], [1, -1, 2, -3]);
  await atEveryBatch(a, x, { method: 'saliency' }, [1, 0, -3, 0], 'saliency');         // W ∘ [x > 0]
  await atEveryBatch(a, x, { method: 'guided' }, [1, 0, 0, 0], 'guided');              // W ∘ [x > 0] ∘ [W > 0]
  await atEveryBatch(a, x, { method: 'deconvnet' }, [1, 0, 0, 4], 'deconvnet');        // relu(W)
  await atEveryBatch(a, x, { method: 'gradxinput' }, [1, 0, -6, 0], 'gradxinput');
  await atEveryBatch(a, x, { method: 'smoothgrad', inner: 'deconvnet', samples: 3 }, [1, 0, 0, 4], 'smoothgrad(deconvnet)');
  await a.release();
});

test('Grad-CAM: channel weights are mean gradients, ReLU, bilinear upsampling; guided Grad-CAM multiplies in guided backprop', async () => {
  // feat = relu(k_c · x[2i, 2j]) with k = [1, −1]; logits = V · GAP(feat)
  const V = [[2, 1], [0, 1]];
  const a = new Attributor(camModel([4, 4], [1, -1], V), [1, 4, 4]);
  const xs = [1, 9, -2, 9, 9, 9, 9, 9, -3, 9, 4, 9, 9, 9, 9, 9];
  const x = img([1, 4, 4], xs);
  const sub = [xs[0]!, xs[2]!, xs[8]!, xs[10]!];                    // x[2i, 2j]
  // α_c = V[0][c] / 4; cam = relu(Σ α_c feat_c)
  const cam = sub.map((v) => Math.max(0, (V[0]![0]! / 4) * Math.max(0, v) + (V[0]![1]! / 4) * Math.max(0, -v)));
  const up = resizeBilinear(Float32Array.from(cam), 2, 2, 4, 4);
  const r = await atEveryBatch(a, x, { method: 'gradcam', target: class0 }, up, 'gradcam');
  assert.equal((r.settings as { layer?: string }).layer, 'feat', 'default layer: the last block before the head');
  assert.deepEqual(r.shape, [1, 1, 4, 4]);
  close(r.layerMap!.data, cam, 1e-6, 'layer map');
  // guided backprop here: at (2i, 2j), k_c · V[0][c] / 4 for the channel the ReLU lets through (all grads > 0)
  const guided = new Array<number>(16).fill(0);
  [0, 2, 8, 10].forEach((p, i) => { guided[p] = sub[i]! > 0 ? 0.5 : -0.25; });
  await atEveryBatch(a, x, { method: 'guided-gradcam', target: class0 }, guided.map((g, i) => g * up[i]!), 'guided-gradcam');
  // at the pre-ReLU layer "conv" a ReLU lies between layer and target: guided Grad-CAM needs two runs.
  // d logit0 / d conv_c = V[0][c] / 4 where conv_c > 0, so α = [0.5·½, 0.25·½] and cam = relu(0.25x − 0.125x)
  const camConv = sub.map((v) => Math.max(0, 0.125 * v));
  const upConv = resizeBilinear(Float32Array.from(camConv), 2, 2, 4, 4);
  await atEveryBatch(a, x, { method: 'gradcam', layer: 'conv', target: class0 }, upConv, 'gradcam at conv');
  await atEveryBatch(a, x, { method: 'guided-gradcam', layer: 'conv', target: class0 }, guided.map((g, i) => g * upConv[i]!), 'guided-gradcam at conv');
  assert.equal(reluBetween(camModel([4, 4], [1], [[1]]), 'conv', 'logits'), true);
  assert.equal(reluBetween(camModel([4, 4], [1], [[1]]), 'feat', 'logits'), false);
  // class 1 only reads channel 1 (the negative part)
  const cam1 = sub.map((v) => Math.max(0, 0.25 * Math.max(0, -v)));
  await atEveryBatch(a, x, { method: 'gradcam', target: { kind: 'class', index: 1 } }, resizeBilinear(Float32Array.from(cam1), 2, 2, 4, 4), 'gradcam class 1');
  await a.release();
});

test('channel and neuron targets: the gradient of a layer channel mean or of one unit', async () => {
  const a = new Attributor(camModel([4, 4], [1, -1], [[1, 1]]), [1, 4, 4]);
  const xs = [1, 9, -2, 9, 9, 9, 9, 9, -3, 9, 4, 9, 9, 9, 9, 9];
  const x = img([1, 4, 4], xs);
  // channel 0 = mean over 2×2 of relu(x[2i, 2j]): gradient 1/4 where x > 0
  const ch0 = new Array<number>(16).fill(0);
  ch0[0] = 0.25; ch0[10] = 0.25;
  const r = await atEveryBatch(a, x, { method: 'saliency', target: { kind: 'channel', layer: 'feat', channel: 0 } }, ch0, 'channel');
  assert.ok(Math.abs(r.targetScore - (1 + 4) / 4) < 1e-6);
  // neuron feat[1, y=1, x=0] = relu(−x[2, 0]) = 3: gradient −1 at x[2, 0]
  const n = new Array<number>(16).fill(0);
  n[8] = -1;
  const rn = await atEveryBatch(a, x, { method: 'saliency', target: { kind: 'neuron', layer: 'feat', channel: 1, y: 1, x: 0 } }, n, 'neuron');
  assert.equal(rn.targetScore, 3);
  await assert.rejects(a.attribute(x, { method: 'saliency', target: { kind: 'neuron', layer: 'feat', channel: 1, y: 5, x: 0 } }), /outside layer "feat"/);
  await a.release();
});

test('top-1 found inside the gradient run: one pass, the same map and score as the explicit class', async () => {
  const a = new Attributor(linearModel([1, 2, 2], W, [0.5, 0]), [1, 2, 2], { labels: ['zero', 'one'] });
  for (const [values, cls, score] of [[xLin, 0, 8.5], [[-5, 0, 0, 1], 1, 1]] as const) {
    const x = img([1, 2, 2], [...values]);
    for (const method of ['saliency', 'gradxinput'] as const) {
      const top = await a.attribute(x, { method } as AttributionSettingsInput);
      const explicit = await a.attribute(x, { method, target: { kind: 'class', index: cls } } as AttributionSettingsInput);
      assert.deepEqual(top.settings.target, { kind: 'class', index: cls, label: cls ? 'one' : 'zero' });
      assert.equal(top.timings.passes, 1, 'no separate forward pass for top-1');
      assert.ok(Math.abs(top.targetScore - score) < 1e-6, `score ${top.targetScore}`);
      close(top.map, explicit.map, 0, `${method} top-1 = class ${cls}`);
    }
  }
  await a.release();
});
