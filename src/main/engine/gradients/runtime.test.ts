// The gradient runtime on hand-computable models, with the real onnxruntime: target inputs fed by name and
// role (a Gram objective checked against its gradient written out by hand), batches equal to per-item
// runs, in-graph top-1, sessions cached by key and bounded, held sessions never evicted, release, the
// CPU fallback recorded, forward sessions (rewritten or not) and the one cutting function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTensor, type Model } from '../onnx/model';
import { camModel, linearModel } from '../attribution/testing/tiny-models';
import { cutModel, GradientRuntime, runtimeModel } from './index';

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
};

/** feat = 2·x, x: [N, 2, 2, 2] — a feature map whose Gram gradient is easy to write down. */
function doubler(): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'doubler', initializers: [makeTensor('two', 'float32', [], [2])],
      nodes: [{ name: 'mul', opType: 'Mul', domain: '', inputs: ['x', 'two'], outputs: ['feat'], attrs: {} }],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 2, 2] }], outputs: [{ name: 'feat', dtype: 'float32' }], valueInfo: [],
    },
  };
}

/** Σ_ij (G − T)²_ij, G = F Fᵀ / (C·H·W), F = 2x as [C, HW]; d/dx = 2 · (2/S)(D + Dᵀ) F. */
function gramByHand(x: ArrayLike<number>, T: number[]): { value: number; grad: number[] } {
  const C = 2, HW = 4, S = C * HW;
  const F = Array.from(x, (v) => 2 * v);
  const G = [0, 1, 2, 3].map((k) => { const i = k >> 1, j = k & 1; let s = 0; for (let p = 0; p < HW; p++) s += F[i * HW + p]! * F[j * HW + p]!; return s / S; });
  const D = G.map((g, k) => g - T[k]!);
  const grad: number[] = [];
  for (let i = 0; i < C; i++) for (let p = 0; p < HW; p++) {
    let s = 0;
    for (let j = 0; j < C; j++) s += (D[i * C + j]! + D[j * C + i]!) * F[j * HW + p]!;
    grad.push(2 * (2 / S) * s);
  }
  return { value: D.reduce((a, d) => a + d * d, 0), grad };
}

test('a Gram objective\'s target is fed at run time (by name or role); batch > 1 equals per-item runs', async () => {
  const runtime = new GradientRuntime({ placement: { provider: 'cpu', threads: 1 } });
  const model = runtimeModel(doubler(), 'doubler');
  const xs = [Float32Array.from([1, -2, 0.5, 3, -1, 2, 0.25, -0.5]), Float32Array.from([0.3, 0.1, -0.7, 1.5, 2, -1, 0.5, 1])];
  const T = [1.5, -0.25, 0.75, 2]; // not symmetric: both halves of the gradient count
  const one = await runtime.gradient({ model, input: 'x', shape: [1, 2, 2, 2], objective: { kind: 'gram', layer: 'feat' } });
  assert.deepEqual(one.targetInputs.map((t) => [t.shape, t.role]), [[[2, 2], 'gram:feat']]);
  const name = one.targetInputs[0]!.name;
  for (const x of xs) {
    const want = gramByHand(x, T);
    for (const targets of [{ [name]: Float32Array.from(T) }, { 'gram:feat': Float32Array.from(T) }]) {
      const r = await one.run(x, targets);
      close([r.objective], [want.value], 1e-5, 'objective');
      close(r.perItem, [want.value], 1e-5, 'per item');
      close(r.inputGrad, want.grad, 1e-5, 'gradient');
    }
  }
  // another target needs no new session: it is an input of the same graph
  const r0 = await one.run(xs[0]!, { [name]: new Float32Array(4) });
  close(r0.inputGrad, gramByHand(xs[0]!, [0, 0, 0, 0]).grad, 1e-5, 'zero target');
  await assert.rejects(one.run(xs[0]!), /objective target ".*" \(gram:feat, \[2,2\]\) was not fed/);
  await assert.rejects(one.run(xs[0]!, { [name]: new Float32Array(3) }), /needs 4 values/);
  await assert.rejects(one.run(xs[0]!, { [name]: new Float32Array(4), nope: new Float32Array(1) }), /has no target "nope"/);
  await one.release();

  const two = await runtime.gradient({ model, input: 'x', shape: [2, 2, 2, 2], objective: { kind: 'gram', layer: 'feat' } });
  assert.equal(two.fresh, true, 'the batch size is part of the key');
  const batch = new Float32Array(16);
  batch.set(xs[0]!, 0);
  batch.set(xs[1]!, 8);
  const r = await two.run(batch, { 'gram:feat': Float32Array.from(T) });
  const a = gramByHand(xs[0]!, T), b = gramByHand(xs[1]!, T);
  close(r.perItem, [a.value, b.value], 1e-5, 'per item');
  close([r.objective], [a.value + b.value], 1e-5, 'total');
  close(r.inputGrad, [...a.grad, ...b.grad], 1e-5, 'each item its own gradient');
  await two.release();
  await runtime.release();
});

test('direction targets and in-graph top-1 on a linear classifier', async () => {
  const W = [[1, 2, 3, 4], [0, 0, 0, 1], [-1, 0, 1, 0]];
  const runtime = new GradientRuntime();
  const model = runtimeModel(linearModel([1, 2, 2], W, [0, 0, 5]));
  const x = Float32Array.from([1, -2, 3, 0.5]); // logits 8, 0.5, 7 → top-1 is class 0
  const dir = await runtime.gradient({ model, input: 'x', shape: [1, 1, 2, 2], objective: { kind: 'direction', layer: 'logits' } });
  const r = await dir.run(x, { 'direction:logits': Float32Array.from([0.5, 0, 2]) });
  close(r.inputGrad, W[0]!.map((w, i) => 0.5 * w + 2 * W[2]![i]!), 1e-6, 'Σ d_k W_k');
  close([r.objective], [0.5 * 8 + 2 * 7], 1e-5, 'objective');
  await dir.release();
  const top = await runtime.gradient({ model, input: 'x', shape: [1, 1, 2, 2], objective: { kind: 'direction', layer: 'logits' }, top1Of: 'logits' });
  assert.equal(top.targetInputs.length, 0, 'the graph feeds its own direction');
  const t = await top.run(x);
  assert.deepEqual(t.top1, { index: 0, score: t.perItem[0] });
  close([t.top1!.score], [8], 1e-5, 'score');
  close(t.inputGrad, W[0]!, 1e-6, 'top-1 gradient');
  await top.release();
  await assert.rejects(runtime.gradient({ model, input: 'x', shape: [2, 1, 2, 2], objective: { kind: 'direction', layer: 'logits' }, top1Of: 'logits' }), /in-graph top-1 needs one image/);
  await runtime.release();
});

test('layer outputs without the input gradient: the graph is cut above the layer', async () => {
  const runtime = new GradientRuntime();
  const model = runtimeModel(camModel([4, 4], [1, -1], [[1, 2]]));
  const x = Float32Array.from({ length: 16 }, (_, i) => i - 6);
  const spec = { model, input: 'x', shape: [1, 1, 4, 4], objective: { kind: 'logit' as const, layer: 'logits', index: 0 }, activations: ['feat'], gradientsOf: ['feat'] };
  const full = await runtime.gradient(spec);
  const cut = await runtime.gradient({ ...spec, inputGrad: false });
  assert.equal(cut.fresh, true);
  const a = await full.run(x), b = await cut.run(x);
  assert.equal(b.inputGrad.length, 0);
  assert.equal(a.inputGrad.length, 16);
  assert.deepEqual(Array.from(b.grads.feat!.data), Array.from(a.grads.feat!.data));
  assert.deepEqual(Array.from(b.activations.feat!.data), Array.from(a.activations.feat!.data));
  assert.deepEqual(b.grads.feat!.dims, [1, 2, 2, 2]);
  // d logit0 / d feat = V[0][k] / (H'·W') for every position of channel k
  close(b.grads.feat!.data, [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5], 1e-6, 'layer gradient');
  await full.release();
  await cut.release();
  await runtime.release();
});

test('sessions are cached by key, idle ones LRU-bounded per model, held ones never evicted; release frees', async () => {
  const runtime = new GradientRuntime({ limits: { gradient: 2 } });
  const model = runtimeModel(linearModel([1, 2, 2], [[1, 2, 3, 4]], [0]), 'lin');
  const spec = (k: number) => ({ model, input: 'x', shape: [1, 1, 2, 2], objective: { kind: 'logit' as const, layer: 'logits', index: 0 }, activations: k ? ['flat'] : [] });
  const a = await runtime.gradient(spec(0));
  assert.equal(a.fresh, true);
  assert.ok(a.prepareMs > 0 && a.compileMs > 0 && a.provider === 'cpu' && a.fallbackReason === undefined);
  await a.release();
  const again = await runtime.gradient(spec(0));
  assert.equal(again.fresh, false, 'the same key reuses the session');
  await again.release();
  for (const [what, s] of [
    ['rules', { ...spec(0), rules: 'guided' as const }], ['strategies', { ...spec(0), strategies: { maxPool: 'match' as const } }],
    ['threads', { ...spec(0), placement: { provider: 'cpu' as const, threads: 1 } }], ['memory mode', { ...spec(0), arena: false }],
  ] as const) {
    const h = await runtime.gradient(s);
    assert.equal(h.fresh, true, `${what} is part of the key`);
    await h.release({ drop: true });
  }
  // three held at once with room for two idle ones: none evicted while held
  const held = await Promise.all([0, 1, 2].map((k) => runtime.gradient(k === 2 ? { ...spec(0), rules: 'deconvnet' as const } : spec(k))));
  assert.equal(runtime.sessions.size, 3);
  for (const h of held) await h.release();
  assert.equal(runtime.sessions.size, 2, 'idle: at most 2 gradient sessions of this model');
  // release(sha) while a session is held: it leaves the cache at once and closes when let go
  const busy = await runtime.gradient(spec(0));
  await runtime.release('lin');
  assert.equal(runtime.sessions.size, 0);
  assert.equal((await busy.run(Float32Array.from([1, 1, 1, 1]))).inputGrad.length, 4, 'still usable by its holder');
  await busy.release();
  assert.equal((await runtime.gradient(spec(0))).fresh, true, 'made again after release');
  await runtime.release();
});

test('the provider that really ran is recorded, with the fallback reason; the strategies hook sees it', async () => {
  const asked: string[] = [];
  const runtime = new GradientRuntime({ placement: { provider: 'cuda' }, strategiesFor: (p) => { asked.push(p); return {}; } });
  const model = runtimeModel(linearModel([1, 2, 2], [[1, 2, 3, 4]], [0]));
  const s = await runtime.gradient({ model, input: 'x', shape: [1, 1, 2, 2], objective: { kind: 'logit', layer: 'logits', index: 0 } });
  assert.equal(s.provider, 'cpu');
  assert.match(s.fallbackReason ?? '', /^CUDA could not load this model \(.+\); running it on CPU\.$/);
  assert.deepEqual(asked, ['cuda']);
  close((await s.run(Float32Array.from([1, 1, 1, 1]))).inputGrad, [1, 2, 3, 4], 1e-6, 'gradient on CPU');
  await s.release();
  await runtime.release();
});

test('forward sessions: the rewritten forward and the model as it is agree, cut after the fetched tensors', async () => {
  const runtime = new GradientRuntime();
  const model = runtimeModel(camModel([4, 4], [1, -1], [[1, 2]]));
  const x = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 3);
  const rewritten = await runtime.forward({ model, input: 'x', shape: [2, 1, 4, 4], fetch: ['feat', 'logits'] });
  const plain = await runtime.forward({ model, input: 'x', shape: [2, 1, 4, 4], fetch: ['feat', 'logits'], rewrite: false });
  assert.equal(rewritten.compiled, true);
  assert.equal(plain.compiled, false);
  const a = await rewritten.run(x), b = await plain.run(x);
  assert.deepEqual(Object.keys(a).sort(), ['feat', 'logits']);
  assert.deepEqual(a.feat!.dims, [2, 2, 2, 2]);
  close(a.logits!.data, b.logits!.data, 1e-6, 'logits');
  close(a.feat!.data, b.feat!.data, 1e-6, 'feat');
  await rewritten.release();
  await plain.release();
  await runtime.release();
});

test('cutModel keeps what the outputs need: nodes, weights, inputs; inner tensors become outputs', () => {
  const m = camModel([4, 4], [1, -1], [[1, 1]]);
  const p = cutModel(m, ['feat']);
  assert.deepEqual(p.graph.nodes.map((n) => n.opType), ['Conv', 'Relu']);
  assert.deepEqual(p.graph.initializers.map((t) => t.name), ['k']);
  assert.deepEqual(p.graph.outputs, [{ name: 'feat', dtype: 'float32' }]);
  assert.deepEqual(p.graph.inputs.map((i) => i.name), ['x']);
  // an existing graph output keeps its declaration
  assert.deepEqual(cutModel(m, ['logits']).graph.outputs, m.graph.outputs);
  assert.throws(() => cutModel(m, ['nope', 'feat']), /the model has no tensor named "nope"/);
});
