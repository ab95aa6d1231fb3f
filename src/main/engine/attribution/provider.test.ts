// Attribution runs on the provider the app's setting resolved to, through the runtime module, and says
// which provider really ran. This machine has no GPU and this onnxruntime-node build has no CUDA, so
// asking for CUDA must fall back to CPU with a plain reason — in-process and in the engine worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../onnx/model';
import { Attributor } from './attribute';
import { linearModel } from './testing/tiny-models';
import { parseAttributionSettings } from './types';
import { EngineWorker } from '../jobs/worker-client';
import { preset } from '../../../shared/pixels';
import type { AttributionResult } from './types';

const W = [[1, 2, 3, 4], [0, 0, 0, 1]];
const x = { data: Float32Array.from([1, -2, 3, 0.5]), shape: [1, 1, 2, 2] as [1, number, number, number] };
const class0 = { kind: 'class' as const, index: 0 };

test('CPU placement: every session on CPU, no fallback reason', async () => {
  const a = new Attributor(linearModel([1, 2, 2], W, [0.5, 0]), [1, 2, 2], { placement: { provider: 'cpu', threads: 1 } });
  for (const s of [{ method: 'saliency' as const, target: class0 }, { method: 'occlusion' as const, window: 1, stride: 1, target: class0 }]) {
    const r = await a.attribute(x, s);
    assert.equal(r.provider, 'cpu');
    assert.equal(r.fallbackReason, undefined);
    assert.equal(r.providers, undefined);
  }
  await a.release();
});

test('CUDA placement without CUDA: the run still gives the right map, on CPU, with the reason', async () => {
  const a = new Attributor(linearModel([1, 2, 2], W, [0.5, 0]), [1, 2, 2], { placement: { provider: 'cuda' } });
  assert.equal(a.placement.provider, 'cuda');
  const r = await a.attribute(x, { method: 'saliency', target: class0 });
  assert.deepEqual([...r.map], W[0]);
  assert.equal(r.provider, 'cpu');
  assert.match(r.fallbackReason ?? '', /^CUDA could not load this model \(.+\); running it on CPU\.$/);
  await a.release();
});

test('the engine worker keeps an attribution job\'s sessions per model and releases one model', async () => {
  const w = new EngineWorker();
  try {
    await w.setProvider('cpu');
    const bytes = encodeModel(linearModel([1, 2, 2], W, [0.5, 0]));
    const job = (sha = 'lin') => w.job('attribution', {
      model: { sha, fileName: 'linear.onnx', bytes }, chw: [1, 2, 2], data: Float32Array.from(x.data), dims: [1, 1, 2, 2], input: 'x',
      settings: parseAttributionSettings({ method: 'saliency', target: class0 }), space: preset('raw01', 2, 2),
    }).done as Promise<AttributionResult>;
    const first = await job();
    assert.equal(first.provider, 'cpu');
    assert.deepEqual([...first.map], W[0]);
    // same model: the compiled session is reused
    assert.equal((await job()).timings.prepareMs, 0);
    // releasing the model drops its sessions: the next run compiles again
    await w.release('lin');
    assert.ok((await job()).timings.prepareMs > 0, 'compiled again after release');
    await w.release('other-model'); // a model the worker never saw: nothing to do
    assert.equal((await job()).timings.prepareMs, 0, 'another model\'s release keeps these sessions');
  } finally {
    await w.terminate();
  }
});
