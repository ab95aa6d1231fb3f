// Objectives → ONNX nodes appended after the forward graph. Every leaf yields a per-item vector [N];
// composition adds / scales / masks those vectors; the total is their sum. Targets (Gram matrices,
// content activations, directions) become graph inputs so one compiled session serves a whole
// optimization. The walker later differentiates these nodes with the ordinary rules.
import type { Objective } from '../../../shared/objectives';
import type { Emitter } from './emitter';
import type { Attr, DType } from '../onnx/model';

export interface TargetInput {
  name: string;
  shape: number[];
  role: string;
}

export interface ObjectiveGraph {
  perItem: string;
  total: string;
  targets: TargetInput[];
  /** per-item value of each top-level term (terms of a top-level sum, else the objective itself) */
  terms: string[];
}

export interface ObjectiveEnv {
  emitter: Emitter;
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  /** tensor name of a layer reference (`undefined` → the image input; `name:pre` resolved) */
  resolve(layer: string | undefined): string;
  batch: number;
}

export class ObjectiveCompileError extends Error {
  override name = 'ObjectiveCompileError';
}

export function compileObjective(o: Objective, env: ObjectiveEnv): ObjectiveGraph {
  const e = env.emitter;
  const targets: TargetInput[] = [];
  const N = env.batch;
  const prevScope = e.scope;
  e.scope = 'objective';

  const rec = (name: string, shape: number[]): string => {
    env.shapes.set(name, shape);
    env.dtypes.set(name, 'float32');
    return name;
  };
  const op = (type: string, inputs: string[], shape: number[], attrs: Record<string, Attr> = {}) => rec(e.op(type, inputs, attrs), shape);
  const shapeOf = (t: string) => env.shapes.get(t)!;
  const scalar = (v: number) => rec(e.scalar(v), []);
  const ints = (v: number[]) => rec(e.ints(v), [v.length]);
  const meanRest = (x: string): string => {
    const s = shapeOf(x);
    if (s.length === 1) return x;
    return rec(e.reduceMean(x, s.slice(1).map((_, i) => i + 1), false), [s[0]!]);
  };
  const sumRest = (x: string): string => {
    const s = shapeOf(x);
    if (s.length === 1) return x;
    return rec(e.reduceSum(x, s.slice(1).map((_, i) => i + 1), false), [s[0]!]);
  };
  const slice = (x: string, starts: number[], ends: number[], axes: number[]): string => {
    const s = [...shapeOf(x)];
    axes.forEach((a, i) => { s[a] = ends[i]! - starts[i]!; });
    return rec(e.slice(x, starts, ends, axes), s);
  };
  const target = (o: { target?: string; layer: string }, kind: string, shape: number[]): string => {
    const name = o.target ?? e.fresh(`target_${kind}_${o.layer.replace(/[^A-Za-z0-9_]/g, '_')}`);
    const prev = targets.find((t) => t.name === name);
    if (prev && prev.shape.join(',') !== shape.join(',')) {
      throw new ObjectiveCompileError(`objective target "${name}" is used with shapes [${prev.shape}] and [${shape}]`);
    }
    if (!prev) targets.push({ name, shape, role: `${kind}:${o.layer}` });
    return rec(name, shape);
  };
  const layer = (name: string | undefined, minRank: number, what: string): { t: string; s: number[] } => {
    const t = env.resolve(name);
    const s = env.shapes.get(t);
    if (!s) throw new ObjectiveCompileError(`${what}: tensor "${t}" has no known shape`);
    if (s.length < minRank) throw new ObjectiveCompileError(`${what}: tensor "${t}" has shape [${s}], needs rank ≥ ${minRank}`);
    if (s[0] !== N) throw new ObjectiveCompileError(`${what}: tensor "${t}" has shape [${s}], whose first axis is not the batch (${N})`);
    return { t, s };
  };
  const checkIndex = (what: string, field: string, v: number, size: number) => {
    if (v >= size) throw new ObjectiveCompileError(`${what}: ${field} ${v} is out of range (size ${size})`);
  };
  const gramOf = (t: string, s: number[]): string => {
    const [n, c] = s as [number, number];
    const hw = s.slice(2).reduce((a, b) => a * b, 1);
    const F = op('Reshape', [t, ints([n, c, hw])], [n, c, hw]);
    const Ft = op('Transpose', [F], [n, hw, c], { perm: { type: 'ints', value: [0, 2, 1] } });
    return op('MatMul', [F, Ft], [n, c, c]);
  };

  const build = (o: Objective): string => {
    const what = `objective ${o.kind}${'layer' in o && o.layer ? `(${o.layer})` : ''}`;
    switch (o.kind) {
      case 'channel': {
        const { t, s } = layer(o.layer, 2, what);
        checkIndex(what, 'channel', o.channel, s[1]!);
        return meanRest(slice(t, [o.channel], [o.channel + 1], [1]));
      }
      case 'logit': {
        const { t, s } = layer(o.layer, 2, what);
        checkIndex(what, 'index', o.index, s[1]!);
        return meanRest(slice(t, [o.index], [o.index + 1], [1]));
      }
      case 'neuron': {
        const { t, s } = layer(o.layer, 2, what);
        checkIndex(what, 'channel', o.channel, s[1]!);
        const starts = [o.channel];
        const axes = [1];
        // spatial axes: x is the last, y the one before; any others (3-D data) take their centre
        for (let a = 2; a < s.length; a++) {
          const fromEnd = s.length - a;
          const field = fromEnd === 1 ? 'x' : fromEnd === 2 ? 'y' : `axis ${a}`;
          const v = (fromEnd === 1 ? o.x : fromEnd === 2 ? o.y : undefined) ?? Math.floor(s[a]! / 2);
          checkIndex(what, field, v, s[a]!);
          starts.push(v);
          axes.push(a);
        }
        return meanRest(slice(t, starts, starts.map((v) => v + 1), axes));
      }
      case 'deepdream': {
        const { t, s } = layer(o.layer, 1, what);
        return meanRest(op('Mul', [t, t], s));
      }
      case 'direction': {
        const { t, s } = layer(o.layer, 2, what);
        const v = target(o, 'direction', [s[1]!]);
        const vShape = s.map((d, i) => (i === 1 ? d : 1));
        const vr = op('Reshape', [v, ints(vShape)], vShape);
        const dot = rec(e.reduceSum(op('Mul', [t, vr], s), [1], false), [s[0]!, ...s.slice(2)]);
        return meanRest(dot);
      }
      case 'gram': {
        const { t, s } = layer(o.layer, 3, what);
        const c = s[1]!;
        const size = s.slice(1).reduce((a, b) => a * b, 1);
        const G = op('Mul', [gramOf(t, s), scalar(1 / size)], [N, c, c]);
        const D = op('Sub', [G, target(o, 'gram', [c, c])], [N, c, c]);
        return sumRest(op('Mul', [D, D], [N, c, c]));
      }
      case 'content': {
        const { t, s } = layer(o.layer, 1, what);
        const D = op('Sub', [t, target(o, 'content', s)], s);
        return meanRest(op('Mul', [D, D], s));
      }
      case 'diversity': {
        const { t, s } = layer(o.layer, 3, what);
        const c = s[1]!;
        const Gf = op('Reshape', [gramOf(t, s), ints([N, c * c])], [N, c * c]);
        const sq = rec(e.reduceSum(op('Mul', [Gf, Gf], [N, c * c]), [1], true), [N, 1]);
        const norm = op('Sqrt', [op('Add', [sq, scalar(1e-10)], [N, 1])], [N, 1]);
        const Gn = op('Div', [Gf, norm], [N, c * c]);
        const S = op('MatMul', [Gn, op('Transpose', [Gn], [c * c, N], { perm: { type: 'ints', value: [1, 0] } })], [N, N]);
        const rows = rec(e.reduceSum(S, [1], false), [N]);
        const diag = rec(e.reduceSum(op('Mul', [Gn, Gn], [N, c * c]), [1], false), [N]);
        return op('Mul', [op('Sub', [rows, diag], [N]), scalar(-1 / N)], [N]);
      }
      case 'total_variation': {
        const { t, s } = layer(o.layer, 4, what);
        const [, , H, W] = s as [number, number, number, number];
        const dy = op('Sub', [slice(t, [1], [H], [2]), slice(t, [0], [H - 1], [2])], [s[0]!, s[1]!, H - 1, W]);
        const dx = op('Sub', [slice(t, [1], [W], [3]), slice(t, [0], [W - 1], [3])], [s[0]!, s[1]!, H, W - 1]);
        return op('Add', [sumRest(op('Abs', [dy], shapeOf(dy))), sumRest(op('Abs', [dx], shapeOf(dx)))], [N]);
      }
      case 'l1': case 'l2': {
        const { t, s } = layer(o.layer, 1, what);
        const d = o.constant ? op('Sub', [t, scalar(o.constant)], s) : t;
        if (o.kind === 'l1') return sumRest(op('Abs', [d], s));
        return op('Sqrt', [op('Add', [sumRest(op('Mul', [d, d], s)), scalar(1e-6)], [N])], [N]);
      }
      case 'sum': {
        if (o.terms.length === 0) return rec(e.tensor('float32', [N], new Array(N).fill(0)), [N]);
        return o.terms.map(build).reduce((a, b) => op('Add', [a, b], [N]));
      }
      case 'scale':
        return op('Mul', [build(o.of), scalar(o.factor)], [N]);
      case 'item': {
        if (o.index >= N) throw new ObjectiveCompileError(`objective item(${o.index}, …): batch has only ${N} item(s)`);
        return masked(build(o.of), o.index);
      }
      case 'per_item': {
        if (o.items.length !== N) throw new ObjectiveCompileError(`objective per_item has ${o.items.length} objectives but the batch has ${N} items`);
        return o.items.map((it, i) => masked(build(it), i)).reduce((a, b) => op('Add', [a, b], [N]));
      }
    }
  };
  const masked = (x: string, i: number): string => {
    const onehot = new Array<number>(N).fill(0);
    onehot[i] = 1;
    return op('Mul', [x, rec(e.tensor('float32', [N], onehot), [N])], [N]);
  };

  const terms: string[] = [];
  let perItem: string;
  if (o.kind === 'sum' && o.terms.length > 0) {
    for (const t of o.terms) terms.push(build(t));
    perItem = terms.reduce((a, b) => op('Add', [a, b], [N]));
  } else {
    perItem = build(o);
    terms.push(perItem);
  }
  const total = rec(e.reduceSum(perItem, [0], false), []);
  e.scope = prevScope;
  return { perItem, total, targets, terms };
}
