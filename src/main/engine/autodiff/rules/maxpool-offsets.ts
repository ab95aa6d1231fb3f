// MaxPool backward by kernel offsets: no Indices output, no scatter — only Slice/Equal/Where/Sub/Pad/
// Sum/Concat/Transpose, which onnxruntime runs multithreaded (its MaxPool-with-Indices kernel is a
// scalar single-threaded loop, ~7-10x the plain pool; see autodiff/README.md "Performance").
import { A, type GradContext } from '../types';
import { adjointPads, effective, type Window } from './window';

/**
 * For each kernel offset t, in row-major order (PyTorch's scan order), the strided view X_t of the
 * padded input holds the pixel at offset t of every window. Where X_t equals Y the window's max sits
 * there — but only the first such offset may take dY (first maximum wins on ties), so a running
 * "remaining" dY is handed out: g_t = Where(X_t == Y, rem, 0), rem -= g_t. Each g_t is then put back
 * where offset t of every window lies (`assembleOffsets`).
 * Pads are filled with -inf, which never equals a window's max unless the whole window is -inf/pad.
 */
export function offsetsMaxPoolGrad(ctx: GradContext, dY: string, w: Window): string {
  const x = ctx.node.inputs[0]!;
  const y = ctx.node.outputs[0]!;
  return firstMaxByOffsets(ctx, { x, y, dY, xShape: ctx.shape(x), yShape: ctx.shape(y), w });
}

/** A max-pool's tensors and concrete shapes (the node's own, or one axis of a separated pool). */
export interface PoolTensors { x: string; y: string; dY: string; xShape: number[]; yShape: number[]; w: Window }

export function firstMaxByOffsets(ctx: GradContext, p: PoolTensors): string {
  const { x, y, dY, xShape, yShape, w } = p;
  const out = yShape.slice(2);
  const spatial = xShape.slice(2);
  // end room for ceil_mode windows hanging past the end pad
  const back = spatial.map((n, i) => Math.max(0, (out[i]! - 1) * w.strides[i]! + effective(w, i) - w.padBegin[i]! - n));
  const xp = w.padBegin.some((v) => v > 0) || back.some((v) => v > 0)
    ? ctx.op('Pad', [x, ctx.ints([0, 0, ...w.padBegin, 0, 0, ...back]), ctx.scalar(-Infinity)])
    : x;
  const axes = spatial.map((_, i) => i + 2);
  const zero = ctx.scalar(0);
  const offsets = allOffsets(w.kernel);
  let rem = dY;
  const g = new Map<string, string>();
  offsets.forEach((t, k) => {
    // the window's max is one of its pixels: what no earlier offset took belongs to the last one
    if (k === offsets.length - 1) {
      g.set(t.join(','), rem);
      return;
    }
    const starts = t.map((j, i) => j * w.dilations[i]!);
    const ends = starts.map((st, i) => st + (out[i]! - 1) * w.strides[i]! + 1);
    const whole = starts.every((st, i) => st === 0 && w.strides[i] === 1 && ends[i] === spatial[i] && xp === x);
    const xt = whole ? x : ctx.slice(xp, starts, ends, axes, w.strides);
    const gt = ctx.op('Where', [ctx.op('Equal', [xt, y]), rem, zero]);
    g.set(t.join(','), gt);
    if (k < offsets.length - 1) rem = ctx.op('Sub', [rem, gt]);
  });
  return assembleOffsets(ctx, p, (t) => g.get(t.join(','))!);
}

/**
 * A 2-D max-pool is a 1-D pool along the columns followed by a 1-D pool along the rows
 * (H = pool_w(X), Y = pool_h(H)), and PyTorch's row-major first maximum of a window is the first
 * row whose maximum equals Y, then the first column of that row equal to it — exactly what routing
 * dY back through the two 1-D pools with first-max gives. Two passes of k offsets instead of k²
 * (6 instead of 9 for 3×3), at the price of one plain (fast) forward MaxPool for H.
 */
export function separableMaxPoolGrad(ctx: GradContext, dY: string, w: Window): string {
  const x = ctx.node.inputs[0]!;
  const y = ctx.node.outputs[0]!;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(y);
  const cols: Window = { rank: 2, kernel: [1, w.kernel[1]!], strides: [1, w.strides[1]!], dilations: [1, w.dilations[1]!], padBegin: [0, w.padBegin[1]!], padEnd: [0, w.padEnd[1]!] };
  const rows: Window = { rank: 2, kernel: [w.kernel[0]!, 1], strides: [w.strides[0]!, 1], dilations: [w.dilations[0]!, 1], padBegin: [w.padBegin[0]!, 0], padEnd: [w.padEnd[0]!, 0] };
  const hShape = [xShape[0]!, xShape[1]!, xShape[2]!, yShape[3]!];
  // explicit end pads reproduce ceil_mode's overhang (pads count as -inf for MaxPool)
  const colBack = Math.max(0, (yShape[3]! - 1) * cols.strides[1]! + effective(cols, 1) - cols.padBegin[1]! - xShape[3]!);
  const h = ctx.op('MaxPool', [x], {
    kernel_shape: A.ints(cols.kernel), strides: A.ints(cols.strides), dilations: A.ints(cols.dilations), pads: A.ints([0, cols.padBegin[1]!, 0, colBack]),
  });
  const dH = firstMaxByOffsets(ctx, { x: h, y, dY, xShape: hShape, yShape, w: rows });
  return firstMaxByOffsets(ctx, { x, y: h, dY: dH, xShape, yShape: hShape, w: cols });
}

/** Every kernel offset, row-major. */
export function allOffsets(kernel: number[]): number[][] {
  let acc: number[][] = [[]];
  for (const k of kernel) acc = acc.flatMap((t) => Array.from({ length: k }, (_, j) => [...t, j]));
  return acc;
}

/**
 * Sum maps g(t) (shaped like the pool output: the gradient that offset t of each window sends to
 * its pixel) into an input-shaped gradient. Offset t of output o lands at o*s + t*d - pb; writing
 * t*d = q*s + a, that is block o+q of phase a. Each phase sums its offsets' maps shifted by q (Pad),
 * the phases interleave into the image (Reshape + Transpose, a generalized DepthToSpace), and the
 * front pad is cropped.
 */
export function assembleOffsets(ctx: GradContext, p: { xShape: number[]; yShape: number[]; w: Window }, g: (offset: number[]) => string): string {
  const { xShape, yShape, w } = p;
  const r = w.rank;
  if (w.strides.every((v) => v === 1)) return assembleUnitStride(ctx, p, g);
  const spatial = xShape.slice(2);
  const out = yShape.slice(2);
  const q = (i: number, j: number) => Math.floor((j * w.dilations[i]!) / w.strides[i]!);
  const maxQ = w.kernel.map((k, i) => q(i, k - 1));
  const blocks = out.map((o, i) => o + maxQ[i]!);
  const nc = [yShape[0]!, yShape[1]!];

  const phases = new Map<string, string[]>();
  for (const offset of allOffsets(w.kernel)) {
    let gt = g(offset);
    const before = offset.map((j, i) => q(i, j));
    if (before.some((b, i) => b > 0 || maxQ[i]! > 0)) {
      gt = ctx.op('Pad', [gt, ctx.ints([0, 0, ...before, 0, 0, ...before.map((b, i) => maxQ[i]! - b)])]);
    }
    const phase = offset.map((j, i) => (j * w.dilations[i]!) % w.strides[i]!).join(',');
    phases.set(phase, [...(phases.get(phase) ?? []), gt]);
  }

  // all phases in row-major order of the phase vector, empty ones as zeros
  const phaseMaps: string[] = [];
  const each = (axis: number, phase: number[]): void => {
    if (axis < r) {
      for (let a = 0; a < w.strides[axis]!; a++) each(axis + 1, [...phase, a]);
      return;
    }
    const parts = phases.get(phase.join(','));
    phaseMaps.push(!parts ? ctx.zeros([...nc, ...blocks]) : parts.length === 1 ? parts[0]! : ctx.op('Sum', parts));
  };
  each(0, []);

  let full: string;
  if (phaseMaps.length === 1) {
    full = phaseMaps[0]!;
  } else {
    // [N, P*C, B...] laid out [N, s..., C, B...] → [N, C, B1, s1, B2, s2, ...] → [N, C, B1*s1, ...]
    const stacked = ctx.reshape(ctx.op('Concat', phaseMaps, { axis: A.int(1) }), [nc[0]!, ...w.strides, nc[1]!, ...blocks]);
    const perm = [0, r + 1];
    for (let i = 0; i < r; i++) perm.push(r + 2 + i, 1 + i);
    full = ctx.reshape(ctx.op('Transpose', [stacked], { perm: A.ints(perm) }), [...nc, ...blocks.map((b, i) => b * w.strides[i]!)]);
  }
  // block row R is image row R - pb: crop the front pad, zero-fill anything the windows never reached
  const have = blocks.map((b, i) => b * w.strides[i]!);
  const short = spatial.map((n, i) => Math.max(0, w.padBegin[i]! + n - have[i]!));
  if (short.some((v) => v > 0)) full = ctx.op('Pad', [full, ctx.ints([0, 0, ...short.map(() => 0), 0, 0, ...short])]);
  const axes = spatial.map((_, i) => i + 2);
  return ctx.slice(full, w.padBegin, w.padBegin.map((p, i) => p + spatial[i]!), axes);
}

/** Lowest finite float32: the pad value of `onehotMaxPoolGrad` (Conv would turn -inf into NaN: 0·-inf). */
const LOWEST = -3.4028234663852886e38;

/**
 * The same first-max rule with two convolutions instead of k·k strided Slices: a depthwise Conv with
 * one-hot kernels (one output channel per kernel offset) gathers every window's k·k values into a
 * new axis, ArgMax over it (first maximum, select_last_index=0) names the winning offset, dY is
 * placed on that offset's channel, and the ConvTranspose with the same one-hot kernels adds every
 * window's share back onto its pixel. Exact for finite inputs (the one-hot Conv multiplies the other
 * pixels by 0; inf/NaN activations would leak into their neighbours).
 */
export function onehotMaxPoolGrad(ctx: GradContext, dY: string, w: Window): string {
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const [n, c] = [xShape[0]!, xShape[1]!];
  const out = yShape.slice(2);
  const spatial = xShape.slice(2);
  const kk = w.kernel.reduce((a, b) => a * b, 1);
  const back = spatial.map((s, i) => Math.max(0, (out[i]! - 1) * w.strides[i]! + effective(w, i) - w.padBegin[i]! - s));
  const xp = w.padBegin.some((p) => p > 0) || back.some((p) => p > 0)
    ? ctx.op('Pad', [x, ctx.ints([0, 0, ...w.padBegin, 0, 0, ...back]), ctx.scalar(LOWEST)])
    : x;
  // weight [c*kk, 1, k...]: output channel c*kk + t picks offset t of channel c
  const oneHot = new Float32Array(c * kk * kk);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < kk; t++) oneHot[(ch * kk + t) * kk + t] = 1;
  const kernel = ctx.tensor('float32', [c * kk, 1, ...w.kernel], oneHot);
  const conv = { kernel_shape: A.ints(w.kernel), strides: A.ints(w.strides), dilations: A.ints(w.dilations), group: A.int(c) };
  const gathered = ctx.reshape(ctx.op('Conv', [xp, kernel], conv), [n, c, kk, ...out]);
  const winner = ctx.op('ArgMax', [gathered], { axis: A.int(2), keepdims: A.int(1), select_last_index: A.int(0) });
  const slot = ctx.tensor('int64', [1, 1, kk, ...out.map(() => 1)], Array.from({ length: kk }, (_, t) => t));
  const spread = ctx.op('Where', [ctx.op('Equal', [winner, slot]), ctx.unsqueeze(dY, [2]), ctx.scalar(0)]);
  const adj = adjointPads(w, out, spatial);
  return ctx.op('ConvTranspose', [ctx.reshape(spread, [n, c * kk, ...out]), kernel], {
    ...conv, pads: A.ints(adj.pads),
    ...(adj.outputPadding.some((p) => p > 0) ? { output_padding: A.ints(adj.outputPadding) } : {}),
  });
}

/**
 * Stride 1: offset t of output o is pixel o + t*d - pb, so each map is shifted by one Pad whose
 * negative side crops (the centre offset of a "same" pool needs none) and the maps are summed.
 */
function assembleUnitStride(ctx: GradContext, p: { xShape: number[]; yShape: number[]; w: Window }, g: (offset: number[]) => string): string {
  const { xShape, yShape, w } = p;
  const spatial = xShape.slice(2);
  const out = yShape.slice(2);
  const parts = allOffsets(w.kernel).map((t) => {
    const begin = t.map((j, i) => j * w.dilations[i]! - w.padBegin[i]!);
    const end = begin.map((b, i) => spatial[i]! - out[i]! - b);
    const gt = g(t);
    return begin.every((b) => b === 0) && end.every((e) => e === 0) ? gt : ctx.op('Pad', [gt, ctx.ints([0, 0, ...begin, 0, 0, ...end])]);
  });
  return parts.length === 1 ? parts[0]! : ctx.op('Sum', parts);
}
