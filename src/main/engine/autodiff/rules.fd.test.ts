// Central finite differences of every gradient rule, through the whole compiler: one tiny single-op
// model per row of rules.fd-cases.ts, objective L = Σ_k Σ Y_k · R_k (fixed random R), compiled
// gradient vs (L(x + eps e_i) − L(x − eps e_i)) / 2eps with L accumulated in float64 from onnxruntime
// forward runs. Inputs are kept away from kinks (see `dist`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { compileGradient } from './index';
import { fdCases, type FdCase } from './rules.fd-cases';
import { encodeModel, makeTensor, type Model, type Node, type Tensor } from '../onnx/model';
import { item, logit } from '../../../shared/objectives';
import { seededRandom as rng } from '../../../shared/random';
import { distinctValues } from './rules/rule-harness';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

function inputValues(c: FdCase, seed: number): Float32Array {
  const r = rng(seed);
  const n = size(c.x);
  switch (c.dist ?? 'uniform') {
    case 'positive': return Float32Array.from({ length: n }, () => 0.5 + 1.5 * r());
    case 'away': return Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.2 + 0.8 * r()));
    case 'distinct': return distinctValues(n, seed);
    default: return Float32Array.from({ length: n }, () => 2 * r() - 1);
  }
}

/** The single-op model plus the objective glue: fd_L [N, 1] = Σ_k Σ Y_k·R_k, broadcast over the batch. */
function buildModel(c: FdCase, seed: number): { model: Model; outputs: string[]; R: Float32Array[] } {
  const r = rng(seed + 7);
  const inits: Tensor[] = [];
  const inputs = (c.inputs ?? ['x']).map((inp, i) => {
    if (inp === 'x' || inp === '') return inp;
    const n = size(inp.dims);
    const lo = inp.lo ?? -1, hi = inp.hi ?? 1;
    const values = inp.values ?? Array.from({ length: n }, () => lo + (hi - lo) * r());
    inits.push(makeTensor(`c${i}`, inp.dtype ?? 'float32', inp.dims, values));
    return `c${i}`;
  });
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, k) => `y${k}`);
  const nodes: Node[] = [{ name: `${c.op}_node`, opType: c.op, domain: '', inputs, outputs: outs, attrs: c.attrs ?? {} }];
  return {
    model: {
      irVersion: 8, opsetImports: [{ domain: '', version: c.opset ?? 17 }], producerName: 'fd-test', producerVersion: '', docString: '', metadata: {},
      graph: { name: 'fd', nodes, initializers: inits, inputs: [{ name: 'x', dtype: 'float32', shape: c.x }], outputs: outs.map((name) => ({ name })), valueInfo: [] },
    },
    outputs: (c.use ?? outs.map((_, k) => k)).map((k) => outs[k]!),
    R: [],
  };
}

function addObjectiveGlue(model: Model, used: string[], shapes: number[][], seed: number, batch: number): Float32Array[] {
  const r = rng(seed + 11);
  const g = model.graph;
  const Rs = shapes.map((s) => Float32Array.from({ length: size(s) }, () => 2 * r() - 1));
  const sums = used.map((y, k) => {
    g.initializers.push(makeTensor(`R${k}`, 'float32', shapes[k]!, Rs[k]!));
    g.nodes.push({ name: `glue_mul${k}`, opType: 'Mul', domain: '', inputs: [y, `R${k}`], outputs: [`glue_p${k}`], attrs: {} });
    g.nodes.push({ name: `glue_sum${k}`, opType: 'ReduceSum', domain: '', inputs: [`glue_p${k}`], outputs: [`glue_s${k}`], attrs: { keepdims: { type: 'int', value: 0 } } });
    return `glue_s${k}`;
  });
  g.nodes.push({ name: 'glue_total', opType: 'Sum', domain: '', inputs: sums, outputs: ['glue_L'], attrs: {} });
  g.initializers.push(makeTensor('glue_shape', 'int64', [2], [1, 1]), makeTensor('glue_ones', 'float32', [batch, 1], new Array(batch).fill(1)));
  g.nodes.push({ name: 'glue_reshape', opType: 'Reshape', domain: '', inputs: ['glue_L', 'glue_shape'], outputs: ['glue_L11'], attrs: {} });
  g.nodes.push({ name: 'glue_bcast', opType: 'Mul', domain: '', inputs: ['glue_L11', 'glue_ones'], outputs: ['fd_L'], attrs: {} });
  g.outputs = [{ name: 'fd_L' }];
  return Rs;
}

async function checkCase(c: FdCase, seed: number) {
  const x = inputValues(c, seed);
  const { model, outputs } = buildModel(c, seed);
  const fwd = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  const run = async (v: Float32Array) => {
    const o = await fwd.run({ x: new ort.Tensor('float32', v, c.x) }, outputs);
    return outputs.map((y) => o[y]!);
  };
  const base = await run(x);
  const Rs = addObjectiveGlue(model, outputs, base.map((t) => [...t.dims]), seed, c.x[0]!);
  const L = async (v: Float32Array) => {
    const ys = await run(v);
    let s = 0;
    ys.forEach((y, k) => { const d = y.data as Float32Array; for (let i = 0; i < d.length; i++) s += d[i]! * Rs[k]![i]!; });
    return s;
  };

  const compiled = await compileGradient(model, { input: 'x', shape: c.x, objective: item(0, logit('fd_L', 0)), label: c.name ?? c.op });
  const s = await ort.InferenceSession.create(compiled.bytes, { logSeverityLevel: 3 });
  const out = await s.run({ x: new ort.Tensor('float32', x, c.x) });
  const grad = out[compiled.outputs.inputGrad]!.data as Float32Array;
  await s.release();

  const eps = c.eps ?? 1e-3;
  const n = x.length;
  const r = rng(seed + 3);
  const coords = n <= 48 ? [...Array(n).keys()] : Array.from({ length: 48 }, () => Math.floor(r() * n));
  let num = 0, den = 0;
  for (const i of coords) {
    const p = Float32Array.from(x), m = Float32Array.from(x);
    p[i] = x[i]! + eps;
    m[i] = x[i]! - eps;
    // the actually representable step, so float32 rounding of x ± eps does not bias the quotient
    const fd = ((await L(p)) - (await L(m))) / (p[i]! - m[i]!);
    num += (grad[i]! - fd) ** 2;
    den += fd * fd;
  }
  await fwd.release();
  return { relL2: Math.sqrt(num / Math.max(den, 1e-30)), den, backwardOps: compiled.model.graph.nodes.length };
}

for (const [k, c] of fdCases.entries()) {
  const label = c.name ?? `${c.op}${c.attrs ? ' ' + Object.keys(c.attrs).join(',') : ''}`;
  test(`fd: ${label}`, async () => {
    const r = await checkCase(c, 1000 + k);
    assert.ok(r.den > 1e-12, `${label}: the finite-difference gradient is zero — the case tests nothing`);
    if (process.env.FD_REPORT) console.log(`# ${label}: rel L2 ${r.relL2.toExponential(2)}`);
    assert.ok(r.relL2 <= (c.tol ?? 1e-3), `${label}: compiled gradient vs central differences rel L2 ${r.relL2.toExponential(3)} > ${c.tol ?? 1e-3}`);
  });
}
