// The Winograd forward rewrite (winogradConvs): a convolution's values to float32 rounding for F(2,3) and
// F(4,3), on sizes that are and are not whole tiles, with and without pads and bias, batch > 1; the layers it
// must leave alone; and the gradient compiled through it against the direct convolution's gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { makeTensor, type Model, type Node } from '../../onnx/model';
import { compileGradient } from '../index';
import { Emitter } from '../emitter';
import { deepdream } from '../../../../shared/objectives';
import { A } from '../types';
import { winogradConvs } from './winograd';
import { forwardY, randomValues } from './rule-harness';

interface Case { x: number[]; k: number; pads: number[]; bias: boolean }

function convModel(c: Case, w: Float32Array, b?: Float32Array): Model {
  const [, C, H, W] = c.x as [number, number, number, number];
  const Ho = H + c.pads[0]! + c.pads[2]! - 2, Wo = W + c.pads[1]! + c.pads[3]! - 2;
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 17 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'conv',
      nodes: [{ name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w', ...(b ? ['b'] : [])], outputs: ['y'], attrs: { pads: A.ints(c.pads), kernel_shape: A.ints([3, 3]) } }],
      initializers: [makeTensor('w', 'float32', [c.k, C, 3, 3], w), ...(b ? [makeTensor('b', 'float32', [c.k], b)] : [])],
      inputs: [{ name: 'x', dtype: 'float32', shape: c.x }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [c.x[0]!, c.k, Ho, Wo] }],
      valueInfo: [],
    },
  };
}

/** The model with its Conv rewritten by winogradConvs (the compiler's emitter supplies names and constants). */
function rewritten(model: Model, m: 2 | 4): { model: Model; nodes: Node[] } {
  const emitter = new Emitter(17, new Set(['x', 'y', 'w', 'b']));
  const shapes = new Map<string, number[]>([['x', model.graph.inputs[0]!.shape as number[]], ['y', model.graph.outputs[0]!.shape as number[]]]);
  const constants = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const nodes = winogradConvs(model.graph.nodes, shapes, constants, emitter, m, 16);
  const inits = [...model.graph.initializers, ...emitter.initializers];
  const read = new Set(nodes.flatMap((n) => n.inputs));
  return { model: { ...model, graph: { ...model.graph, nodes, initializers: inits.filter((t) => read.has(t.name)) } }, nodes };
}

const relL2 = (a: Float32Array, b: Float32Array) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += b[i]! ** 2; }
  return Math.sqrt(num / den);
};

const CASES: Case[] = [
  { x: [1, 16, 8, 8], k: 16, pads: [1, 1, 1, 1], bias: false }, // whole tiles for both
  { x: [2, 24, 11, 13], k: 20, pads: [1, 1, 1, 1], bias: true }, // batch 2, partial tiles, bias
  { x: [1, 16, 9, 7], k: 32, pads: [0, 0, 0, 0], bias: false }, // no padding
  { x: [1, 16, 10, 6], k: 16, pads: [1, 0, 2, 1], bias: true }, // asymmetric pads
];

for (const m of [2, 4] as const) {
  for (const c of CASES) {
    test(`Winograd F(${m},3) keeps a convolution's values: x [${c.x}], ${c.k} filters, pads [${c.pads}]${c.bias ? ', bias' : ''}`, async () => {
      const C = c.x[1]!;
      const w = randomValues(c.k * C * 9, 3 + c.k, -0.5, 0.5);
      const b = c.bias ? randomValues(c.k, 7, -1, 1) : undefined;
      const direct = convModel(c, w, b);
      const { model, nodes } = rewritten(direct, m);
      assert.ok(!nodes.some((n) => n.opType === 'Conv' && n.attrs.group === undefined), 'no direct Conv left');
      assert.ok(nodes.some((n) => n.opType === 'MatMul'), 'the multiplies are one batched MatMul');
      const x = randomValues(c.x.reduce((a, v) => a * v, 1), 11, -2, 2);
      const want = await forwardY(direct, x, c.x);
      const got = await forwardY(model, x, c.x);
      assert.equal(got.length, want.length);
      // float32 rounding of the transforms: F(4,3)'s matrices have larger entries, so a looser bound
      assert.ok(relL2(got, want) < (m === 2 ? 2e-6 : 2e-5), `relative L2 ${relL2(got, want)}`);
    });
  }
}

test('Winograd leaves alone what it cannot or should not rewrite: few channels, strides, groups, 1×1 kernels', () => {
  const conv = (name: string, w: number[], attrs: Node['attrs']): { node: Node; w: ReturnType<typeof makeTensor> } => ({
    node: { name, opType: 'Conv', domain: '', inputs: [`${name}_x`, `${name}_w`], outputs: [`${name}_y`], attrs },
    w: makeTensor(`${name}_w`, 'float32', w, new Float32Array(w.reduce((a, v) => a * v, 1))),
  });
  const cases = [
    conv('rgb', [64, 3, 3, 3], { pads: A.ints([1, 1, 1, 1]) }), // a first RGB layer: too few input channels
    conv('strided', [32, 32, 3, 3], { strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) }),
    conv('grouped', [32, 16, 3, 3], { group: A.int(2), pads: A.ints([1, 1, 1, 1]) }),
    conv('pointwise', [32, 32, 1, 1], {}),
    conv('dilated', [32, 32, 3, 3], { dilations: A.ints([2, 2]), pads: A.ints([2, 2, 2, 2]) }),
  ];
  const shapes = new Map<string, number[]>();
  for (const c of cases) { shapes.set(c.node.inputs[0]!, [1, c.w.dims[1]! * (c.node.attrs.group ? 2 : 1), 16, 16]); shapes.set(c.node.outputs[0]!, [1, c.w.dims[0]!, 16, 16]); }
  const nodes = cases.map((c) => c.node);
  const out = winogradConvs(nodes, shapes, new Map(cases.map((c) => [c.w.name, c.w])), new Emitter(17, new Set()), 4, 16);
  assert.deepEqual(out, nodes);
  // and, at the compiler's default threshold, a 3×3 convolution narrower than WINOGRAD_MIN_CHANNELS
  const narrow = conv('narrow', [128, 128, 3, 3], { pads: A.ints([1, 1, 1, 1]) });
  shapes.set('narrow_x', [1, 128, 16, 16]); shapes.set('narrow_y', [1, 128, 16, 16]);
  assert.deepEqual(winogradConvs([narrow.node], shapes, new Map([[narrow.w.name, narrow.w]]), new Emitter(17, new Set()), 4), [narrow.node]);
});

test('the gradient compiled through the Winograd rewrite matches the direct convolution\'s gradient', async () => {
  // conv(3→256, stays direct: 3 input channels) → ReLU → conv(256→256, rewritten) → ReLU → conv(256→256,
  // rewritten, no bias); mean(y²). The compiler's own threshold (WINOGRAD_MIN_CHANNELS) decides.
  const model: Model = {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'three_convs',
      nodes: [
        { name: 'c1', opType: 'Conv', domain: '', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: A.ints([1, 1, 1, 1]) } },
        { name: 'r1', opType: 'Relu', domain: '', inputs: ['a1'], outputs: ['h1'], attrs: {} },
        { name: 'c2', opType: 'Conv', domain: '', inputs: ['h1', 'w2', 'b2'], outputs: ['a2'], attrs: { pads: A.ints([1, 1, 1, 1]) } },
        { name: 'r2', opType: 'Relu', domain: '', inputs: ['a2'], outputs: ['h2'], attrs: {} },
        { name: 'c3', opType: 'Conv', domain: '', inputs: ['h2', 'w3'], outputs: ['y'], attrs: { pads: A.ints([1, 1, 1, 1]) } },
      ],
      initializers: [
        makeTensor('w1', 'float32', [256, 3, 3, 3], randomValues(256 * 27, 1, -0.3, 0.3)), makeTensor('b1', 'float32', [256], randomValues(256, 2, -0.1, 0.1)),
        makeTensor('w2', 'float32', [256, 256, 3, 3], randomValues(256 * 2304, 3, -0.03, 0.03)), makeTensor('b2', 'float32', [256], randomValues(256, 4, -0.1, 0.1)),
        makeTensor('w3', 'float32', [256, 256, 3, 3], randomValues(256 * 2304, 5, -0.03, 0.03)),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 'H', 'W'] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      valueInfo: [],
    },
  };
  const shape = [2, 3, 9, 7];
  const x = randomValues(shape.reduce((a, v) => a * v, 1), 9, -1, 1);
  const gradient = async (winograd: 'off' | 'f2' | 'f4') => {
    const c = await compileGradient(model, { input: 'x', shape, objective: deepdream('y'), strategies: { winograd } });
    const convs = c.model.graph.nodes.filter((n) => n.opType === 'MatMul').length;
    const s = await ort.InferenceSession.create(c.bytes);
    try {
      return { convs, g: (await s.run({ x: new ort.Tensor('float32', x, shape) }))[c.outputs.inputGrad]!.data as Float32Array };
    } finally {
      await s.release();
    }
  };
  const direct = await gradient('off');
  assert.equal(direct.convs, 0);
  for (const m of ['f2', 'f4'] as const) {
    const w = await gradient(m);
    assert.ok(w.convs >= 4, `${m}: the two wide convolutions and their gradients are MatMuls (${w.convs})`);
    assert.ok(relL2(w.g, direct.g) < 1e-4, `${m}: relative L2 ${relL2(w.g, direct.g)}`);
  }
});
