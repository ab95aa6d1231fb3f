// DeepDream end to end on the real BVLC GoogLeNet (../shared/models) with the real onnxruntime:
// the loop raises the objective it claims to, tiling changes nothing when shifts are off, a seed
// repeats a run, cancel keeps a full frame, and guided dreaming runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile, type Model } from '../onnx/model';
import { decodeRgb, dream, encodeDream, readDreamRecord, dreamRecord } from './index';
import { PRESETS, resizeRgb, type Rgb } from '../pixels/index';
import { PauseGate } from '../jobs/control';
import type { LoopPosition } from './loop';

const CAFFE_SPACE = PRESETS.caffe;

const shared = path.resolve(__dirname, '../../../../../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const SKY = path.join(shared, 'images/content/sky.jpg');
const missing = !fs.existsSync(MODEL) || !fs.existsSync(SKY) ? `needs ${MODEL} and ${SKY} (../shared absent)` : undefined;

let model: Model | undefined;
const googlenet = () => (model ??= readModelFile(MODEL));
async function sky(width?: number): Promise<Rgb> {
  const full = await decodeRgb(SKY);
  return width ? resizeRgb(full, width, Math.round((full.height * width) / full.width)) : full;
}
const LAYER = [{ name: 'inception_4c/output', weight: 1 }];

test('the objective at inception_4c/output (mean of squares) rises at least 3× on sky.jpg', { skip: missing }, async () => {
  // Fewer steps than the classic 40 keep this short on 2 cores; the claim already holds.
  const r = await dream({ photo: await sky(), model: googlenet(), space: CAFFE_SPACE, settings: { layers: LAYER, octaves: 3, iterations: 6, seed: 7 } }, { measureObjective: true });
  assert.equal(r.status, 'done');
  assert.equal(r.image.width, 550);
  assert.equal(r.image.height, 413);
  const gain = r.objectiveAfter! / r.objectiveBefore!;
  console.log(`objective ${r.objectiveBefore} → ${r.objectiveAfter} (${gain.toFixed(2)}×) in ${r.stepsDone} steps, ${(r.timings.totalMs / 1000).toFixed(1)} s`);
  assert.ok(gain >= 3, `objective rose only ${gain.toFixed(2)}×`);
});

test('tiled and whole-image runs give the same result when shifts are off', { skip: missing }, async () => {
  // inception_3b/output (field 91 px, stride 8): the exact margin is 96 px, so 64-px tiles of a 160×120
  // photo are real tiles (3×2 of them) and the test stays quick; the arithmetic is the same for any layer.
  const photo = await sky(160);
  const settings = { layers: [{ name: 'inception_3b/output', weight: 1 }], octaves: 2, iterations: 3, jitter: 0, tileShift: false, seed: 3, tileSize: 64, tileMargin: 'exact' as const };
  const whole = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { ...settings, maxWholePixels: 1 << 24 } });
  const tiled = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { ...settings, maxWholePixels: 1 } });
  assert.ok(tiled.timings.octaves.every((o) => o.tiles > 1), 'every octave ran in several tiles');
  assert.ok(whole.timings.octaves.every((o) => o.tiles === 1));
  let maxDiff = 0, changed = 0;
  for (let i = 0; i < whole.image.data.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(whole.image.data[i]! - tiled.image.data[i]!));
    if (whole.image.data[i] !== photo.data[i]) changed++;
  }
  console.log(`tiled vs whole: max pixel difference ${maxDiff}; ${changed} of ${photo.data.length} values changed by dreaming`);
  assert.ok(changed > photo.data.length / 2, 'the dream changed the photo');
  assert.ok(maxDiff <= 1, `tiled and whole results differ by up to ${maxDiff} levels`);
});

test('the same seed gives the same image, another seed another one', { skip: missing }, async () => {
  const photo = await sky(200);
  const run = (seed: number) => dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { layers: LAYER, octaves: 2, iterations: 2, seed } });
  const [a, b, c] = [await run(11), await run(11), await run(12)];
  assert.deepEqual(a.image.data, b.image.data);
  assert.notDeepEqual(a.image.data, c.image.data);
});

test('cancel keeps the last full frame at full size; pause holds the run', { skip: missing }, async () => {
  const photo = await sky(200);
  const control = new PauseGate();
  let steps = 0;
  let pausedAt = -1;
  const r = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { layers: LAYER, octaves: 3, iterations: 3, seed: 5 } }, {
    control,
    onProgress: () => {
      steps++;
      if (steps === 2) {
        control.pause();
        pausedAt = steps;
        setTimeout(() => { assert.equal(steps, pausedAt, 'no step ran while paused'); control.resume(); }, 300);
      }
      if (steps === 4) control.cancel(); // in the second octave
    },
  });
  assert.equal(r.status, 'cancelled');
  assert.equal(r.stepsDone, 4);
  assert.equal(r.image.width, photo.width);
  assert.equal(r.image.height, photo.height);
  assert.notDeepEqual(r.image.data, photo.data, 'the partial dream is kept');
});

test('resuming from a checkpoint runs only the steps that were left and dreams as much as the whole run', { skip: missing }, async () => {
  const photo = await sky(200);
  const settings = { layers: LAYER, octaves: 3, iterations: 3, seed: 5 };
  const frames: { frame: Rgb; at: LoopPosition }[] = [];
  const whole = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings }, { onFullFrame: (frame, at) => frames.push({ frame, at }) });
  assert.deepEqual(frames.map((f) => `${f.at.octave}:${f.at.iteration}`), ['0:1', '0:2', '0:3', '1:1', '1:2', '1:3', '2:1', '2:2', '2:3']);
  // Pixels are no test here: a ±1-level change of the photo moves a dream's result by 3.4 levels on average
  // (the whole dream moves it 3.8), so from an 8-bit frame no run lands on the same pixels. How far the
  // result moved from the photo says how much was dreamed: as much as the whole run, where dreaming the
  // frame with the whole schedule again (what Resume did before positions) moves it 25–40% further.
  for (const k of [4, 6]) {
    // interrupted after the second step of the middle octave (k 4), or after the first of the last (k 6)
    const { frame, at } = frames[k]!;
    let steps = 0;
    const resumed = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings, start: { frame, at } }, { onProgress: () => steps++ });
    assert.equal(steps, 9 - (k + 1), `after ${at.octave}:${at.iteration} only the steps left run`);
    assert.equal(resumed.stepsDone, 9, 'the run counts the steps done before the interruption');
    assert.equal(resumed.objectiveBefore, whole.objectiveBefore, 'measured on the photo, not the frame');
    const again = await dream({ photo: frame, model: googlenet(), space: CAFFE_SPACE, settings });
    const moved = (r: Rgb) => r.data.reduce((t, v, i) => t + Math.abs(v - photo.data[i]!), 0) / r.data.length;
    const [w, r, a] = [moved(whole.image), moved(resumed.image), moved(again.image)];
    assert.ok(Math.abs(r / w - 1) < 0.1, `resumed at ${at.octave}:${at.iteration}: moved ${r.toFixed(2)} levels from the photo, the whole run ${w.toFixed(2)}`);
    assert.ok(a > 1.2 * w, `the whole schedule again moves it ${a.toFixed(2)} levels (the whole run ${w.toFixed(2)})`);
    assert.ok(Math.abs(resumed.objectiveAfter! / whole.objectiveAfter! - 1) < 0.1, `resumed objective ${resumed.objectiveAfter}, the whole run's ${whole.objectiveAfter}`);
  }
  await assert.rejects(dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { ...settings, seed: 6 }, start: frames[4]! }), /seeded 5/);
});

test('guided dreaming follows the guide and the PNG documents the run', { skip: missing }, async () => {
  const photo = await sky(200);
  const guide = path.join(shared, 'images/content/hummingbird.jpg');
  const r = await dream({ photo, model: googlenet(), space: CAFFE_SPACE, settings: { layers: LAYER, octaves: 2, iterations: 3, seed: 2, guide } }, { measureObjective: true });
  assert.equal(r.status, 'done');
  assert.ok(r.objectiveAfter! > r.objectiveBefore!, `guided score rose: ${r.objectiveBefore} → ${r.objectiveAfter}`);
  const png = await encodeDream(r.image, 'png', dreamRecord(r, { modelName: 'bvlc_googlenet.onnx', width: r.image.width, height: r.image.height }));
  const rec = readDreamRecord(png);
  assert.equal(rec?.settings.seed, 2);
  assert.equal(rec?.settings.guide, guide);
  assert.deepEqual(rec?.settings.layers, LAYER);
});
