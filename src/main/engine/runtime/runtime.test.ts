import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { EngineStatus } from '../../../shared/contract';
import { encodeModel } from '../onnx/model';
import { listedProviders, resolveProvider } from './providers';
import { SessionCache } from './sessions';
import { parseLabels, topK, toProbabilities } from './classify';

const relu = encodeModel({
  irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
  graph: {
    name: 'g', nodes: [{ name: 'r', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['y'], attrs: {} }], initializers: [],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 'n'] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 'n'] }], valueInfo: [],
  },
});

// This machine has no GPU, and this onnxruntime-node build has no DirectML/CoreML: every accelerator
// request must fall back to CPU with one plain-words reason.
for (const p of ['cuda', 'dml', 'coreml'] as const) {
  test(`requesting ${p} here falls back to CPU with a plain reason`, async () => {
    const s = await resolveProvider(p);
    assert.equal(s.setting, p);
    assert.equal(s.active, 'cpu');
    const label = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML' }[p];
    assert.match(s.fallbackReason ?? '', new RegExp(`^${label} was requested but .*; running on CPU\\.$`));
    assert.ok(!s.available.includes(p));
  });
}

test('cpu and auto need no fallback reason', async () => {
  const cpu = await resolveProvider('cpu');
  assert.equal(cpu.active, 'cpu');
  assert.equal(cpu.fallbackReason, undefined);
  assert.ok(cpu.available.includes('cpu'));
  const auto = await resolveProvider('auto');
  assert.equal(auto.fallbackReason, undefined);
  assert.ok(listedProviders().some((b) => b.name === 'cpu'));
});

test('the session cache reports the fallback ONCE, runs on CPU, and caches per (sha, variant, shape)', async () => {
  const cache = new SessionCache(1);
  const events: EngineStatus[] = [];
  cache.onStatus = (s) => events.push(s);
  const st = await cache.setProvider('cuda');
  assert.equal(st.active, 'cpu');
  assert.match(st.fallbackReason!, /CUDA/);
  let loads = 0;
  const src = () => { loads++; return { bytes: relu }; };
  const a = await cache.get({ sha: 's1', variant: 'plain', inputShape: [1, 3] }, src);
  const b = await cache.get({ sha: 's1', variant: 'plain', inputShape: [1, 3] }, src);
  assert.equal(a, b);
  assert.equal(a.provider, 'cpu');
  await cache.get({ sha: 's1', variant: 'plain', inputShape: [1, 4] }, src);
  assert.equal(loads, 2);
  const out = await a.session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 0, 2]), [1, 3]) });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [0, 0, 2]);
  assert.equal(events.filter((e) => e.fallbackReason).length, 1);
  await cache.release('s1');
  assert.equal(cache.size, 0);
  // least recently used sessions are dropped beyond maxSessions
  cache.maxSessions = 2;
  await cache.get({ sha: 'a', variant: 'plain', inputShape: [1, 1] }, src);
  await cache.get({ sha: 'b', variant: 'plain', inputShape: [1, 1] }, src);
  await cache.get({ sha: 'a', variant: 'plain', inputShape: [1, 1] }, src);
  await cache.get({ sha: 'c', variant: 'plain', inputShape: [1, 1] }, src);
  assert.equal(cache.size, 2);
  const before = loads;
  await cache.get({ sha: 'a', variant: 'plain', inputShape: [1, 1] }, src);
  assert.equal(loads, before, 'a was used recently and must still be cached');
  await cache.get({ sha: 'b', variant: 'plain', inputShape: [1, 1] }, src);
  assert.equal(loads, before + 1, 'b was the least recently used and must have been dropped');
  await cache.releaseAll();
});

test('top-K: logits get softmax, probabilities are used as-is', () => {
  const logits = topK([1, 3, 2], 2, ['a', 'b', 'c']);
  assert.equal(logits.appliedSoftmax, true);
  assert.deepEqual(logits.top.map((c) => c.label), ['b', 'c']);
  const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
  assert.ok(Math.abs(logits.top[0]!.probability - Math.exp(3) / z) < 1e-12);
  const probs = toProbabilities([0.2, 0.5, 0.3]);
  assert.equal(probs.appliedSoftmax, false);
  assert.deepEqual(Array.from(probs.probs), [0.2, 0.5, 0.3]);
  assert.equal(topK([0.2, 0.5, 0.3], 1).top[0]!.label, 'class 1');
});

test('labels: one per line, Caffe synset lines become the first common name', () => {
  assert.deepEqual(parseLabels('n01440764 tench, Tinca tinca\r\nn01443537 goldfish, Carassius auratus\nplain label\n\n'), ['tench', 'goldfish', 'plain label']);
});
