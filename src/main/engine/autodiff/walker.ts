// Reverse-mode walk: from the scalar objective back to the input, one rule per node.
//
// Only nodes on a path input → objective are visited (reverse topological order); gradients reaching a
// tensor from several consumers are summed; weights and other constants are never differentiated.
import { UnsupportedOpsError } from './errors';
import type { Emitter } from './emitter';
import type { GradContext, RuleMap } from './types';
import type { DType, Node, Tensor } from '../onnx/model';
import type { ResolvedStrategies } from './strategies';

export interface WalkInput {
  nodes: Node[];
  input: string;
  /** scalar tensor being differentiated */
  seed: string;
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  constants: Map<string, Tensor>;
  rules: RuleMap;
  /** backward spellings the rules choose between */
  strategies: ResolvedStrategies;
  emitter: Emitter;
  /** tensors whose gradient the caller wants besides the input */
  extra: string[];
}

export interface WalkResult {
  /** gradient tensor of each requested tensor; undefined when it does not influence the seed */
  grads: Map<string, string | undefined>;
  backwardNodes: number;
}

export function walk(w: WalkInput): WalkResult {
  const { nodes, input, seed, rules, emitter } = w;
  // value-dependence on the input (Shape/Size already folded away by specialization)
  const dep = new Set([input]);
  for (const n of nodes) if (n.inputs.some((i) => dep.has(i))) n.outputs.forEach((o) => o && dep.add(o));
  // reverse reachability from the seed through dependent floating-point inputs (booleans and
  // integers computed from the input — masks, argmax — carry no gradient, so their producers need no rule)
  const floating = (t: string) => FLOAT.has(w.dtypes.get(t) ?? 'float32');
  const reach = new Set([seed]);
  const active: Node[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => reach.has(o))) continue;
    const depIn = n.inputs.filter((x) => dep.has(x) && floating(x));
    if (depIn.length === 0) continue;
    active.push(n);
    depIn.forEach((x) => reach.add(x));
  }

  // int8 models: a QuantizeLinear turns the float path into integers, which carry no gradient, so the
  // objective would silently get none at all; name the quantizing nodes instead (a forward feature still works)
  if (!reach.has(input)) {
    const upstream = new Set([seed]);
    for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]!.outputs.some((o) => upstream.has(o))) nodes[i]!.inputs.forEach((x) => upstream.add(x));
    const quantizers = nodes.filter((n) => QUANTIZERS.has(n.opType) && n.inputs.some((x) => dep.has(x)) && n.outputs.some((o) => upstream.has(o)));
    if (quantizers.length) throw new UnsupportedOpsError(quantizers.map((n) => ({ opType: n.opType, node: n.name })));
  }
  const missing = active.filter((n) => !rules[n.opType] || (n.domain !== '' && n.domain !== 'ai.onnx'));
  if (missing.length) throw new UnsupportedOpsError(missing.map((n) => ({ opType: n.opType, node: n.name })));

  const contributions = new Map<string, string[]>();
  contributions.set(seed, [emitter.scalar(1)]);
  const total = (t: string): string | undefined => {
    const parts = contributions.get(t);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    const prev = emitter.scope;
    emitter.scope = t;
    const sum = emitter.op('Sum', parts);
    emitter.scope = prev;
    contributions.set(t, [sum]);
    return sum;
  };

  const before = emitter.nodes.length;
  for (const n of active) {
    const dOut = n.outputs.map((o) => (o ? total(o) : undefined));
    if (dOut.every((d) => d === undefined)) continue;
    emitter.scope = `${n.name || n.outputs[0]}/grad`;
    const ctx = makeContext(w, n, dep);
    let dIn: (string | undefined)[];
    try {
      dIn = rules[n.opType]!(ctx, dOut);
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(n.name) ? msg : `gradient of ${n.opType} node "${n.name}": ${msg}`);
    }
    n.inputs.forEach((x, i) => {
      const d = dIn[i];
      if (!d || !dep.has(x) || !floating(x)) return;
      const list = contributions.get(x) ?? [];
      list.push(d);
      contributions.set(x, list);
    });
  }
  emitter.scope = 'grad';
  const grads = new Map<string, string | undefined>();
  for (const t of [input, ...w.extra]) grads.set(t, total(t));
  return { grads, backwardNodes: emitter.nodes.length - before };
}

const FLOAT = new Set(['float32', 'float16', 'float64', 'bfloat16']);
/** ops that turn a float tensor into integers (int8 models): the gradient stops there */
const QUANTIZERS = new Set(['QuantizeLinear', 'DynamicQuantizeLinear']);

function makeContext(w: WalkInput, node: Node, dep: Set<string>): GradContext {
  const e = w.emitter;
  const label = `${node.opType} node "${node.name}"`;
  return {
    node,
    opset: e.opset,
    strategies: w.strategies,
    shape(t) {
      const s = w.shapes.get(t);
      if (!s) throw new Error(`${label}: shape of "${t}" is unknown`);
      return s;
    },
    dtype(t) {
      return w.dtypes.get(t) ?? w.constants.get(t)?.dtype ?? 'float32';
    },
    constant: (t) => w.constants.get(t),
    wants: (i) => {
      const x = node.inputs[i];
      return !!x && dep.has(x) && FLOAT.has(w.dtypes.get(x) ?? 'float32');
    },
    emit: (op, inputs, attrs, count, domain) => e.emit(op, inputs, attrs, count, domain),
    op: (op, inputs, attrs) => e.op(op, inputs, attrs),
    tensor: (dtype, dims, values) => e.tensor(dtype, dims, values),
    scalar: (v) => e.scalar(v),
    ints: (v) => e.ints(v),
    unbroadcast: (g, gs, ts) => e.unbroadcast(g, gs, ts),
    reduceSum: (x, axes, k) => e.reduceSum(x, axes, k),
    reduceMean: (x, axes, k) => e.reduceMean(x, axes, k),
    unsqueeze: (x, axes) => e.unsqueeze(x, axes),
    squeeze: (x, axes) => e.squeeze(x, axes),
    reshape: (x, s) => e.reshape(x, s),
    slice: (x, st, en, ax, sp) => e.slice(x, st, en, ax, sp),
    zeros: (s) => e.zeros(s),
  };
}
