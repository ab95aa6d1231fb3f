// The render loop with toy analytic models: it climbs the objective, reproduces from a seed, stops within
// one step on cancel, waits while paused, and composes every optimizer and regularizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureObjectives, render, RUN_TO_END, type RenderControl, type RenderSpec } from './render';
import { STANDARD_TRANSFORMS } from './transforms';
import { applyRegularizer } from './regularizers';
import type { Dims, Evaluate } from './types';

/** objective_b = mean over the (transformed) image of Σ_c weight[b][c]·img[c]: any size goes */
function channelModel(weights: number[][], calls = { n: 0 }): Evaluate {
  return async (img, dims, grad) => {
    calls.n++;
    const [b, c, h, w] = dims;
    const hw = h * w;
    const out: number[] = [];
    for (let i = 0; i < b; i++) {
      let s = 0;
      for (let ch = 0; ch < c; ch++) {
        const k = weights[i]![ch]!;
        for (let p = 0; p < hw; p++) {
          s += k * img[(i * c + ch) * hw + p]!;
          grad[(i * c + ch) * hw + p] = k / hw;
        }
      }
      out.push(s / hw);
    }
    return out;
  };
}

/** objective_b = mean(img_b · pattern_b) for a fixed pattern of the untransformed size */
function patternModel(pattern: Float32Array, calls = { n: 0 }): Evaluate {
  return async (img, dims, grad) => {
    calls.n++;
    const per = dims[1] * dims[2] * dims[3];
    assert.equal(img.length, pattern.length);
    const out: number[] = [];
    for (let b = 0; b < dims[0]; b++) {
      let s = 0;
      for (let i = b * per; i < (b + 1) * per; i++) { s += img[i]! * pattern[i]!; grad[i] = pattern[i]! / per; }
      out.push(s / per);
    }
    return out;
  };
}

function wave(n: number, k: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) + 0.3 * Math.cos(i * 0.011));
}

const rising = (h: number[]) => h[h.length - 1]! > h[0]!;

test('pixel param, Adam, no transforms: the objective rises for every item and the image follows the pattern', async () => {
  const spec: RenderSpec = { param: { kind: 'pixel', output: 'sigmoid' }, transforms: [], optimizer: { kind: 'adam', lr: 0.05 }, steps: 30, size: { h: 6, w: 7 }, batch: 2, seed: 3 };
  const pattern = wave(2 * 3 * 42, 0.37);
  const r = await render(spec, { evaluate: patternModel(pattern) }, RUN_TO_END);
  assert.equal(r.steps, 30);
  assert.equal(r.evaluations, 30);
  assert.equal(r.cancelled, false);
  assert.deepEqual(r.dims, [2, 3, 6, 7]);
  for (const h of r.history) { assert.equal(h.length, 30); assert.ok(rising(h), `${h[0]} → ${h[29]}`); }
  // after 30 steps of lr 0.05 every pixel moved towards the sign of its pattern value
  let agree = 0;
  r.image.forEach((v, i) => (agree += Math.sign(v - 0.5) === Math.sign(pattern[i]!) ? 1 : 0));
  assert.ok(agree > 0.95 * r.image.length, `${agree} of ${r.image.length}`);
});

test("Fourier + decorrelate + sigmoid with Lucid's standard transforms, batch 2: rises, and a seed reproduces the run", async () => {
  const spec: RenderSpec = { param: { kind: 'fourier' }, transforms: STANDARD_TRANSFORMS, optimizer: { kind: 'adam', lr: 0.05 }, steps: 25, size: { h: 32, w: 32 }, batch: 2, seed: 11 };
  const weights = [[1, 0, -1], [-1, 1, 0]]; // item 0 wants red over blue, item 1 green over red
  const draws: string[] = [];
  const control: RenderControl = { checkpoint: async () => false, onStep: (_s, _o, _img, info) => draws.push(info.draw) };
  const a = await render(spec, { evaluate: channelModel(weights) }, control);
  const b = await render(spec, { evaluate: channelModel(weights) }, RUN_TO_END);
  const c = await render({ ...spec, seed: 12 }, { evaluate: channelModel(weights) }, RUN_TO_END);
  for (const h of a.history) assert.ok(h[24]! > h[0]! + 0.02 && h[24]! > h[12]!, `${h[0]} → ${h[12]} → ${h[24]}`);
  assert.deepEqual(a.image, b.image);
  assert.deepEqual(a.history, b.history);
  assert.notDeepEqual(a.image, c.image);
  assert.equal(draws.length, 25);
  assert.ok(new Set(draws).size > 10, 'the transforms are drawn anew each step');
  assert.ok(draws.every((d) => /^pad\(12, 0.5\) jitter\(\d,\d\) scale\([\d.]+\) rotate\(-?\d+\) jitter\(\d,\d\)$/.test(d)), draws[0]);
  // the final, untransformed image measured as Lucent does
  const final = await measureObjectives(channelModel(weights), a.image, a.dims);
  assert.equal(final.length, 2);
  assert.ok(final[0]! > 0.02 && final[1]! > 0.02, `${final}`);
});

test('cancel: checked before every step, so a cancel stops the run after at most the step in flight', async () => {
  const spec: RenderSpec = { param: { kind: 'pixel' }, transforms: [], optimizer: { kind: 'adam', lr: 0.01 }, steps: 50, size: { h: 4, w: 4 }, batch: 1, seed: 1 };
  const pattern = wave(48, 0.5);
  // cancelled between steps: the 4th checkpoint says stop
  let checks = 0;
  const calls = { n: 0 };
  const r = await render(spec, { evaluate: patternModel(pattern, calls) }, { checkpoint: async () => ++checks >= 4 });
  assert.deepEqual([r.cancelled, r.steps, calls.n, r.history[0]!.length], [true, 3, 3, 3]);
  // cancelled during a step (the model's 3rd call asks for it): that step finishes, no other starts
  for (const optimizer of [{ kind: 'adam', lr: 0.01 }, { kind: 'lbfgs' }] as const) {
    let stop = false;
    const inner = patternModel(pattern);
    let n = 0;
    const evaluate: Evaluate = async (img, dims, grad) => { if (++n === 3) stop = true; return inner(img, dims, grad); };
    const res = await render({ ...spec, optimizer }, { evaluate }, { checkpoint: async () => stop });
    assert.equal(res.cancelled, true);
    assert.ok(res.steps <= 3 && n >= 3 && n <= 3 + 25, `${optimizer.kind}: ${res.steps} steps, ${n} evaluations`);
    assert.equal(res.evaluations, n, `${optimizer.kind}: no evaluation after the cancel`);
  }
});

test('pause: the loop waits inside checkpoint() and runs nothing until resumed', async () => {
  const spec: RenderSpec = { param: { kind: 'pixel' }, transforms: [], optimizer: { kind: 'adam', lr: 0.01 }, steps: 6, size: { h: 4, w: 4 }, batch: 1, seed: 1 };
  const calls = { n: 0 };
  let resume!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  let checks = 0;
  let pausedAt = -1;
  const control: RenderControl = {
    checkpoint: async () => {
      if (++checks === 3) { pausedAt = calls.n; await resumed; }
      return false;
    },
  };
  const run = render(spec, { evaluate: patternModel(wave(48, 0.5), calls) }, control);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual([pausedAt, calls.n], [2, 2], 'paused before the 3rd step, nothing evaluated while paused');
  resume();
  const r = await run;
  assert.deepEqual([r.steps, calls.n, r.cancelled], [6, 6, false]);
});

test('L-BFGS from a photo (neural-style settings: no line search, 1 step = 1 evaluation) reaches the target image', async () => {
  const [h, w] = [5, 6];
  const n = 3 * h * w;
  const target = Float32Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i));
  const photo = Float32Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.cos(3 * i));
  // objective = −Σ (img − target)² · scale_i, an ill-conditioned bowl
  const evaluate: Evaluate = async (img, _d, grad) => {
    let s = 0;
    for (let i = 0; i < n; i++) { const k = 1 + (i % 7) * 3, d = img[i]! - target[i]!; s -= k * d * d; grad[i] = -2 * k * d; }
    return [s];
  };
  const spec: RenderSpec = {
    param: { kind: 'pixel', init: 'photo', output: 'none' }, transforms: [],
    optimizer: { kind: 'lbfgs', lineSearch: 'none', history: 100, toleranceGrad: -1, toleranceChange: -1 },
    steps: 60, size: { h, w }, batch: 1, seed: 0,
  };
  const r = await render(spec, { evaluate, photo }, RUN_TO_END);
  assert.deepEqual([r.steps, r.evaluations], [60, 60]);
  assert.ok(r.history[0]![0]! < -1, 'it starts at the photo');
  let err = 0;
  r.image.forEach((v, i) => (err = Math.max(err, Math.abs(v - target[i]!))));
  assert.ok(err < 1e-4, `max error ${err}`);
  // with the line search it stops by itself once converged
  const ls = await render({ ...spec, optimizer: { kind: 'lbfgs' }, steps: 200 }, { evaluate, photo }, RUN_TO_END);
  assert.ok(ls.stopReason && ls.steps < 200, `${ls.stopReason} after ${ls.steps}`);
});

test('normalized ascent in the loop: each item moves by `step` on average per step', async () => {
  const [h, w] = [4, 5];
  const pattern = wave(2 * 3 * h * w, 0.9);
  const spec: RenderSpec = { param: { kind: 'pixel', output: 'none' }, transforms: [], optimizer: { kind: 'ascent', step: 0.01 }, steps: 1, size: { h, w }, batch: 2, seed: 5 };
  const before = await render({ ...spec, steps: 0 }, { evaluate: patternModel(pattern) }, RUN_TO_END);
  const after = await render(spec, { evaluate: patternModel(pattern) }, RUN_TO_END);
  const per = 3 * h * w;
  for (let b = 0; b < 2; b++) {
    let moved = 0;
    for (let i = b * per; i < (b + 1) * per; i++) moved += Math.abs(after.image[i]! - before.image[i]!);
    assert.ok(Math.abs(moved / per - 0.01) < 1e-6, `item ${b}: ${moved / per}`);
  }
});

test('regularizers in the loop: a TV penalty alone smooths the image; penalties reach onStep', async () => {
  const [h, w] = [8, 8];
  const spec: RenderSpec = {
    param: { kind: 'pixel', output: 'none', std: 0.2 }, transforms: [], optimizer: { kind: 'adam', lr: 0.02 },
    regularizers: [{ kind: 'tv', weight: 1 }], steps: 40, size: { h, w }, batch: 1, seed: 2,
  };
  const zero: Evaluate = async () => [0];
  const penalties: number[] = [];
  const images: Float32Array[] = [];
  const r = await render(spec, { evaluate: zero }, { checkpoint: async () => false, onStep: (_s, _o, image, info) => { penalties.push(info.penalties[0]!); images.push(image()); } });
  const dims: Dims = [1, 3, h, w];
  const tv = (img: Float32Array) => applyRegularizer({ kind: 'tv', weight: 1 }, img, dims, new Float32Array(img.length))[0]!;
  assert.ok(penalties[39]! < 0.5 * penalties[0]!, `${penalties[0]} → ${penalties[39]}`);
  assert.ok(tv(r.image) < penalties[39]!, 'the last step lowered TV again');
  assert.deepEqual(images[39], r.image, "onStep's image is the image after that step");
});

test('bad inputs are refused with a reason', async () => {
  const spec: RenderSpec = { param: { kind: 'pixel' }, transforms: [], optimizer: { kind: 'adam', lr: 0.01 }, steps: 2, size: { h: 4, w: 4 }, batch: 2, seed: 1 };
  await assert.rejects(render(spec, { evaluate: async () => [1] }, RUN_TO_END), /1 objectives for a batch of 2/);
  await assert.rejects(render({ ...spec, steps: 1.5 }, { evaluate: async () => [1, 1] }, RUN_TO_END), /steps/);
  await assert.rejects(render({ ...spec, param: { kind: 'pixel', init: 'photo' } }, { evaluate: async () => [1, 1] }, RUN_TO_END), /needs a photo/);
  await assert.rejects(render(spec, { evaluate: async () => [1, NaN] }, RUN_TO_END), /non-finite/);
  let called = false;
  await assert.rejects(render({ ...spec, transforms: [{ kind: 'jitter', pixels: 4 }] }, { evaluate: async () => { called = true; return [1, 1]; } }, RUN_TO_END), /crop of 4 px/);
  assert.equal(called, false, 'a bad transform is refused before the model runs');
});
