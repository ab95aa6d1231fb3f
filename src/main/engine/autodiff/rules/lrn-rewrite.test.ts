// The LRN forward rewrite (decomposeLrn): same values as onnxruntime's LRN kernel, and the gradient
// compiled through it (generic Mul/Div/Sqrt rules + the Conv rule) matches finite differences of
// the ORIGINAL model, LRN op included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeModel, makeTensor, type Model, type Tensor } from '../../onnx/model';
import { compileGradient } from '../index';
import { deepdream } from '../../../../shared/objectives';
import { A } from '../types';
import { decomposeLrn } from './norm';
import { forwardY, oneNodeModel, randomValues, type OneNodeCase } from './rule-harness';

const lrn = (size: number, alpha: number, beta: number, bias: number, x: number[]): OneNodeCase =>
  ({ op: 'LRN', x, attrs: { size: A.int(size), alpha: A.float(alpha), beta: A.float(beta), bias: A.float(bias) } });

for (const [size, alpha, beta, bias] of [[5, 1e-4, 0.75, 1], [5, 2, 0.75, 1.5], [3, 1, 0.5, 2], [7, 0.5, 0.6, 1]] as const) {
  test(`decomposeLrn keeps LRN's values (size ${size}, alpha ${alpha}, beta ${beta}, bias ${bias})`, async () => {
    const c = lrn(size, alpha, beta, bias, [2, 9, 3, 4]);
    const model = oneNodeModel(c);
    const inits: Tensor[] = [];
    let k = 0;
    const nodes = decomposeLrn(model.graph.nodes, new Map([['x', c.x]]), {
      fresh: (b) => `${b}_${k++}`,
      tensor: (dtype, dims, values) => { const name = `t${k++}`; inits.push(makeTensor(name, dtype, dims, values)); return name; },
    });
    assert.ok(!nodes.some((n) => n.opType === 'LRN'), 'the LRN node is replaced');
    const rewritten: Model = { ...model, graph: { ...model.graph, nodes, initializers: inits } };
    const x = randomValues(2 * 9 * 12, 5, -3, 3);
    const want = await forwardY(model, x, c.x);
    const got = await forwardY(rewritten, x, c.x);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 2e-6 * Math.max(1, Math.abs(want[i]!)), `element ${i}: ${got[i]} vs ${want[i]}`);
  });
}

test('gradient through the LRN rewrite matches finite differences of the original model', async () => {
  // Conv → LRN(GoogLeNet-like but strong alpha so the cross-channel term matters), objective mean(y²)
  const xShape = [1, 3, 5, 6];
  const w = randomValues(6 * 3 * 3 * 3, 11);
  const model: Model = {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'conv_lrn',
      nodes: [
        { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: A.ints([1, 1, 1, 1]) } },
        { name: 'norm', opType: 'LRN', domain: '', inputs: ['c'], outputs: ['y'], attrs: { size: A.int(5), alpha: A.float(0.5), beta: A.float(0.75), bias: A.float(1) } },
      ],
      initializers: [makeTensor('w', 'float32', [6, 3, 3, 3], w)],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 5, 6] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      valueInfo: [],
    },
  };
  const compiled = await compileGradient(model, { input: 'x', shape: xShape, objective: deepdream('y') });
  assert.ok(!compiled.model.graph.nodes.some((n) => n.opType === 'LRN'), 'the compiled graph has no LRN op');
  const x = randomValues(90, 12);
  const s = await ort.InferenceSession.create(compiled.bytes);
  const grad = (await s.run({ x: new ort.Tensor('float32', x, xShape) }))[compiled.outputs.inputGrad]!.data as Float32Array;
  await s.release();

  // central differences of mean(y²) of the original model, every perturbation in one batch
  const n = x.length;
  const eps = 1e-2;
  const stacked = new Float32Array(2 * n * n);
  for (let i = 0; i < n; i++) {
    stacked.set(x, 2 * i * n); stacked.set(x, (2 * i + 1) * n);
    stacked[2 * i * n + i]! += eps; stacked[(2 * i + 1) * n + i]! -= eps;
  }
  const f = await ort.InferenceSession.create(encodeModel(model));
  const y = (await f.run({ x: new ort.Tensor('float32', stacked, [2 * n, 3, 5, 6]) })).y!.data as Float32Array;
  await f.release();
  const per = y.length / (2 * n);
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    let plus = 0, minus = 0;
    for (let j = 0; j < per; j++) { plus += y[2 * i * per + j]! ** 2; minus += y[(2 * i + 1) * per + j]! ** 2; }
    const fd = (plus - minus) / per / (2 * eps);
    num += (grad[i]! - fd) ** 2;
    den += fd * fd;
  }
  const rel = Math.sqrt(num / den);
  assert.ok(rel < 2e-3, `relative L2 error ${rel.toExponential(2)}`);
});
