// Compiler behaviour on tiny hand-built models: pruning, unsupported-op errors, override rule sets,
// extra outputs, error messages; and the objective vocabulary (names, validation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { compileGradient, UnsupportedOpsError } from './index';
import { makeTensor, type Model, type Node } from '../onnx/model';
import * as O from '../../../shared/objectives';

const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node =>
  ({ name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attrs });

function model(nodes: Node[], inits: ReturnType<typeof makeTensor>[], xShape: (number | string)[] = ['N', 6]): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 17 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
    graph: { name: 'tiny', nodes, initializers: inits, inputs: [{ name: 'x', dtype: 'float32', shape: xShape }], outputs: [{ name: nodes.at(-1)!.outputs[0]! }], valueInfo: [] },
  };
}

async function run(m: Model, opts: Parameters<typeof compileGradient>[1], x: number[]) {
  const c = await compileGradient(m, opts);
  const s = await ort.InferenceSession.create(c.bytes, { logSeverityLevel: 3 });
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x), opts.shape) });
  await s.release();
  // + 0 turns -0 into 0: the ReLU backward is dy · mask, so a negative dy at a dead unit gives -0
  return { c, out, grad: Array.from(out[c.outputs.inputGrad]!.data as Float32Array, (v) => v + 0) };
}

// z = Relu(x) * w with mixed-sign w; objective Σ_i z[0, i] → dL/dRelu = w
const w = [0.5, -1, 2, -0.25, 1, -3];
const reluNet = () => model([node('Relu', ['x'], ['r']), node('Mul', ['r', 'w'], ['z'])], [makeTensor('w', 'float32', [6], w)]);
const sumAll = O.add(...w.map((_, i) => O.logit('z', i)));
const x = [1, 2, -1, -2, 0.5, 3];

test('default rules: ReLU passes dy where x > 0', async () => {
  const { grad } = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll }, x);
  assert.deepEqual(grad, [0.5, -1, 0, 0, 1, -3]);
});

test('guided backprop passes dy only where x > 0 and dy > 0', async () => {
  const { grad } = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll, rules: 'guided' }, x);
  assert.deepEqual(grad, [0.5, 0, 0, 0, 1, 0]);
});

test('deconvnet applies ReLU to dy regardless of x', async () => {
  const { grad } = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll, rules: 'deconvnet' }, x);
  assert.deepEqual(grad, [0.5, 0, 2, 0, 1, 0]);
});

test('redirected ReLU: ordinary gradient while any unit passes, redirected when all are dead', async () => {
  const live = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll, rules: 'redirected-relu' }, x);
  assert.deepEqual(live.grad, [0.5, -1, 0, 0, 1, -3]);
  // all x < 0: plain ReLU gives zero; redirected lets dy through except where it pushes x further down (dy < 0)
  const dead = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll, rules: 'redirected-relu' }, [-1, -1, -1, -1, -1, -1]);
  assert.deepEqual(dead.grad, [0.5, 0, 2, 0, 1, 0]);
  const plain = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll }, [-1, -1, -1, -1, -1, -1]);
  assert.deepEqual(plain.grad, [0, 0, 0, 0, 0, 0]);
});

test('unused branches are pruned; ops without rules off the path do not matter', async () => {
  const m = model([
    node('Relu', ['x'], ['r']),
    node('TopK', ['x', 'k'], ['tv', 'ti']), // no rule, but the objective does not need it
    node('Hardmax', ['r'], ['h']),
    node('Mul', ['r', 'w'], ['z']),
  ], [makeTensor('w', 'float32', [6], w), makeTensor('k', 'int64', [1], [2])]);
  const { c, grad } = await run(m, { input: 'x', shape: [1, 6], objective: sumAll }, x);
  assert.deepEqual(grad, [0.5, -1, 0, 0, 1, -3]);
  const ops = c.model.graph.nodes.map((n) => n.opType);
  assert.ok(!ops.includes('TopK') && !ops.includes('Hardmax'), `pruned graph still has ${ops}`);
});

test('ops without a rule on the path fail before anything runs, all listed in one error', async () => {
  const m = model([
    node('Hardmax', ['x'], ['h']),
    node('Relu', ['x'], ['r']),
    node('Trilu', ['r'], ['q']),
    node('Add', ['h', 'q'], ['s']),
    node('Mul', ['s', 'w'], ['z']),
  ], [makeTensor('w', 'float32', [6], w)]);
  await assert.rejects(compileGradient(m, { input: 'x', shape: [1, 6], objective: sumAll }), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpsError);
    assert.deepEqual(e.ops.map((o) => o.opType).sort(), ['Hardmax', 'Trilu']);
    assert.match(e.message, /Hardmax/);
    assert.match(e.message, /Trilu "Trilu_q"/);
    return true;
  });
});

test('masks computed from the input (Greater, Cast of bool) carry no gradient and need no rule', async () => {
  const m = model([
    node('Greater', ['x', 'zero'], ['pos']),
    node('Mul', ['x', 'tenth'], ['small']),
    node('Where', ['pos', 'x', 'small'], ['leaky']),
    node('Cast', ['pos'], ['posf'], { to: { type: 'int', value: 1 } }),
    node('Mul', ['leaky', 'posf'], ['masked']),
    node('Add', ['leaky', 'masked'], ['s']),
    node('Mul', ['s', 'w'], ['z']),
  ], [makeTensor('w', 'float32', [6], w), makeTensor('zero', 'float32', [], [0]), makeTensor('tenth', 'float32', [], [0.1])]);
  const { grad } = await run(m, { input: 'x', shape: [1, 6], objective: sumAll }, x);
  // x > 0: z = 2x·w → 2w; x < 0: z = 0.1x·w → 0.1w
  grad.forEach((g, i) => assert.ok(Math.abs(g - (x[i]! > 0 ? 2 : 0.1) * w[i]!) < 1e-6, `element ${i}: ${g}`));
});

test('Floor/Round are piecewise constant: no gradient flows through them (as in torch)', async () => {
  const m = model([node('Floor', ['x'], ['f']), node('Relu', ['x'], ['r']), node('Add', ['f', 'r'], ['s']), node('Mul', ['s', 'w'], ['z'])], [makeTensor('w', 'float32', [6], w)]);
  const { grad } = await run(m, { input: 'x', shape: [1, 6], objective: sumAll }, x);
  assert.deepEqual(grad, [0.5, -1, 0, 0, 1, -3]);
});

test('extra outputs: activations and the gradient w.r.t. an intermediate tensor', async () => {
  const { c, out } = await run(reluNet(), { input: 'x', shape: [1, 6], objective: sumAll, activations: ['r'], gradientsOf: ['r'] }, x);
  assert.deepEqual(Array.from(out[c.outputs.activations.r!]!.data as Float32Array), [1, 2, 0, 0, 0.5, 3]);
  assert.deepEqual(Array.from(out[c.outputs.grads.r!]!.data as Float32Array), w);
  assert.equal((out[c.outputs.objective]!.data as Float32Array)[0], 1 * 0.5 - 2 + 0.5 - 9);
});

test('per-item objectives: each batch item gets its own gradient, objective = Σ items', async () => {
  const m = reluNet();
  const { c, out, grad } = await run(m, { input: 'x', shape: [2, 6], objective: O.perItem([O.logit('z', 0), O.logit('z', 2)]) }, [...x, ...x.map((v) => -v)]);
  assert.deepEqual(grad, [0.5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual(Array.from(out[c.outputs.perItem]!.data as Float32Array), [0.5, 2]);
});

test('`layer:pre` addresses the input of the activation', async () => {
  const { c, out, grad } = await run(reluNet(), { input: 'x', shape: [1, 6], objective: O.add(O.logit('r:pre', 2), O.logit('r', 2)), activations: ['r:pre'], gradientsOf: ['r:pre'] }, x);
  assert.deepEqual(grad, [0, 0, 1, 0, 0, 0]); // pre-activation passes, the dead ReLU does not
  assert.deepEqual(Array.from(out[c.outputs.activations['r:pre']!]!.data as Float32Array), x);
  assert.deepEqual(Array.from(out[c.outputs.grads['r:pre']!]!.data as Float32Array), [0, 0, 1, 0, 0, 0]);
});

test('neuron on 1-D feature maps takes the centre of the spatial axis unless x is given', async () => {
  const m = model([node('Mul', ['x', 'w3'], ['z'])], [makeTensor('w3', 'float32', [5], [1, 2, 3, 4, 5])], ['N', 2, 5]);
  const centre = await run(m, { input: 'x', shape: [1, 2, 5], objective: O.neuron('z', 1) }, new Array(10).fill(1));
  assert.deepEqual(centre.grad, [0, 0, 0, 0, 0, 0, 0, 3, 0, 0]);
  const at = await run(m, { input: 'x', shape: [1, 2, 5], objective: O.neuron('z', 0, 4) }, new Array(10).fill(1));
  assert.deepEqual(at.grad, [0, 0, 0, 0, 5, 0, 0, 0, 0, 0]);
});

test('emitted opset: 7 → 9, 11 stays, 13 → 16 (ScatterElements add), 17 stays', async () => {
  for (const [from, to] of [[7, 9], [11, 11], [13, 16], [17, 17]] as const) {
    const m = reluNet();
    m.opsetImports = [{ domain: '', version: from }];
    const { c, grad } = await run(m, { input: 'x', shape: [1, 6], objective: sumAll }, x);
    assert.equal(c.model.opsetImports.find((o) => o.domain === '')!.version, to, `from opset ${from}`);
    assert.deepEqual(grad, [0.5, -1, 0, 0, 1, -3]);
  }
});

test('bad settings give errors that name them', async () => {
  await assert.rejects(compileGradient(reluNet(), { input: 'image', shape: [1, 6], objective: sumAll }), /no input "image".*"x"/);
  await assert.rejects(compileGradient(reluNet(), { input: 'x', shape: [1, 6], objective: O.channel('nope', 0) }), /no tensor named "nope"/);
  await assert.rejects(compileGradient(reluNet(), { input: 'x', shape: [1, 6], objective: O.logit('z', 6) }), /index 6 is out of range \(size 6\)/);
  await assert.rejects(compileGradient(reluNet(), { input: 'x', shape: [2, 6], objective: O.perItem([O.logit('z', 0)]) }), /per_item has 1 objectives but the batch has 2 items/);
  await assert.rejects(compileGradient(reluNet(), { input: 'x', shape: [1, 6], objective: O.channel('z:pre', 0) }), /comes from Mul node.*not an activation/);
});

test('objective names read like Lucid', () => {
  assert.equal(O.objectiveName(O.channel('inception_4c/output', 97)), 'channel(inception_4c/output, 97)');
  assert.equal(O.objectiveName(O.add(O.mul(0.2, O.channel('a', 1)), O.mul(0.8, O.deepdream('b')))), '0.2*channel(a, 1) + 0.8*deepdream(b)');
  assert.equal(O.objectiveName(O.add(O.channel('a', 1), O.neg(O.totalVariation()))), 'channel(a, 1) - total_variation(input)');
  assert.equal(O.objectiveName(O.mul(2, O.add(O.gram('s'), O.content('c')))), '2*(style(s) + content(c))');
  assert.equal(O.objectiveName(O.perItem([O.channel('a', 1), O.neuron('a', 2, 3, 4)])), 'per_item[channel(a, 1), neuron(a, 2, x=3, y=4)]');
});

test('validateObjective names the bad field', () => {
  assert.throws(() => O.validateObjective({ kind: 'chanel', layer: 'a' }), /objective\.kind must be one of/);
  assert.throws(() => O.validateObjective({ kind: 'channel', layer: 'a' }), /objective\.channel is required/);
  assert.throws(() => O.validateObjective({ kind: 'sum', terms: [{ kind: 'channel', layer: 'a', channel: -3 }] }), /objective\.terms\[0\]\.channel must be a whole number ≥ 0 \(got -3\)/);
  assert.throws(() => O.validateObjective({ kind: 'scale', factor: 'x', of: { kind: 'deepdream', layer: 'a' } }), /objective\.factor must be a finite number/);
  assert.throws(() => O.validateObjective({ kind: 'channel', layer: 'a', channel: 1, colour: 2 }), /unknown field "colour"/);
  const parsed = O.objectiveSchema.safeParse({ kind: 'neuron', layer: 'a', channel: 1.5 });
  assert.ok(!parsed.success && /objective\.channel must be a whole number/.test(parsed.error.issues[0]!.message));
  assert.ok(O.objectiveSchema.safeParse({ kind: 'deepdream', layer: 'a' }).success);
  const ok = { kind: 'sum', terms: [{ kind: 'channel', layer: 'a', channel: 1 }, { kind: 'scale', factor: -1, of: { kind: 'l2' } }] };
  assert.deepEqual(O.validateObjective(JSON.parse(JSON.stringify(ok))), ok);
});

test('strategies reach the rules through compileGradient: same gradient, other ops', async () => {
  // MaxPool 2×2 stride 2 on a 1×1×4×4 image; objective = sum of the pooled values
  const pool = model([node('MaxPool', ['x'], ['p'], { kernel_shape: { type: 'ints', value: [2, 2] }, strides: { type: 'ints', value: [2, 2] } })], [], [1, 1, 4, 4]);
  const xs = Array.from({ length: 16 }, (_, i) => (i * 7) % 16);
  const obj = O.add(...[0, 1, 2, 3].map((i) => O.neuron('p', 0, i % 2, Math.floor(i / 2))));
  const base = await run(pool, { input: 'x', shape: [1, 1, 4, 4], objective: obj }, xs);
  const blocks = await run(pool, { input: 'x', shape: [1, 1, 4, 4], objective: obj, strategies: { maxPool: 'blocks' } }, xs);
  const ops = (c: typeof base.c) => new Set(c.model.graph.nodes.map((n) => n.opType));
  assert.ok(ops(blocks.c).has('SpaceToDepth') && !ops(base.c).has('SpaceToDepth'));
  assert.deepEqual(blocks.grad, base.grad);
  assert.equal(base.grad.filter((v) => v === 1).length, 4, 'each window sends 1 to its winner');
  await assert.rejects(compileGradient(pool, { input: 'x', shape: [1, 1, 4, 4], objective: obj, strategies: { conv: 'fft' as 'auto' } }), /unknown conv strategy "fft"/);
});
