// The real models of ../shared/models compile for every objective kind at 224², 512² and batch 8 at
// 128², the emitted graphs run in onnxruntime, and central finite differences on a few pixels agree
// with the compiled gradient. One compile per (model, size) carries every objective kind at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile, type Model } from '../onnx/model';
import { compileGradient, type CompiledGradient } from './index';
import * as O from '../../../shared/objectives';

const modelsDir = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'models');
const present = fs.existsSync(path.join(modelsDir, 'bvlc_googlenet.onnx'));
if (!present) console.log(`# skipping real-model gradient tests: ${modelsDir} not found (../shared is absent)`);

interface Spec {
  file: string;
  input: string;
  layer: string;
  /** a ReLU output, addressed as `<name>:pre` */
  relu: string;
  /** logits tensor and the sizes the classifier head accepts (GoogLeNet's Gemm needs 224²) */
  logits?: { tensor: string; sizes: number[] };
}

const SPECS: Spec[] = [
  { file: 'bvlc_googlenet.onnx', input: 'data', layer: 'inception_4c/output', relu: 'inception_4c/relu_3x3', logits: { tensor: 'loss3/classifier', sizes: [224] } },
  { file: 'squeezenet1.1.onnx', input: 'data', layer: 'fire5/concat', relu: 'fire4/relu_expand3x3', logits: { tensor: 'logits', sizes: [128, 224, 512] } },
  { file: 'vgg19_to_block3.onnx', input: 'input_bgr_meansub', layer: 'block3_conv3_relu', relu: 'block2_conv2_relu' },
];
/**
 * Every op the compiled graphs of these models may contain: standard ONNX ops that the CUDA, DirectML,
 * CoreML and WebGPU providers implement or hand to the CPU provider (README: Execution providers). A new
 * op here needs a look at provider support first.
 */
const PORTABLE_OPS = new Set([
  'Abs', 'Add', 'And', 'ArgMax', 'AveragePool', 'DepthToSpace', 'SpaceToDepth', 'Reciprocal', 'Resize', 'Cast', 'Concat', 'ConstantOfShape', 'Conv', 'ConvTranspose', 'Div', 'Equal', 'Expand', 'Flatten',
  'Gemm', 'GlobalAveragePool', 'Greater', 'Identity', 'LRN', 'Less', 'MatMul', 'MaxPool', 'MaxUnpool', 'Mul', 'Neg', 'Not', 'Pad',
  'ReduceMean', 'ReduceSum', 'Relu', 'Reshape', 'ScatterElements', 'Sign', 'Slice', 'Softmax', 'Sqrt', 'Sub', 'Sum', 'Transpose', 'Where',
]);

const SIZES = [{ n: 1, hw: 224 }, { n: 1, hw: 512 }, { n: 8, hw: 128 }];

function everyKind(s: Spec, n: number, hw: number): O.Objective {
  const L = s.layer;
  const terms: O.Objective[] = [
    O.channel(L, 3), O.neuron(L, 5), O.deepdream(L), O.direction(L), O.mul(1e-3, O.gram(L)), O.mul(1e-3, O.content(L)),
    O.diversity(L), O.mul(-1e-4, O.totalVariation()), O.mul(-1e-4, O.l1()), O.mul(-1e-3, O.l2()), O.mul(0.5, O.channel(`${s.relu}:pre`, 2)),
    O.item(n - 1, O.neuron(L, 1, 0, 0)),
    O.perItem(Array.from({ length: n }, (_, i) => O.channel(L, 10 + i))),
  ];
  if (s.logits && s.logits.sizes.includes(hw)) terms.push(O.logit(s.logits.tensor, 208));
  return O.add(...terms);
}

function rng(seed: number) {
  let a = seed;
  return () => { a = (a * 16807) % 2147483647; return a / 2147483647; };
}

async function runCompiled(c: CompiledGradient, x: Float32Array, shape: number[], seed: number) {
  const r = rng(seed);
  const feeds: Record<string, ort.Tensor> = { [c.inputName]: new ort.Tensor('float32', x, shape) };
  for (const t of c.targetInputs) {
    feeds[t.name] = new ort.Tensor('float32', Float32Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, () => r()), t.shape);
  }
  const session = await ort.InferenceSession.create(c.bytes, { logSeverityLevel: 3 });
  return { session, feeds };
}

const models = new Map<string, Model>();
const load = (s: Spec) => {
  let m = models.get(s.file);
  if (!m) { m = readModelFile(path.join(modelsDir, s.file)); models.set(s.file, m); }
  return m;
};

for (const s of SPECS) {
  for (const { n, hw } of SIZES) {
    test(`${s.file} compiles every objective kind at ${n}×3×${hw}×${hw} and runs`, { skip: !present }, async () => {
      const shape = [n, 3, hw, hw];
      const objective = everyKind(s, n, hw);
      const c = await compileGradient(load(s), { input: s.input, shape, objective, activations: [s.layer], gradientsOf: [s.layer], label: s.file });
      assert.equal(c.targetInputs.length, 3, 'direction, gram and content targets are graph inputs');
      const foreign = c.model.graph.nodes.filter((k) => k.domain !== '' || !PORTABLE_OPS.has(k.opType)).map((k) => `${k.domain}:${k.opType}`);
      assert.deepEqual([...new Set(foreign)], [], 'only standard, provider-portable ops are emitted');
      const r = rng(7);
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 200 - 100);
      const { session, feeds } = await runCompiled(c, x, shape, 11);
      const out = await session.run(feeds);
      await session.release();
      const perItem = out[c.outputs.perItem]!.data as Float32Array;
      assert.equal(perItem.length, n);
      const total = (out[c.outputs.objective]!.data as Float32Array)[0]!;
      assert.ok(Number.isFinite(total));
      assert.ok(Math.abs(perItem.reduce((a, b) => a + b, 0) - total) <= 1e-4 * Math.max(1, Math.abs(total)), 'objective = Σ per-item');
      const g = out[c.outputs.inputGrad]!.data as Float32Array;
      assert.equal(g.length, x.length);
      let nonzero = 0;
      for (const v of g) { assert.ok(Number.isFinite(v)); if (v !== 0) nonzero++; }
      assert.ok(nonzero > g.length / 2, `gradient mostly zero (${nonzero}/${g.length})`);
      // per-item independence: every batch item has a gradient of its own
      const per = g.length / n;
      for (let i = 0; i < n; i++) assert.ok(g.subarray(i * per, (i + 1) * per).some((v) => v !== 0), `item ${i} has no gradient`);
      assert.ok(out[c.outputs.grads[s.layer]!], 'the requested intermediate gradient is an output');
      assert.deepEqual([...out[c.outputs.activations[s.layer]!]!.dims].slice(0, 1), [n]);
    });
  }
}

// Finite differences through the compiled model itself (its objective output), on the pixels with the
// largest gradient. eps 0.1 on inputs of magnitude ~100 stays within one linear piece of the ReLU
// network for nearly every pixel; 2% covers float32 noise in the objective.
const FD_CASES: { spec: number; objective: (s: Spec) => O.Objective; n: number; hw: number; rules?: 'guided' }[] = [
  { spec: 0, objective: (s) => O.channel(s.layer, 97), n: 1, hw: 224 },
  { spec: 0, objective: (s) => O.logit(s.logits!.tensor, 208), n: 1, hw: 224 },
  { spec: 1, objective: (s) => O.add(O.deepdream(s.layer), O.mul(1e-3, O.gram(s.layer))), n: 1, hw: 224 },
  { spec: 1, objective: (s) => O.perItem([O.channel(s.layer, 1), O.channel(s.layer, 2), O.channel(s.layer, 3)]), n: 3, hw: 128 },
  { spec: 2, objective: (s) => O.add(O.mul(1e-6, O.gram('block2_conv2_relu')), O.content(s.layer)), n: 1, hw: 128 },
];

for (const [k, f] of FD_CASES.entries()) {
  const s = SPECS[f.spec]!;
  test(`${s.file}: finite differences agree on a few pixels (${f.n}×${f.hw}², case ${k})`, { skip: !present }, async () => {
    const shape = [f.n, 3, f.hw, f.hw];
    const objective = f.objective(s);
    const c = await compileGradient(load(s), { input: s.input, shape, objective, label: s.file });
    const r = rng(100 + k);
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 200 - 100);
    const { session, feeds } = await runCompiled(c, x, shape, 200 + k);
    const g = (await session.run(feeds))[c.outputs.inputGrad]!.data as Float32Array;
    const value = async (v: Float32Array) => {
      const o = await session.run({ ...feeds, [c.inputName]: new ort.Tensor('float32', v, shape) }, [c.outputs.objective]);
      return (o[c.outputs.objective]!.data as Float32Array)[0]!;
    };
    // the 3 largest-gradient pixels of every batch item
    const per = g.length / f.n;
    const picks: number[] = [];
    for (let i = 0; i < f.n; i++) {
      const idx = Array.from({ length: per }, (_, j) => i * per + j).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!));
      picks.push(...idx.slice(0, 3));
    }
    const eps = 0.1;
    const f0 = await value(x);
    for (const i of picks) {
      assert.ok(g[i] !== 0, `item ${Math.floor(i / per)} has no gradient`);
      const p = Float32Array.from(x), m = Float32Array.from(x);
      p[i] = x[i]! + eps;
      m[i] = x[i]! - eps;
      const fp = await value(p), fm = await value(m);
      const central = (fp - fm) / (p[i]! - m[i]!);
      // At a kink (a ReLU or max-pool switch inside the step) any value between the one-sided
      // derivatives is a valid subgradient.
      const right = (fp - f0) / (p[i]! - x[i]!), left = (f0 - fm) / (x[i]! - m[i]!);
      const slack = 0.02 * Math.abs(g[i]!);
      const ok = Math.abs(central - g[i]!) <= slack || (g[i]! >= Math.min(left, right) - slack && g[i]! <= Math.max(left, right) + slack);
      assert.ok(ok, `pixel ${i}: compiled ${g[i]} vs finite differences central ${central}, left ${left}, right ${right}`);
    }
    await session.release();
  });
}
