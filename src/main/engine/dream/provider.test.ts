// Dreams run on the engine's provider through the runtime module and say where they ran. This
// machine has no GPU and this onnxruntime-node build no CUDA: asking for CUDA must dream on CPU and
// give the reason (real GoogLeNet from ../shared, a tiny photo, one step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../onnx/model';
import { dream } from './index';
import { GradientRuntime } from '../gradients/index';
import { PRESETS } from '../../../shared/pixels';

const CAFFE_SPACE = PRESETS.caffe;

const shared = path.resolve(__dirname, '../../../../../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const missing = fs.existsSync(MODEL) ? undefined : `needs ${MODEL} (../shared absent)`;
if (missing) console.log(`# skipping dream provider test: ${missing}`);

test('a dream records the provider it ran on, and the reason when it fell back to CPU', { skip: missing }, async () => {
  const model = readModelFile(MODEL);
  const photo = { width: 64, height: 48, data: Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 37) % 256) };
  const settings = { layers: [{ name: 'inception_3a/output', weight: 1 }], octaves: 1, iterations: 1, seed: 1 };
  const cpu = await dream({ photo, model, space: CAFFE_SPACE, settings, provider: 'cpu', threads: 1 });
  assert.equal(cpu.provider, 'cpu');
  assert.equal(cpu.fallbackReason, undefined);
  const cuda = await dream({ photo, model, space: CAFFE_SPACE, settings, provider: 'cuda', threads: 1 });
  assert.equal(cuda.status, 'done');
  assert.equal(cuda.provider, 'cpu');
  assert.match(cuda.fallbackReason ?? '', /^CUDA could not load this model \(.+\); running it on CPU\.$/);
  assert.deepEqual(cuda.image.data, cpu.image.data, 'the same dream either way');
});

test('a dream on a shared gradient runtime dreams the same and leaves no session behind', { skip: missing }, async () => {
  const model = readModelFile(MODEL);
  const photo = { width: 64, height: 48, data: Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 37) % 256) };
  const settings = { layers: [{ name: 'inception_3a/output', weight: 1 }], octaves: 2, iterations: 1, seed: 1 };
  const runtime = new GradientRuntime({ placement: { provider: 'cpu', threads: 1 } });
  const own = await dream({ photo, model, space: CAFFE_SPACE, settings, provider: 'cpu', threads: 1 });
  const shared = await dream({ photo, model, space: CAFFE_SPACE, settings, runtime, modelSha: 'googlenet' });
  assert.deepEqual(shared.image.data, own.image.data);
  assert.equal(shared.provider, 'cpu');
  assert.equal(shared.timings.sessions.length, 2, 'one compiled session per octave shape');
  // an octave's sessions are dropped when the next octave starts, the last ones when the dream ends
  assert.equal(runtime.sessions.size, 0);
});
