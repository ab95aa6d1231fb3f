// The attack on a tiny linear classifier (real ONNX bytes, real onnxruntime, the real gradient runtime),
// where every step can be written down by hand: logits = W·v + b with v the caffe-preprocessed pixels
// (BGR, minus the mean), so d logit_k / d pixel[p] = W[k][c] for the model channel c that reads RGB plane p.
// One PGD step moves each pixel by exactly ±α along sign(w_target − w_other) — clipped at ε and [0, 255].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preset } from '../../../shared/pixels';
import { resolveAdversarialSettings, parseAdversarialSettings, type AdversarialSettingsInput } from '../../../shared/jobs/adversarial';
import { GradientRuntime } from '../gradients/index';
import { JobControl } from '../jobs/control';
import { loadModelBytes } from '../onnx/inspect';
import { encodeModel } from '../onnx/model';
import { linearModel } from '../attribution/testing/tiny-models';
import { runAdversarial, type AdversarialInput } from './run';
import { decodePng } from './images';

const H = 2, W = 2, HW = H * W;
const space = preset('caffe', W, H);
// model-space weights, [C=3 (B, G, R), H, W] flattened; the two rows differ with every sign and once not at all
const W0 = [1, -2, 3, 0.5, -4, 1, 1, 2, 2, -1, -1, -3];
const W1 = [2, -3, 3, 1.5, -5, 2, 0, 1, 1, 0, -2, -2];
const lm = loadModelBytes(encodeModel(linearModel([3, H, W], [W0, W1], [600, 0])), 'tiny-linear.onnx');
// planar RGB pixels; 0 and 255 test the [0, 255] clip
const x0 = Float32Array.from([10, 255, 30, 40, 0, 60, 70, 80, 90, 100, 110, 254]);
/** caffe: model channel c reads RGB plane 2 − c */
const modelChannelOf = (plane: number) => 2 - plane;

const runtime = new GradientRuntime();
const env = { model: () => lm, gradients: runtime };

async function attack(s: AdversarialSettingsInput) {
  const settings = resolveAdversarialSettings(parseAdversarialSettings(s), s.target === 'any' ? 'any' : Number(s.target));
  const input: AdversarialInput = {
    model: { sha: lm.sha256, fileName: lm.fileName, bytes: lm.bytes }, modelName: lm.fileName, photoName: 'tiny.png',
    input: 'x', classifierOutput: 'prob', preprocess: space, width: W, height: H, original: Float32Array.from(x0), settings,
  };
  return runAdversarial(input, new JobControl(), env);
}

/** One hand-computed step: per pixel, x0 + Δ(gradient sign or value), clipped to the box. */
function expected(dir: (c: number, i: number) => number, move: (g: number) => number, eps: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < 3; p++) {
    for (let i = 0; i < HW; i++) {
      const k = p * HW + i, c = modelChannelOf(p);
      const v = x0[k]! + move(dir(c, i));
      out.push(Math.min(255, x0[k]! + eps, Math.max(0, x0[k]! - eps, v)));
    }
  }
  return out;
}

const diff = (c: number, i: number) => W1[c * HW + i]! - W0[c * HW + i]!;

test('one PGD step on a linear model is ±α along sign(w_target − w_other), by hand', async () => {
  // the photo is class 0 (its bias); target 1 with the margin: the direction is e1 − e0
  const r = await attack({ target: 1, method: 'pgd', eps: 2, stepSize: 0.5, steps: 1 });
  assert.equal(r.result.original.index, 0);
  assert.equal(r.result.stepsDone, 1);
  assert.equal(r.result.curve.length, 2, 'the start and the one step');
  assert.equal(r.result.keptStep, 1, 'the step raised the margin, so its image is the result');
  const want = expected(diff, (g) => 0.5 * Math.sign(g), 2);
  const adv = await decodePng(r.pngs.adversarial, W, H, 'adv');
  // the PNG holds whole levels: x0 ± 0.5 rounds; the float change is in the result's L∞ and L2
  assert.deepEqual([...adv.data], want.map((v) => Math.min(255, Math.max(0, Math.round(v)))));
  const moved = want.map((v, k) => Math.abs(v - x0[k]!));
  assert.equal(r.result.linf, Math.max(...moved));
  assert.ok(Math.abs(r.result.l2 - Math.hypot(...moved)) < 1e-9);
  // blue (plane 2, model channel 0) at pixel 2: the weights agree, no gradient, no move
  assert.equal(diff(0, 2), 0);
  assert.equal(want[2 * HW + 2], x0[2 * HW + 2]);
  // red at pixel 1 is 255 and wants up; green at pixel 0 is 0 and wants down: both stay
  assert.ok(diff(2, 1) > 0 && diff(1, 0) < 0);
  assert.equal(adv.data[1], 255);
  assert.equal(adv.data[HW], 0);
});

test('a step larger than ε is clipped at ε; the logit loss follows sign(w_target) alone', async () => {
  const big = await attack({ target: 1, method: 'pgd', eps: 2, stepSize: 3, steps: 1, space: '8bit' });
  const adv = await decodePng(big.pngs.adversarial, W, H, 'adv');
  assert.deepEqual([...adv.data], expected(diff, (g) => 3 * Math.sign(g), 2));
  assert.equal(big.result.stepSizeUsed, 3);
  assert.equal(big.result.linf, 2);

  const logit = await attack({ target: 1, method: 'pgd', eps: 4, stepSize: 1, steps: 1, loss: 'logit' });
  const adv2 = await decodePng(logit.pngs.adversarial, W, H, 'adv');
  assert.deepEqual([...adv2.data], expected((c, i) => W1[c * HW + i]!, (g) => Math.sign(g), 4));
});

test('untargeted: the margin direction is e_runner-up − e_original; 8-bit space rounds α up to one level', async () => {
  const r = await attack({ target: 'any', method: 'pgd', eps: 3, stepSize: 0.4, steps: 2, space: '8bit' });
  assert.deepEqual(r.result.target, { kind: 'any' });
  assert.equal(r.result.stepSizeUsed, 1);
  // two classes: the runner-up is class 1 at every step, so two steps of one level each along sign(w1 − w0)
  const adv = await decodePng(r.pngs.adversarial, W, H, 'adv');
  assert.deepEqual([...adv.data], expected(diff, (g) => 2 * Math.sign(g), 3));
  // 8-bit space: the image the model saw is the PNG, so the 8-bit check agrees with the result exactly
  assert.equal(r.result.eightBit.linf, r.result.linf);
  assert.equal(r.result.eightBit.fooled, r.result.fooled);
});

test('fool: one step is α · g / ‖g‖₂ (L2 length α in pixel levels), clipped only to [0, 255]', async () => {
  const r = await attack({ target: 1, method: 'fool', stepSize: 20, steps: 1 });
  const g = (c: number, i: number) => W1[c * HW + i]!;
  let ss = 0;
  for (let c = 0; c < 3; c++) for (let i = 0; i < HW; i++) ss += g(c, i) ** 2;
  const want = expected(g, (v) => (20 * v) / Math.sqrt(ss), 255);
  const moved = want.map((v, k) => v - x0[k]!);
  assert.ok(Math.abs(r.result.l2 - Math.hypot(...moved)) < 1e-3, `L2 ${r.result.l2} vs ${Math.hypot(...moved)}`);
  assert.ok(Math.abs(r.result.linf - Math.max(...moved.map(Math.abs))) < 1e-4);
  assert.equal(r.result.epsUsed, r.result.linf, 'fool has no budget: ε used is the change it needed');
});

test('the target is scored along the steps and the 8-bit check classifies the decoded PNG', async () => {
  // a strong enough budget flips the tiny model: class 1 wins after a few steps
  const r = await attack({ target: 1, method: 'pgd', eps: 40, stepSize: 10, steps: 6 });
  assert.equal(r.result.fooled, true);
  assert.equal(r.result.top5After[0]!.index, 1);
  assert.ok(r.result.fooledAtStep !== undefined && r.result.fooledAtStep > 0);
  for (let k = 1; k < r.result.curve.length; k++) assert.ok(r.result.curve[k]!.target >= r.result.curve[k - 1]!.target - 1e-6, 'the margin never falls');
  assert.equal(r.result.eightBit.top5[0]!.index, 1);
  assert.equal(r.result.eightBit.fooled, true);
  assert.equal(r.result.diffGain, 127 / r.result.eightBit.linf);
});

test.after(async () => {
  await runtime.release();
});

test('cancel lands at the next step and keeps the best image so far; pause holds between steps', async () => {
  // cancel after the third look: the result is a cancelled run of 2 steps, not an error
  let looks = 0;
  const ctl = new JobControl({ progress: (p) => { if (/step \d+\//.test(p.message ?? '') && ++looks === 3) ctl.cancel(); }, preview: () => undefined }, { progressEveryMs: 0 });
  const settings = resolveAdversarialSettings(parseAdversarialSettings({ target: 1, eps: 40, stepSize: 1, steps: 50 }), 1);
  const input: AdversarialInput = {
    model: { sha: lm.sha256, fileName: lm.fileName, bytes: lm.bytes }, modelName: lm.fileName, photoName: 'tiny.png',
    input: 'x', classifierOutput: 'prob', preprocess: space, width: W, height: H, original: Float32Array.from(x0), settings,
  };
  const r = await runAdversarial(input, ctl, env);
  assert.equal(r.result.status, 'cancelled');
  assert.equal(r.result.stepsDone, 2);
  assert.equal(r.result.curve.length, 3);
  assert.equal(r.result.keptStep, 2, 'the margin rose at every step: the last look is the best');

  // cancelled before the model saw anything: nothing to keep
  const early = new JobControl();
  early.cancel();
  await assert.rejects(runAdversarial(input, early, env), /cancelled/);

  // paused after the first look: no step runs until resume
  let seen = 0;
  const paused = new JobControl({ progress: (p) => { if (/step \d+\//.test(p.message ?? '') && ++seen === 1) paused.pause(); }, preview: () => undefined }, { progressEveryMs: 0 });
  const running = runAdversarial({ ...input, original: Float32Array.from(x0), settings: { ...settings, steps: 3 } }, paused, env);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(seen, 1, 'held at the checkpoint while paused');
  paused.resume();
  const done = await running;
  assert.equal(done.result.status, 'done');
  assert.equal(seen, 4);
});

test("smallest ε: the bisection's runs and the ε it finds match the closed form", async () => {
  // A step as large as ε reaches the corner of the ε-box at once, where the margin of class 1 over class 0
  // has grown by Σ |w1 − w0| · min(ε, room to 0 or 255); the photo starts 61 in favour of class 0.
  const start = 600 + W0.reduce((a, w, k) => a + w * modelInput(k), 0) - W1.reduce((a, w, k) => a + w * modelInput(k), 0);
  assert.ok(Math.abs(start - 61) < 1e-9);
  const gain = (eps: number) => {
    let g = 0;
    for (let p = 0; p < 3; p++) for (let i = 0; i < HW; i++) {
      const d = diff(modelChannelOf(p), i), x = x0[p * HW + i]!;
      g += Math.abs(d) * Math.min(eps, d > 0 ? 255 - x : x);
    }
    return g;
  };
  const want: { eps: number; fooled: boolean }[] = [{ eps: 20, fooled: gain(20) > start }];
  let lo = 0, hi = 20;
  for (let k = 0; k < 6; k++) {
    const mid = (lo + hi) / 2;
    const fooled = gain(mid) > start;
    want.push({ eps: mid, fooled });
    if (fooled) hi = mid; else lo = mid;
  }
  const r = await attack({ target: 1, eps: 20, stepSize: 255, steps: 2, minEps: true, searchRuns: 6 });
  assert.deepEqual(r.result.search?.runs.map(({ eps, fooled }) => ({ eps, fooled })), want);
  assert.equal(r.result.search?.found, hi);
  assert.equal(r.result.epsUsed, hi);
  assert.equal(r.result.fooled, true);
});

/** the caffe model input k = (c, i): model channel c reads RGB plane 2 − c, minus that channel's mean */
function modelInput(k: number): number {
  const c = Math.floor(k / HW), i = k % HW;
  return x0[(2 - c) * HW + i]! - space.mean[c]!;
}
