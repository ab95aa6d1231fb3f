// Attribution on a real network: BVLC GoogLeNet at 224 on ../shared/images/content/dog.jpg, target the
// top-1 logit (loss3/classifier, pre-softmax). IG's completeness error falls as steps grow and is
// ≤ 0.5% at 256 steps; occlusion's strongest drop and Grad-CAM's peak lie on the dog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../onnx/model';
import { pixelSpace, preset } from '../../../shared/pixels';
import { Attributor } from './attribute';
import { reduceChannels } from '../../../shared/colormap';
import { parseLabels } from './model-info';
import { photoToInput } from './overlay';

const SHARED = path.resolve(__dirname, '../../../../../shared');
const MODEL = path.join(SHARED, 'models/bvlc_googlenet.onnx');
const DOG = path.join(SHARED, 'images/content/dog.jpg');
const LABELS = path.join(SHARED, 'models/labels/imagenet_synset_words.txt');
const missing = [MODEL, DOG, LABELS].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;
if (missing) console.log(`# skipping GoogLeNet attribution tests: ${missing} is absent`);

// Where the puppy is in dog.jpg (looked at the photo): x from 18% to 67% of the width, y from 12% to
// the bottom edge. The box adds a margin around that.
const DOG_BOX = { x0: 0.12, x1: 0.73, y0: 0.06, y1: 1.0 };
function peakOnDog(map: Float32Array, shape: number[]): { x: number; y: number; inside: boolean } {
  const { data, h, w } = reduceChannels(map, shape);
  let best = 0;
  for (let i = 1; i < data.length; i++) if (data[i]! > data[best]!) best = i;
  const x = (best % w + 0.5) / w, y = (Math.floor(best / w) + 0.5) / h;
  return { x, y, inside: x >= DOG_BOX.x0 && x <= DOG_BOX.x1 && y >= DOG_BOX.y0 && y <= DOG_BOX.y1 };
}

async function setup() {
  const pre = preset('caffe', 224, 224);
  const input = await photoToInput(new Uint8Array(fs.readFileSync(DOG)), pre, 'dog.jpg');
  const labels = parseLabels(fs.readFileSync(LABELS, 'utf8'));
  const a = new Attributor(readModelFile(MODEL), [3, 224, 224], { labels, pixelSpace: pixelSpace(pre), label: 'bvlc_googlenet.onnx' });
  return { a, input };
}

test('GoogLeNet dog.jpg: IG completeness error falls with steps and is ≤ 0.5% at 256', { skip }, async () => {
  const { a, input } = await setup();
  const errors: number[] = [];
  for (const steps of [16, 64, 256]) {
    const r = await a.attribute(input, { method: 'ig', steps, batchSize: 16 });
    assert.equal(r.settings.target.kind === 'class' && r.settings.target.label, 'golden retriever');
    errors.push(r.completeness!.relativeError);
    console.log(`# IG ${steps} steps: completeness error ${(100 * r.completeness!.relativeError).toFixed(3)}% (Σattr ${r.completeness!.attributionSum.toFixed(3)}, f(x) − f(b) ${r.completeness!.scoreDelta.toFixed(3)}), ${r.timings.totalMs.toFixed(0)} ms`);
  }
  assert.ok(errors[1]! < errors[0]! && errors[2]! < errors[1]!, `errors should fall: ${errors}`);
  assert.ok(errors[2]! <= 0.005, `256 steps: ${errors[2]}`);
  await a.release();
});

test('GoogLeNet dog.jpg: occlusion\'s strongest drop and Grad-CAM\'s peak lie on the dog', { skip }, async () => {
  const { a, input } = await setup();
  const occ = await a.attribute(input, { method: 'occlusion', window: 32, stride: 16, batchSize: 16 });
  const po = peakOnDog(occ.map, occ.shape);
  console.log(`# occlusion peak at (${po.x.toFixed(2)}, ${po.y.toFixed(2)}), ${occ.timings.passes} passes, ${occ.timings.totalMs.toFixed(0)} ms`);
  assert.ok(po.inside, `occlusion peak (${po.x}, ${po.y}) is off the dog`);
  const cam = await a.attribute(input, { method: 'gradcam' });
  assert.equal((cam.settings as { layer?: string }).layer, 'inception_5b/output');
  const pc = peakOnDog(cam.map, cam.shape);
  console.log(`# Grad-CAM peak at (${pc.x.toFixed(2)}, ${pc.y.toFixed(2)}), ${cam.timings.totalMs.toFixed(0)} ms`);
  assert.ok(pc.inside, `Grad-CAM peak (${pc.x}, ${pc.y}) is off the dog`);
  // the top-1 score is the same number whichever path computed it
  assert.ok(Math.abs(cam.targetScore - occ.targetScore) < 1e-3);
  await a.release();
});
