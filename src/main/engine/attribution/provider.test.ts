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
import { GradientRuntime } from '../gradients/index';
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

test('a shared gradient runtime keys sessions by provider, serves another attributor from its cache and releases one model', async () => {
  // what a long-lived worker does: one runtime for every job, attributors made and dropped around it
  const runtime = new GradientRuntime();
  const model = linearModel([1, 2, 2], W, [0.5, 0]);
  const saliency = (provider: 'cpu' | 'cuda', sha = 'lin') =>
    new Attributor(model, [1, 2, 2], { placement: { provider }, runtime, modelSha: sha }).attribute(x, { method: 'saliency', target: class0 });
  const cpu = await saliency('cpu');
  assert.equal(cpu.provider, 'cpu');
  assert.equal(cpu.fallbackReason, undefined);
  assert.ok(cpu.timings.prepareMs > 0);
  // same model, same provider, a new attributor: the compiled session is reused
  assert.equal((await saliency('cpu')).timings.prepareMs, 0);
  // another provider: fresh sessions made for it (here it falls back, and says so)
  const cuda = await saliency('cuda');
  assert.equal(cuda.provider, 'cpu');
  assert.ok(cuda.timings.prepareMs > 0, 'sessions for the new provider are made');
  assert.match(cuda.fallbackReason ?? '', /^CUDA could not load this model/);
  assert.deepEqual([...cuda.map], W[0]);
  // the runtime's release of the model drops its sessions: the next run compiles again
  await runtime.release('lin');
  assert.equal(runtime.sessions.size, 0);
  assert.ok((await saliency('cuda')).timings.prepareMs > 0, 'compiled again after release');
  await runtime.release('other-model'); // a model the runtime never saw: nothing to do
  assert.equal((await saliency('cuda')).timings.prepareMs, 0, 'another model\'s release keeps these sessions');
  // an attributor on a shared runtime releases its own model's sessions at its input size, nothing else
  await runtime.release();
  await saliency('cpu', 'other');
  const other = runtime.sessions.size;
  await saliency('cpu', 'lin');
  assert.ok(runtime.sessions.size > other);
  await new Attributor(model, [1, 2, 2], { runtime, modelSha: 'lin' }).release();
  assert.equal(runtime.sessions.size, other, 'the other model keeps its sessions');
  await runtime.release();
  assert.equal(runtime.sessions.size, 0);
});
