// Gradient rules for ops that move values around without arithmetic: reshapes, transposes, copies,
// Concat/Split, Slice and Pad. Every bound is a constant here (specialization folded them), so the
// gradients are Slices, Pads and Concats with literal numbers.
import { A, type GradContext, type GradRule, type RuleMap } from '../types';
import { DTYPE_CODES, attrInt, attrInts, attrString, tensorNumbers } from '../../onnx/model';
import { unary } from './activation';

const x0 = (ctx: GradContext) => ctx.node.inputs[0]!;

/** Any op that only reinterprets the shape: the gradient is dy reshaped to the input's shape. */
const reshapeLike = unary((ctx, dy) => ctx.reshape(dy, ctx.shape(x0(ctx))));

const identity = unary((ctx, dy) => ctx.op('Identity', [dy]));

const cast = unary((ctx, dy) => {
  const dt = ctx.dtype(x0(ctx));
  if (dt !== 'float32' && dt !== 'float16' && dt !== 'float64' && dt !== 'bfloat16') {
    throw new Error(`Cast from ${dt}: the input is not floating point, so it has no gradient`);
  }
  return ctx.op('Cast', [dy], { to: A.int(DTYPE_CODES[dt]) });
});

const transpose = unary((ctx, dy) => {
  const rank = ctx.shape(x0(ctx)).length;
  const perm = attrInts(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inv = new Array<number>(rank);
  perm.forEach((p, i) => { inv[p] = i; });
  return ctx.op('Transpose', [dy], { perm: A.ints(inv) });
});

const expand = unary((ctx, dy) => ctx.unbroadcast(dy, ctx.shape(ctx.node.outputs[0]!), ctx.shape(x0(ctx))));

const tile = unary((ctx, dy) => {
  const xs = ctx.shape(x0(ctx));
  const repeats = tensorNumbers(ctx.constant(ctx.node.inputs[1]!) ?? fail(`Tile repeats "${ctx.node.inputs[1]}" must be a constant`));
  // view dy as [r0, x0, r1, x1, …] and sum the repeat axes
  const split = xs.flatMap((d, i) => [repeats[i]!, d]);
  const summed = ctx.reduceSum(ctx.reshape(dy, split), xs.map((_, i) => 2 * i), false);
  return ctx.reshape(summed, xs);
});

function fail(msg: string): never {
  throw new Error(msg);
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

const concat: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const rank = ctx.shape(x0(ctx)).length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank);
  let offset = 0;
  return ctx.node.inputs.map((x, i) => {
    const len = ctx.shape(x)[axis]!;
    const start = offset;
    offset += len;
    if (!ctx.wants(i) || len === 0) return undefined;
    return ctx.slice(dy, [start], [start + len], [axis]);
  });
};

const split: GradRule = (ctx, dOut) => {
  if (!ctx.wants(0) || dOut.every((d) => !d)) return [];
  const rank = ctx.shape(x0(ctx)).length;
  const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank);
  const parts = ctx.node.outputs.map((o, i) => dOut[i] ?? ctx.zeros(ctx.shape(o)));
  return [parts.length === 1 ? ctx.op('Identity', [parts[0]!]) : ctx.op('Concat', parts, { axis: A.int(axis) })];
};

/** Pad `g` along one axis (before/after ≥ 0) with zeros, in the opset's spelling of Pad. */
export function padAxis(ctx: GradContext, g: string, rank: number, axis: number, before: number, after: number): string {
  if (before === 0 && after === 0) return g;
  const pads = new Array<number>(2 * rank).fill(0);
  pads[axis] = before;
  pads[rank + axis] = after;
  return ctx.opset >= 11 ? ctx.op('Pad', [g, ctx.ints(pads)]) : ctx.op('Pad', [g], { pads: A.ints(pads) });
}

/** Resolved Slice parameters per axis, following the ONNX clamping rules. */
function sliceParams(ctx: GradContext): { axis: number; start: number; step: number; count: number }[] {
  const n = ctx.node;
  const xs = ctx.shape(x0(ctx));
  const rank = xs.length;
  const read = (i: number, attr: string): number[] | undefined => {
    if (ctx.opset < 10) return attrInts(n, attr);
    const name = n.inputs[i];
    if (!name) return undefined;
    const t = ctx.constant(name);
    if (!t) throw new Error(`Slice ${attr} "${name}" must be a constant`);
    return tensorNumbers(t);
  };
  const starts = read(1, 'starts')!, ends = read(2, 'ends')!;
  const axes = read(3, 'axes') ?? starts.map((_, i) => i);
  const steps = read(4, 'steps') ?? starts.map(() => 1);
  return axes.map((a, i) => {
    const axis = normAxis(a, rank);
    const dim = xs[axis]!;
    const step = steps[i]!;
    let s = starts[i]!, e = ends[i]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((e - s) / step));
    return { axis, start: s, step, count };
  });
}

// Scatter dy back to the sliced positions, one axis at a time (slicing is separable).
const slice = unary((ctx, dy) => {
  const xs = ctx.shape(x0(ctx));
  const rank = xs.length;
  let g = dy;
  const cur = [...ctx.shape(ctx.node.outputs[0]!)];
  for (const { axis, start, step, count } of sliceParams(ctx)) {
    const dim = xs[axis]!;
    if (count === 0) return ctx.zeros(xs);
    let first = start;
    let stride = step;
    if (step < 0) {
      // reverse so positions ascend: the last taken element is the lowest index
      g = ctx.slice(g, [-1], [-(2 ** 62)], [axis], [-1]);
      first = start + (count - 1) * step;
      stride = -step;
    }
    if (stride > 1) {
      // interleave stride-1 zeros after every element: [.., n, ..] → [.., n, stride, ..] → [.., n*stride, ..]
      const withNew = ctx.unsqueeze(g, [axis + 1]);
      const padded = padAxis(ctx, withNew, rank + 1, axis + 1, 0, stride - 1);
      const merged = [...cur];
      merged[axis] = count * stride;
      g = ctx.slice(ctx.reshape(padded, merged), [0], [(count - 1) * stride + 1], [axis]);
    }
    const span = (count - 1) * stride + 1;
    g = padAxis(ctx, g, rank, axis, first, dim - first - span);
    cur[axis] = dim;
  }
  return g;
});

/** Pad's parameters: pads (2·rank), mode. */
function padParams(ctx: GradContext): { pads: number[]; mode: string } {
  const n = ctx.node;
  const mode = attrString(n, 'mode', 'constant');
  let pads: number[] | undefined;
  if (ctx.opset < 11) pads = attrInts(n, 'pads') ?? attrInts(n, 'paddings');
  else {
    const t = n.inputs[1] ? ctx.constant(n.inputs[1]) : undefined;
    if (!t) throw new Error(`Pad pads "${n.inputs[1]}" must be a constant`);
    pads = tensorNumbers(t);
  }
  if (!pads) throw new Error('Pad has no pads');
  const rank = ctx.shape(x0(ctx)).length;
  if (n.inputs[3]) {
    // opset 18 axes: pads only for the listed axes
    const axes = tensorNumbers(ctx.constant(n.inputs[3]) ?? fail('Pad axes must be a constant')).map((a) => normAxis(a, rank));
    const full = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => { full[a] = pads![i]!; full[rank + a] = pads![axes.length + i]!; });
    pads = full;
  }
  return { pads, mode };
}

const pad = unary((ctx, dy) => {
  const xs = ctx.shape(x0(ctx));
  const rank = xs.length;
  const { pads, mode } = padParams(ctx);
  let g = dy;
  const cur = [...ctx.shape(ctx.node.outputs[0]!)];
  for (let axis = 0; axis < rank; axis++) {
    const b = pads[axis]!, e = pads[rank + axis]!;
    if (b === 0 && e === 0) continue;
    const L = xs[axis]!;
    if (mode === 'constant' || b < 0 || e < 0) {
      if (mode !== 'constant' && (b < 0 || e < 0)) throw new Error(`Pad mode "${mode}" with negative pads is not supported`);
      // positive pads are cut off, negative pads (crops) come back as zeros
      const lo = Math.max(b, 0), hi = Math.max(e, 0);
      g = ctx.slice(g, [lo], [cur[axis]! - hi], [axis]);
      g = padAxis(ctx, g, rank, axis, Math.max(-b, 0), Math.max(-e, 0));
    } else if (mode === 'reflect') {
      // y = [x[b], …, x[1], x[0..L-1], x[L-2], …, x[L-1-e]]
      const center = ctx.slice(g, [b], [b + L], [axis]);
      const parts = [center];
      if (b > 0) {
        const left = ctx.slice(g, [b - 1], [-(2 ** 62)], [axis], [-1]); // g[b-1..0] → lands on x[1..b]
        parts.push(padAxis(ctx, left, rank, axis, 1, L - 1 - b));
      }
      if (e > 0) {
        const right = ctx.slice(g, [b + L + e - 1], [b + L - 1], [axis], [-1]); // g[b+L+e-1..b+L] → x[L-1-e..L-2]
        parts.push(padAxis(ctx, right, rank, axis, L - 1 - e, 1));
      }
      g = parts.length === 1 ? center : ctx.op('Sum', parts);
    } else if (mode === 'edge') {
      const center = ctx.slice(g, [b], [b + L], [axis]);
      const parts = [center];
      if (b > 0) parts.push(padAxis(ctx, ctx.reduceSum(ctx.slice(g, [0], [b], [axis]), [axis], true), rank, axis, 0, L - 1));
      if (e > 0) parts.push(padAxis(ctx, ctx.reduceSum(ctx.slice(g, [b + L], [b + L + e], [axis]), [axis], true), rank, axis, L - 1, 0));
      g = parts.length === 1 ? center : ctx.op('Sum', parts);
    } else {
      throw new Error(`Pad mode "${mode}" has no gradient rule (constant, reflect and edge do)`);
    }
    cur[axis] = L;
  }
  return g;
});

/**
 * Gather with constant indices (torch's `x[:, i]`, channel picks): the adjoint scatters dy back, written
 * as a MatMul with a constant one-hot matrix M[k, idx[k]] = 1 along the gathered axis (repeated indices
 * add up, as they must).
 */
const gather = unary((ctx, dy) => {
  const n = ctx.node;
  const xs = ctx.shape(x0(ctx));
  const rank = xs.length;
  const axis = normAxis(attrInt(n, 'axis', 0), rank);
  if (ctx.wants(1)) throw new Error('Gather indices depend on the input; only constant indices are supported');
  const t = ctx.constant(n.inputs[1]!);
  if (!t) throw new Error(`Gather indices "${n.inputs[1]}" must be a constant`);
  const L = xs[axis]!;
  const idx = tensorNumbers(t).map((i) => (i < 0 ? i + L : i));
  const K = idx.length;
  const M = new Float32Array(K * L);
  idx.forEach((i, k) => { M[k * L + i] = 1; });
  const flat = [...xs.slice(0, axis), K, ...xs.slice(axis + 1)];
  let g = ctx.reshape(dy, flat);
  const perm = [...Array(rank).keys()].filter((i) => i !== axis).concat(axis);
  const moved = axis !== rank - 1;
  if (moved) g = ctx.op('Transpose', [g], { perm: A.ints(perm) });
  g = ctx.op('MatMul', [g, ctx.tensor('float32', [K, L], M)]);
  if (moved) {
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => { inv[p] = i; });
    g = ctx.op('Transpose', [g], { perm: A.ints(inv) });
  }
  return g;
});

/** DepthToSpace / SpaceToDepth are a reshape-transpose-reshape; the adjoint runs it backwards. */
const depthSpace = unary((ctx, dy) => {
  const n = ctx.node;
  const [N, C, H, W] = ctx.shape(x0(ctx)) as [number, number, number, number];
  const b = attrInt(n, 'blocksize', 0);
  if (b < 1) throw new Error(`${n.opType} needs a blocksize`);
  let mid: number[];
  let perm: number[];
  if (n.opType === 'DepthToSpace') {
    const c = C / (b * b);
    if (attrString(n, 'mode', 'DCR') === 'CRD') { mid = [N, c, b, b, H, W]; perm = [0, 1, 4, 2, 5, 3]; }
    else { mid = [N, b, b, c, H, W]; perm = [0, 3, 4, 1, 5, 2]; }
  } else {
    mid = [N, C, H / b, b, W / b, b];
    perm = [0, 3, 5, 1, 2, 4];
  }
  const transposed = perm.map((p) => mid[p]!);
  const inv = new Array<number>(6);
  perm.forEach((p, i) => { inv[p] = i; });
  const g = ctx.op('Transpose', [ctx.reshape(dy, transposed)], { perm: A.ints(inv) });
  return ctx.reshape(g, [N, C, H, W]);
});

// The adjoint of a running sum is the running sum the other way round (same exclusivity).
const cumsum = unary((ctx, dy) => {
  if (ctx.wants(1)) throw new Error('CumSum axis must be a constant');
  return ctx.op('CumSum', [dy, ctx.node.inputs[1]!], {
    exclusive: A.int(attrInt(ctx.node, 'exclusive', 0)),
    reverse: A.int(attrInt(ctx.node, 'reverse', 0) ? 0 : 1),
  });
});

export const shapeRules: RuleMap = {
  CumSum: cumsum,
  Gather: gather,
  DepthToSpace: depthSpace,
  SpaceToDepth: depthSpace,
  Reshape: reshapeLike,
  Flatten: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Identity: identity,
  Dropout: identity,
  Cast: cast,
  Transpose: transpose,
  Expand: expand,
  Tile: tile,
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
};
