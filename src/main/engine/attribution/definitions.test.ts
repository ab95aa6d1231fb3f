// The settings that choose between definitions (ours by default, the PyTorch reference's / the papers'
// on request), on tiny models where each can be computed by hand: channelReduction, IG's 'zero'
// baseline, occlusion on softmax probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attributor } from './attribute';
import { reduceChannelMap } from './methods/channels';
import { camModel, linearModel } from './testing/tiny-models';
import { preset } from '../../../shared/pixels';
import type { InputImage } from './types';

const chw: [number, number, number] = [3, 2, 2];
const img = (values: number[]): InputImage => ({ data: Float32Array.from(values), shape: [1, ...chw] });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
};
// class 0 weighs the channels differently and with both signs, so sum and max-abs differ
const W0 = [1, -2, 3, 0.5, -4, 1, 1, 2, 2, -1, -1, -3];
const W1 = W0.map((w, i) => (i % 3) - w / 2);
const x = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];

test('channelReduction: none keeps [1,C,H,W]; sum and max-abs store one [1,1,H,W] plane', async () => {
  const a = new Attributor(linearModel(chw, [W0, W1], [0, 0]), chw);
  const target = { kind: 'class', index: 0 } as const;
  const none = await a.attribute(img(x), { method: 'saliency', target });
  assert.deepEqual(none.shape, [1, 3, 2, 2]);
  close(none.map, W0);
  const sum = await a.attribute(img(x), { method: 'saliency', target, channelReduction: 'sum' });
  assert.deepEqual(sum.shape, [1, 1, 2, 2]);
  close(sum.map, [1 + -4 + 2, -2 + 1 + -1, 3 + 1 + -1, 0.5 + 2 + -3]);
  const maxAbs = await a.attribute(img(x), { method: 'gradxinput', target, channelReduction: 'max-abs' });
  close(maxAbs.map, [0, 1, 2, 3].map((p) => Math.max(...[0, 1, 2].map((c) => Math.abs(W0[c * 4 + p]! * x[c * 4 + p]!)))));
  assert.equal(maxAbs.settings.method === 'gradxinput' && maxAbs.settings.channelReduction, 'max-abs', 'the run records its reduction');
  await a.release();
});

test('SmoothGrad reduces each noisy sample before averaging: mean of max |g| ≥ max |mean g|, unequal with noise', async () => {
  const a = new Attributor(linearModel(chw, [W0, W1], [0, 0]), chw);
  const common = { method: 'smoothgrad', inner: 'gradxinput', samples: 16, noiseLevel: 0.5, seed: 3, target: { kind: 'class', index: 0 } } as const;
  const signed = await a.attribute(img(x), common);
  const perSample = await a.attribute(img(x), { ...common, channelReduction: 'max-abs' });
  const afterwards = reduceChannelMap(signed.map, chw, 'max-abs');
  assert.deepEqual(perSample.shape, [1, 1, 2, 2]);
  for (let i = 0; i < 4; i++) assert.ok(perSample.map[i]! >= afterwards[i]! - 1e-4, `pixel ${i}: ${perSample.map[i]} < ${afterwards[i]}`);
  assert.ok(perSample.map.some((v, i) => v > afterwards[i]! + 1e-3), 'per-sample reduction is not the reduction of the mean');
  // 'sum' is linear: reducing per sample or after the average is the same map (same seed, same noise)
  const sum = await a.attribute(img(x), { ...common, channelReduction: 'sum' });
  close(sum.map, reduceChannelMap(signed.map, chw, 'sum'), 1e-4);
  await a.release();
});

test("IG baseline 'zero' is 0 in the model's input space; 'black' is pixel 0 through the preprocessing", async () => {
  const caffe = preset('caffe', 2, 2);
  const a = new Attributor(linearModel(chw, [W0, W1], [0.5, 0]), chw, { pixelSpace: caffe });
  const target = { kind: 'class', index: 0 } as const;
  // f linear: IG is exact for any quadrature, attr = (x − b) ∘ W
  const zero = await a.attribute(img(x), { method: 'ig', baseline: 'zero', steps: 4, integration: 'trapezoid', target });
  close(zero.map, x.map((v, i) => v * W0[i]!), 1e-4);
  assert.ok(zero.completeness!.relativeError < 1e-5);
  close([zero.completeness!.baselineScore], [0.5]);
  const black = await a.attribute(img(x), { method: 'ig', baseline: 'black', steps: 4, target });
  // caffe: model channels are B, G, R minus [104, 117, 123]; pixel 0 → −mean
  close(black.map, x.map((v, i) => (v + caffe.mean[Math.floor(i / 4)]!) * W0[i]!), 1e-4);
  await a.release();
});

test('occlusion on probabilities: the drop of softmax p_k, not of the logit; class targets only', async () => {
  const a = new Attributor(linearModel(chw, [W0, W1], [0, 0]), chw);
  const xs = x.map((v) => v / 100);
  const target = { kind: 'class', index: 0 } as const;
  const p0 = (v: number[]) => {
    const l0 = v.reduce((s, vi, i) => s + W0[i]! * vi, 0), l1 = v.reduce((s, vi, i) => s + W1[i]! * vi, 0);
    return 1 / (1 + Math.exp(l1 - l0));
  };
  const r = await a.attribute(img(xs), { method: 'occlusion', window: 1, stride: 1, classScore: 'probability', target });
  // a 1×1 window hides one pixel in every channel
  const drops = [0, 1, 2, 3].map((p) => p0(xs) - p0(xs.map((v, i) => (i % 4 === p ? 0 : v))));
  close(r.map, [...drops, ...drops, ...drops], 1e-4);
  close([r.targetScore], [p0(xs)]);
  const logit = await a.attribute(img(xs), { method: 'occlusion', window: 1, stride: 1, target });
  close(logit.map.subarray(0, 4), [0, 1, 2, 3].map((p) => [0, 1, 2].reduce((s, c) => s + W0[c * 4 + p]! * xs[c * 4 + p]!, 0)), 1e-4);
  await a.release();
  // a channel of a conv layer has no softmax to take
  const cam = new Attributor(camModel([2, 2], [1, -1], [[1, 1]]), [1, 2, 2]);
  await assert.rejects(
    cam.attribute({ data: Float32Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] }, { method: 'occlusion', window: 1, stride: 1, classScore: 'probability', target: { kind: 'channel', layer: 'feat', channel: 0 } }),
    /needs a class target/,
  );
  await cam.release();
});
