// Test support: runs ONE gradient rule on a one-node ONNX model in onnxruntime and checks it against
// central finite differences of the same model, also run in onnxruntime. The objective is
// L = sum(Y * R) for a fixed random R, so the rule sees dY = R exactly.
//
// This differentiates a single node with a minimal GradContext, independent of the full compiler
// (autodiff/index.ts), so a failing case points at the rule itself. The compiler-level FD table
// (autodiff/rules.fd.test.ts) covers the same ops through compileGradient.
import { seededRandom as rng } from '../../../../shared/random';
import * as ort from 'onnxruntime-node';
import { encodeModel, makeTensor, tensorSize, type Attr, type DType, type Model, type Node, type Tensor } from '../../onnx/model';
import type { GradContext, RuleMap } from '../types';
import { resolveStrategies, type CompileStrategies, type ResolvedStrategies } from '../strategies';

export interface OneNodeCase {
  op: string;
  attrs?: Record<string, Attr>;
  /** the differentiated data input's shape [N, C, ...] */
  x: number[];
  /** constant inputs after x (weights, bias, statistics): shape + values */
  consts?: { dims: number[]; values: ArrayLike<number> }[];
  /** number of node outputs (MaxPool with Indices: 2) */
  outputs?: number;
  opset?: number;
  /** hide the constants' values from the rule, as if they were computed at run time */
  runtimeConsts?: boolean;
}


export function randomValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Distinct values spaced `gap` apart in random order: no max-pool ties, even after a ±gap/2 nudge. */
export function distinctValues(n: number, seed: number, gap = 0.05): Float32Array {
  const r = rng(seed);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * gap);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return Float32Array.from(v);
}

/** Runs `model` (input `x`, output `y`, as oneNodeModel builds them) on `x` of `shape` and returns `y`. */
export async function forwardY(model: Model, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(model));
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, shape) })).y!.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** The one-node forward model, batch dimension symbolic so FD can stack perturbed copies. */
export function oneNodeModel(c: OneNodeCase): Model {
  const inits: Tensor[] = (c.consts ?? []).map((k, i) => makeTensor(`c${i}`, 'float32', k.dims, k.values));
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => (i === 0 ? 'y' : `y${i}`));
  const node: Node = { name: `${c.op}_0`, opType: c.op, domain: '', inputs: ['x', ...inits.map((t) => t.name)], outputs, attrs: c.attrs ?? {} };
  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: c.opset ?? 17 }],
    producerName: 'rule-harness', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'one_node', nodes: [node], initializers: inits,
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', ...c.x.slice(1)] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      valueInfo: [],
    },
  };
}

async function runY(model: Model, x: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, shape) });
    const y = out.y!;
    return { data: y.data as Float32Array, dims: [...y.dims] };
  } finally {
    await session.release();
  }
}

/** Minimal GradContext over one forward node: shapes come from one forward run. */
class OneNodeContext implements GradContext {
  readonly nodes: Node[] = [];
  readonly inits: Tensor[] = [];
  private counter = 0;
  constructor(
    readonly node: Node,
    readonly opset: number,
    private readonly shapes: Map<string, number[]>,
    private readonly consts: Map<string, Tensor>,
    readonly strategies: ResolvedStrategies,
  ) {}
  shape(t: string): number[] {
    const s = this.shapes.get(t);
    if (!s) throw new Error(`harness: no shape known for "${t}"`);
    return [...s];
  }
  dtype(): DType { return 'float32'; }
  constant(t: string): Tensor | undefined { return this.consts.get(t); }
  wants(i: number): boolean { return i === 0; }
  emit(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputCount = 1, domain = ''): string[] {
    const outs = Array.from({ length: outputCount }, () => `bw_${this.counter++}`);
    this.nodes.push({ name: `bw_node_${this.nodes.length}`, opType, domain, inputs, outputs: outs, attrs });
    return outs;
  }
  op(opType: string, inputs: string[], attrs?: Record<string, Attr>): string { return this.emit(opType, inputs, attrs)[0]!; }
  tensor(dtype: DType, dims: number[], values: ArrayLike<number>): string {
    const name = `bw_const_${this.counter++}`;
    this.inits.push(makeTensor(name, dtype, dims, values));
    return name;
  }
  scalar(value: number): string { return this.tensor('float32', [], [value]); }
  ints(values: number[]): string { return this.tensor('int64', [values.length], values); }
  unbroadcast(): string { throw new Error('harness: unbroadcast is not used by conv/pool/norm rules'); }
  // The opset-dependent spellings, as the compiler's emitter writes them.
  private axesOp(op: string, x: string, axes: number[], since: number, attrs: Record<string, Attr> = {}): string {
    return this.opset >= since ? this.op(op, [x, this.ints(axes)], attrs) : this.op(op, [x], { ...attrs, axes: { type: 'ints', value: axes } });
  }
  reduceSum(x: string, axes: number[], keepdims: boolean): string { return this.axesOp('ReduceSum', x, axes, 13, { keepdims: { type: 'int', value: keepdims ? 1 : 0 } }); }
  reduceMean(x: string, axes: number[], keepdims: boolean): string { return this.axesOp('ReduceMean', x, axes, 18, { keepdims: { type: 'int', value: keepdims ? 1 : 0 } }); }
  unsqueeze(x: string, axes: number[]): string { return this.axesOp('Unsqueeze', x, axes, 13); }
  squeeze(x: string, axes: number[]): string { return this.axesOp('Squeeze', x, axes, 13); }
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    if (this.opset < 10) throw new Error('harness: Slice needs opset 10');
    return this.op('Slice', [x, this.ints(starts), this.ints(ends), this.ints(axes), ...(steps ? [this.ints(steps)] : [])]);
  }
  reshape(x: string, shape: number[]): string { return this.op('Reshape', [x, this.ints(shape)]); }
  zeros(shape: number[]): string {
    return this.op('ConstantOfShape', [this.ints(shape)], { value: { type: 'tensor', value: makeTensor('value', 'float32', [1], [0]) } });
  }
}

export interface GradCheck {
  grad: Float32Array;
  fd: Float64Array;
  relL2: number;
  maxAbs: number;
  backwardOps: string[];
}

/**
 * Gradient of sum(Y * R) w.r.t. x through `rules` (spelled with `strategies`, defaults where left
 * out), and its central finite difference (eps per element; every perturbed copy runs in ONE batched forward).
 */
export async function checkRule(rules: RuleMap, c: OneNodeCase, x: Float32Array, seed: number, eps: number, strategies: CompileStrategies = {}): Promise<GradCheck> {
  const model = oneNodeModel(c);
  const fwd = await runY(model, x, c.x);
  const r = randomValues(tensorSize(fwd.dims), seed + 1);
  const { model: bw, dx, backwardOps } = backwardModel(rules, c, fwd.dims, strategies);
  const session = await ort.InferenceSession.create(encodeModel(bw), { intraOpNumThreads: 1 });
  let grad: Float32Array;
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, c.x), dy: new ort.Tensor('float32', r, fwd.dims) });
    grad = Float32Array.from(out[dx]!.data as Float32Array);
  } finally {
    await session.release();
  }

  const n = x.length;
  const stacked = new Float32Array(2 * n * n);
  for (let i = 0; i < n; i++) {
    stacked.set(x, 2 * i * n);
    stacked.set(x, (2 * i + 1) * n);
    stacked[2 * i * n + i] = x[i]! + eps;
    stacked[(2 * i + 1) * n + i] = x[i]! - eps;
  }
  const ys = await runY(model, stacked, [2 * n * c.x[0]!, ...c.x.slice(1)]);
  const per = r.length;
  const fd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let plus = 0, minus = 0;
    for (let j = 0; j < per; j++) {
      plus += ys.data[2 * i * per + j]! * r[j]!;
      minus += ys.data[(2 * i + 1) * per + j]! * r[j]!;
    }
    fd[i] = (plus - minus) / (2 * eps);
  }
  let num = 0, den = 0, maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = grad[i]! - fd[i]!;
    num += d * d;
    den += fd[i]! * fd[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { grad, fd, relL2: Math.sqrt(num / Math.max(den, 1e-30)), maxAbs, backwardOps };
}

/**
 * The forward node plus its rule's backward nodes as one model: inputs x and dy (the gradient
 * arriving at the node's first output, whose shape is `yDims`), output dx.
 */
export function backwardModel(rules: RuleMap, c: OneNodeCase, yDims: number[], strategies: CompileStrategies = {}): { model: Model; dx: string; backwardOps: string[] } {
  const model = oneNodeModel(c);
  const node = model.graph.nodes[0]!;
  const shapes = new Map<string, number[]>([['x', c.x], ['y', yDims]]);
  const consts = new Map<string, Tensor>();
  for (const t of model.graph.initializers) { shapes.set(t.name, t.dims); if (!c.runtimeConsts) consts.set(t.name, t); }
  const ctx = new OneNodeContext(node, c.opset ?? 17, shapes, consts, resolveStrategies(strategies));
  const rule = rules[c.op];
  if (!rule) throw new Error(`no rule for ${c.op}`);
  const [dx] = rule(ctx, ['dy']);
  if (!dx) throw new Error(`${c.op} rule returned no gradient for x`);
  return {
    dx,
    backwardOps: ctx.nodes.map((k) => k.opType),
    model: {
      ...model,
      graph: {
        ...model.graph,
        nodes: [node, ...ctx.nodes],
        initializers: [...model.graph.initializers, ...ctx.inits],
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x }, { name: 'dy', dtype: 'float32', shape: yDims }],
        outputs: [{ name: dx, dtype: 'float32' }],
      },
    },
  };
}
