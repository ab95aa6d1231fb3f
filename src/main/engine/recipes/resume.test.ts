// The recipes' resume hooks ([Note: unfinished runs]): an interrupted dream restarts from its last
// checkpoint image (full size, PNG: as is; an old row's small preview: enlarged to the start image's size);
// an interrupted style run's first stage starts from the frame; an adversarial attack from its image
// clipped into its ε-box; a one-batch pixel or Fourier feature visualization from its items (others rerun).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { dreamRecipe } from './dream';
import { styleRecipe } from './style';
import { adversarialRecipe } from './adversarial';
import { featurevisRecipe, prepareFeaturevis } from './featurevis';
import { JobControl, type RgbFrame } from '../jobs/control';
import { fileModelRecord, localEnv, runFeaturevisLocally } from '../featurevis/local';
import { edgeModel, loaded, verticalEdge } from '../featurevis/testing';
import { preset, presetSpace } from '../../../shared/pixels';
import { runDreamLoop } from '../dream/loop';
import { withPosition } from '../jobs/position';

const png = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer().then((b) => new Uint8Array(b));

test('dream resumes from the frame at the photo\'s size; style starts its first stage from the frame', async () => {
  const photo = await png(64, 48, [0, 0, 255]);
  const frame = await sharp(await png(32, 24, [255, 0, 0])).jpeg().toBuffer();
  const prepared = { title: 'Dream', input: { photo, other: 1 } } as never;
  const r = await dreamRecipe.resume!(prepared, frame, {} as never, {} as never);
  const out = await sharp((r.input as unknown as { photo: Uint8Array }).photo).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([out.info.width, out.info.height], [64, 48], 'the photo\'s size');
  assert.ok(out.data[0]! > 200 && out.data[2]! < 50, `the frame's pixels (${[...out.data.subarray(0, 3)]}), not the photo's`);
  assert.equal((r.input as unknown as { other: number }).other, 1, 'the rest of the input as prepared');

  const s = await styleRecipe.resume!({ title: 'Style', input: { layers: [] }, transfer: [] } as never, frame, {} as never, {} as never);
  const start = (s.input as unknown as { start: { width: number; height: number; data: Uint8Array } }).start;
  assert.deepEqual([start.width, start.height], [32, 24]);
  assert.ok(s.transfer?.includes(start.data.buffer as ArrayBuffer), 'moved to the worker, not copied');
});

test('dream resumes from a full-size PNG checkpoint exactly as it is', async () => {
  const photo = await png(64, 48, [0, 0, 255]);
  const raw = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256);
  const frame = new Uint8Array(await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer());
  const r = await dreamRecipe.resume!({ title: 'Dream', input: { photo } } as never, frame, {} as never, {} as never);
  const out = await sharp((r.input as unknown as { photo: Uint8Array }).photo).raw().toBuffer();
  assert.deepEqual(new Uint8Array(out), raw, 'every pixel of the checkpoint, no resampling');
});

test('a dream checkpoint that says where it was taken resumes there: the start image stays, the seed is the run\'s', async () => {
  const photo = await png(64, 48, [0, 0, 255]);
  const raw = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256);
  const plain = new Uint8Array(await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer());
  const frame = withPosition(plain, { octave: 1, iteration: 2, seed: 77 });
  const settings = { octaves: 4, iterations: 10, seed: undefined };
  const r = await dreamRecipe.resume!({ title: 'Dream', input: { photo, settings } } as never, frame, {} as never, {} as never);
  const input = r.input as unknown as { photo: Uint8Array; settings: { seed?: number }; start?: { frame: Uint8Array; at: unknown } };
  assert.equal(input.photo, photo, 'the octaves are built from the start image');
  assert.equal(input.settings.seed, 77);
  assert.deepEqual(input.start?.at, { octave: 1, iteration: 2, seed: 77 });
  assert.equal(input.start?.frame, frame);
  // a position this run cannot have (octave 4 of 4) is not trusted: dream on from the frame with the whole schedule
  const odd = withPosition(plain, { octave: 4, iteration: 0, seed: 77 });
  const r2 = await dreamRecipe.resume!({ title: 'Dream', input: { photo, settings } } as never, odd, {} as never, {} as never);
  assert.equal((r2.input as unknown as { start?: unknown }).start, undefined);
  assert.equal((r2.input as unknown as { photo: Uint8Array }).photo, odd);
});

test('a style checkpoint with its position goes on at that stage when the frame is that stage\'s size', async () => {
  const raw = new Uint8Array(32 * 24 * 3).map((_, i) => (i * 13) % 256);
  const plain = new Uint8Array(await sharp(raw, { raw: { width: 32, height: 24, channels: 3 } }).png().toBuffer());
  const input = { layers: [], content: { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) }, styles: [], resolved: { stages: [16, 32, 64], stageIterations: [5, 5, 5], styleScale: 1 } };
  const at = await styleRecipe.resume!({ title: 'Style', input, transfer: [] } as never, withPosition(plain, { stage: 1, tile: 0, iteration: 3 }), {} as never, {} as never);
  assert.deepEqual((at.input as unknown as { resumeAt?: unknown }).resumeAt, { stage: 1, tile: 0, iteration: 3 });
  // the same frame named as the last stage's (64 × 48): not that stage's picture, so the first stage starts from it
  const odd = await styleRecipe.resume!({ title: 'Style', input, transfer: [] } as never, withPosition(plain, { stage: 2, tile: 0, iteration: 3 }), {} as never, {} as never);
  assert.equal((odd.input as unknown as { resumeAt?: unknown }).resumeAt, undefined);
  assert.equal((odd.input as unknown as { start: { width: number } }).start.width, 32);
  // a tile the stage does not have (it runs as one image), or a position missing a field: not trusted either
  for (const bad of [{ stage: 1, tile: 1, iteration: 3 }, { stage: 1, iteration: 3 }] as Record<string, number>[]) {
    const r = await styleRecipe.resume!({ title: 'Style', input, transfer: [] } as never, withPosition(plain, bad), {} as never, {} as never);
    assert.equal((r.input as unknown as { resumeAt?: unknown }).resumeAt, undefined, JSON.stringify(bad));
  }
});

test('adversarial resumes from its checkpoint PNG clipped into the ε-box around the original; a JPEG preview reruns', async () => {
  const [w, h] = [4, 2];
  const original = new Float32Array(3 * w * h).fill(100);
  const prepared = { title: 'Adversarial', input: { width: w, height: h, original, settings: { method: 'pgd', eps: 2 } }, transfer: [] } as never;
  const rgb = new Uint8Array(3 * w * h).map((_, k) => (k % 3 === 0 ? 101 : k % 3 === 1 ? 90 : 130));
  const frame = new Uint8Array(await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
  const r = await adversarialRecipe.resume!(prepared, frame, {} as never, {} as never);
  const start = (r.input as unknown as { start: Float32Array }).start;
  const planes = [0, 1, 2].map((c) => [...new Set(start.subarray(c * w * h, (c + 1) * w * h))]);
  assert.deepEqual(planes, [[101], [98], [102]], 'R as in the frame (inside the box); G and B clipped to 100 ∓ 2');
  const fool = await adversarialRecipe.resume!({ title: 'A', input: { width: w, height: h, original, settings: { method: 'fool', eps: 2 } } } as never, frame, {} as never, {} as never);
  assert.equal((fool.input as unknown as { start: Float32Array }).start[w * h], 90, 'fooling has no ε-box: the frame as it is');
  const jpeg = await sharp(frame).jpeg().toBuffer();
  assert.equal(await adversarialRecipe.resume!(prepared, jpeg, {} as never, {} as never), prepared, 'an old row\'s JPEG preview is not the attack\'s state: it reruns');
});

// featurevis on the tiny edge detector (real onnxruntime): a run's last checkpoint image (taken by the worker
// half through its JobControl), resumed with 2 steps, starts where the first run ended — its objective at the
// start is the first run's final one, not a fresh start's — for the pixel and the Fourier parameterization.
for (const param of ['pixel', 'fourier'] as const) {
  test(`featurevis (${param}) resumes from its last checkpoint image`, async () => {
    const lm = loaded(edgeModel(verticalEdge(5)), 'edges.onnx');
    const rec = await fileModelRecord(lm, preset('raw01', 32));
    const env = localEnv(lm);
    const settings = (steps: number) => ({ items: [{ terms: [{ target: { kind: 'channel', layer: 'edges', channel: 0 }, weight: 1 }] }], size: 32, steps, batch: 1, seed: 3, param, transforms: { pad: 2, jitter: 2, jitterAfter: 1, scales: [1], angles: [] } });
    try {
      let last: RgbFrame | undefined;
      const ctl = new JobControl({ progress: () => undefined, preview: () => undefined, checkpoint: (f) => { last = { ...f, data: f.data.slice() }; } }, { checkpointEveryMs: 0 });
      const first = await runFeaturevisLocally({ lm, rec, settings: settings(48), env, control: ctl });
      assert.deepEqual([last?.width, last?.height], [32, 32], 'one item at full size');
      const frame = new Uint8Array(await sharp(last!.data, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
      const fresh = await prepareFeaturevis({ rec, model: lm.model, modelRef: { sha: lm.sha256, fileName: lm.fileName }, settings: settings(2) });
      const resumed = await featurevisRecipe.resume!(fresh, frame, {} as never, {} as never);
      assert.notEqual(resumed, fresh);
      const again = (await featurevisRecipe.run(resumed.input, new JobControl(), env)).output.items[0]!;
      const before = first.outcome.items[0]!;
      const rerun = (await featurevisRecipe.run(fresh.input, new JobControl(), env)).output.items[0]!;
      assert.ok(Math.abs(again.objectiveStart - before.objective) < 0.1 * Math.abs(before.objective), `starts at the frame: ${again.objectiveStart} vs the first run's ${before.objective}`);
      assert.ok(rerun.objectiveStart < 0.5 * again.objectiveStart, `a fresh start is elsewhere: ${rerun.objectiveStart}`);
      const diff = again.rgb.reduce((a, v, k) => a + Math.abs(v - last!.data[k]!), 0) / again.rgb.length;
      assert.ok(diff < 12, `two more steps stay near the frame (mean |Δ| ${diff.toFixed(1)} levels)`);
      // a run of several batches (or MACO) cannot start from one frame: it reruns
      const multi = await prepareFeaturevis({ rec, model: lm.model, modelRef: { sha: lm.sha256, fileName: lm.fileName }, settings: { ...settings(2), items: [settings(2).items[0]!, settings(2).items[0]!] } });
      assert.equal(await featurevisRecipe.resume!(multi, frame, {} as never, {} as never), multi);
    } finally {
      await env.dispose();
    }
  });
}

test('featurevis: a checkpoint that says its step and seed goes on there, with only the steps that were left', async () => {
  const lm = loaded(edgeModel(verticalEdge(5)), 'edges.onnx');
  const rec = await fileModelRecord(lm, preset('raw01', 32));
  const env = localEnv(lm);
  // no seed: prepare draws one, so the resumed run must take the interrupted run's from the checkpoint
  const settings = { items: [{ terms: [{ target: { kind: 'channel', layer: 'edges', channel: 0 }, weight: 1 }] }], size: 32, steps: 30, batch: 1, param: 'fourier', transforms: { pad: 2, jitter: 2, jitterAfter: 1, scales: [1], angles: [] } };
  try {
    const taken: { frame: RgbFrame; at: Record<string, number> }[] = [];
    const ctl = new JobControl({ progress: () => undefined, preview: () => undefined, checkpoint: (f, at) => { taken.push({ frame: { ...f, data: f.data.slice() }, at: { ...at! } }); } }, { checkpointEveryMs: 0 });
    const first = await runFeaturevisLocally({ lm, rec, settings, env, control: ctl });
    assert.deepEqual(taken.map((t) => t.at.step), Array.from({ length: 30 }, (_, k) => k + 1));
    const { frame: f, at } = taken[11]!; // after step 12
    assert.equal(at.seed, first.input.settings.seed);
    const plain = new Uint8Array(await sharp(f.data, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
    const png = withPosition(plain, at);
    const fresh = await prepareFeaturevis({ rec, model: lm.model, modelRef: { sha: lm.sha256, fileName: lm.fileName }, settings });
    const resumed = await featurevisRecipe.resume!(fresh, png, {} as never, {} as never);
    const input = resumed.input as unknown as { startStep?: number; settings: { seed: number } };
    assert.equal(input.startStep, 12);
    // a step past the run's end is not trusted: the run starts over from the frame
    const late = await featurevisRecipe.resume!(fresh, withPosition(plain, { step: 31, seed: at.seed! }), {} as never, {} as never);
    assert.equal((late.input as unknown as { startStep?: number }).startStep, undefined);
    assert.equal(input.settings.seed, at.seed, 'the interrupted run\'s seed, not a new draw');
    let steps = 0;
    const r = await featurevisRecipe.run(resumed.input, new JobControl({ progress: (p) => { if (/step \d+\/30/.test(p.message ?? '')) steps++; }, preview: () => undefined }, { progressEveryMs: 0 }), env);
    assert.equal(steps, 18, 'steps 13..30 only');
    assert.equal(r.output.stepsDone, 30);
    const end = first.outcome.items[0]!.objective, again = r.output.items[0]!.objective;
    assert.ok(Math.abs(again - end) < 0.15 * Math.abs(end), `lands near the whole run: ${again} vs ${end}`);
  } finally {
    await env.dispose();
  }
});

test('the dream loop\'s checkpoint image is its state at the photo\'s full size, at every octave', async () => {
  // a gradient of ones moves every pixel one level per step (raw 0..255 space)
  const grads = { forShape: async () => async (_input: Float32Array, grad: Float32Array) => { grad.fill(1); return 1; } };
  const photo = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(100) };
  const frames: RgbFrame[] = [];
  let asked = 0;
  await runDreamLoop(photo, presetSpace('raw255'), grads, { octaves: 2, octaveScale: 2, iterations: 2, step: 1, jitter: 0, seed: 1, tileSize: 512, tileMargin: 0, maxWholePixels: 1e9, tileShift: false }, {
    wantsFullFrame: () => ++asked % 2 === 1, // like a rate limit: every other step
    onFullFrame: (f) => frames.push(f),
  });
  assert.deepEqual(frames.map((f) => [f.width, f.height]), [[40, 30], [40, 30]], 'the photo\'s size, also in the half-size octave');
  // step 1 of octave 1 (20×15): the photo plus the detail so far; step 1 of octave 2: 100 + 2 + 1
  assert.deepEqual(frames.map((f) => [...new Set(f.data)]), [[101], [103]]);
});
