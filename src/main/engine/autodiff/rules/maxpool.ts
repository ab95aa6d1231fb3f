// MaxPool's gradient rule and its backward strategies (the default and the measured alternatives).
import { A, type GradContext, type GradRule } from '../types';
import { attrInt, type Attr } from '../../onnx/model';
import { effective, forwardWindow, kernelOf, windowsDisjoint, type Window } from './window';
import { assembleOffsets, offsetsMaxPoolGrad, onehotMaxPoolGrad, separableMaxPoolGrad } from './maxpool-offsets';

// The strategy comes from the compile options (ctx.strategies.maxPool; autodiff/strategies.ts lists them).

/**
 * MaxPool: the gradient of each output goes to the input pixel that won its window. We ask
 * onnxruntime which pixel that was — MaxPool's optional Indices output (flat over N*C*H*W, batch
 * and channel offsets included, first maximum wins like PyTorch) — and scatter dY there: MaxUnpool
 * for disjoint windows; overlapping ones (3x3 stride 2) can pick the same pixel twice, so
 * ScatterElements with reduction="add" from opset 16, and disjoint MaxUnpool phases before.
 * (Measured on onnxruntime CPU, this beats every index-free strategy for strided windows; for
 * stride-1 windows the separable first-max one wins; see the Performance section of autodiff/README.md.)
 */
export const maxPoolGrad: GradRule = (ctx, dOut) => {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const kernel = kernelOf(ctx);
  const w = forwardWindow(ctx.node, xShape.slice(2), kernel);

  const mode = ctx.strategies.maxPool;
  if (mode === 'match' && w.dilations.every((d) => d === 1)) return [matchMaxPoolGrad(ctx, dY, w)];
  if (mode === 'blocks' && blockWindows(ctx, w)) return [blockMaxPoolGrad(ctx, dY, w)];
  // stride-1 windows (GoogLeNet's inception pools): every offset view is a plain contiguous Slice and
  // no interleave is needed, so the separable offsets strategy beats onnxruntime's single-threaded
  // Indices kernel (~9% less CPU over a GoogLeNet step); with strides the per-element strided Slices
  // and the interleave Transpose make every index-free variant slower than Indices.
  const unitStride = w.strides.every((s) => s === 1);
  if (mode === 'offsets' && ctx.opset >= 11) return [offsetsMaxPoolGrad(ctx, dY, w)];
  if (mode === 'auto' && unitStride && w.rank === 2 && ctx.opset >= 11) return [separableMaxPoolGrad(ctx, dY, w)];
  if (mode === 'separable' && ctx.opset >= 11) return [w.rank === 2 ? separableMaxPoolGrad(ctx, dY, w) : offsetsMaxPoolGrad(ctx, dY, w)];
  if (mode === 'onehot' && ctx.opset >= 11) return [onehotMaxPoolGrad(ctx, dY, w)];

  let indices = ctx.node.outputs[1];
  if (!indices || attrInt(ctx.node, 'storage_order', 0) !== 0) {
    // Recompute the pool asking for row-major indices; the values are the same as the forward's.
    const attrs: Record<string, Attr> = { ...ctx.node.attrs, storage_order: A.int(0) };
    indices = ctx.emit('MaxPool', [x], attrs, 2)[1]!;
  }
  if (mode === 'dense') return [denseMaxPoolGrad(ctx, dY, indices, w)];
  if (mode === 'phases') return [maxUnpoolPhases(ctx, dY, indices, w)];
  if (mode === 'gather') return [gatherAddPhases(ctx, dY, indices, w)];
  if (mode !== 'scatter') {
    if (windowsDisjoint(w)) {
      // MaxUnpool insists that output_shape is at least the size its attributes imply
      // (s*(out-1) + k - pads); a ceil_mode overhang is absorbed by a larger end pad there.
      const yShape = ctx.shape(ctx.node.outputs[0]!);
      const padEnd = kernel.map((k, i) => Math.max(0, w.strides[i]! * (yShape[i + 2]! - 1) + k - w.padBegin[i]! - xShape[i + 2]!));
      return [ctx.op('MaxUnpool', [dY, indices, ctx.ints(xShape)], {
        kernel_shape: A.ints(kernel), strides: A.ints(w.strides), pads: A.ints([...w.padBegin, ...padEnd]),
      })];
    }
    if (ctx.opset < 16) return [maxUnpoolPhases(ctx, dY, indices, w)];
  }
  const total = xShape.reduce((a, b) => a * b, 1);
  const scattered = ctx.op('ScatterElements', [ctx.zeros([total]), ctx.reshape(indices, [-1]), ctx.reshape(dY, [-1])], {
    axis: A.int(0), reduction: A.string('add'),
  });
  return [ctx.reshape(scattered, xShape)];
};

/** 2-D windows that tile the image: square kernel == stride, no pads, no dilation (VGG's 2x2/2). */
function blockWindows(ctx: GradContext, w: Window): boolean {
  const s = w.strides[0]!;
  const x = ctx.shape(ctx.node.inputs[0]!);
  const y = ctx.shape(ctx.node.outputs[0]!);
  return w.rank === 2 && s > 1 && w.kernel.every((k, i) => k === s && w.strides[i] === s && w.dilations[i] === 1)
    && [...w.padBegin, ...w.padEnd].every((p) => p === 0) && ctx.opset >= 13
    && y[2]! * s <= x[2]! && y[3]! * s <= x[3]!; // no ceil_mode window hanging past the end
}

/**
 * Tiling windows: SpaceToDepth lays each s×s block along a new axis, ArgMax over it finds the winner
 * (first maximum in row-major order, as PyTorch), and DepthToSpace puts dY back at the winner — no
 * Indices output, no MaxUnpool/scatter (so it suits providers without them); rows/columns beyond the
 * last whole block (floor mode) get zeros. On onnxruntime CPU it measured ~5% slower than Indices +
 * MaxUnpool over a whole VGG step (DepthToSpace is a 6-D transpose), hence opt-in.
 */
function blockMaxPoolGrad(ctx: GradContext, dY: string, w: Window): string {
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const [n, c, oh, ow] = ctx.shape(ctx.node.outputs[0]!) as [number, number, number, number];
  const s = w.strides[0]!;
  const used = [oh * s, ow * s];
  const crop = used[0] !== xShape[2] || used[1] !== xShape[3];
  const xc = crop ? ctx.slice(x, [0, 0], used, [2, 3]) : x;
  const blocks = ctx.reshape(ctx.op('SpaceToDepth', [xc], { blocksize: A.int(s) }), [n, s * s, c, oh, ow]);
  const winner = ctx.op('ArgMax', [blocks], { axis: A.int(1), keepdims: A.int(1), select_last_index: A.int(0) });
  const slot = ctx.tensor('int64', [1, s * s, 1, 1, 1], Array.from({ length: s * s }, (_, i) => i));
  const spread = ctx.op('Where', [ctx.op('Equal', [winner, slot]), ctx.reshape(dY, [n, 1, c, oh, ow]), ctx.scalar(0)]);
  let dx = ctx.op('DepthToSpace', [ctx.reshape(spread, [n, s * s * c, oh, ow])], { blocksize: A.int(s), mode: A.string('DCR') });
  if (crop) dx = ctx.op('Pad', [dx, ctx.ints([0, 0, 0, 0, 0, 0, xShape[2]! - used[0]!, xShape[3]! - used[1]!])]);
  return dx;
}

/**
 * Scatter-add without ScatterElements' reduction (opset < 16, or providers that lack it): split the
 * outputs into phases — every m-th window along each axis, m = ceil(keff / stride) — whose windows are
 * disjoint, MaxUnpool each phase onto a zero image and Sum the phases.
 */
function maxUnpoolPhases(ctx: GradContext, dY: string, indices: string, w: Window): string {
  const xShape = ctx.shape(ctx.node.inputs[0]!);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const m = w.kernel.map((_, i) => Math.ceil(effective(w, i) / w.strides[i]!));
  const axes = m.map((_, i) => i + 2);
  const parts: string[] = [];
  const visit = (axis: number, start: number[]): void => {
    if (axis === m.length) {
      const ends = axes.map((a) => yShape[a]!);
      const dYp = ctx.slice(dY, start, ends, axes, m);
      const ip = ctx.slice(indices, start, ends, axes, m);
      // kernel 1 / stride 1 only tells MaxUnpool that output_shape is big enough; it writes by index
      const ones = m.map(() => 1);
      parts.push(ctx.op('MaxUnpool', [dYp, ip, ctx.ints(xShape)], { kernel_shape: A.ints(ones), strides: A.ints(ones) }));
      return;
    }
    for (let p = 0; p < Math.min(m[axis]!, yShape[axis + 2]!); p++) visit(axis + 1, [...start, p]);
  };
  visit(0, []);
  return parts.length === 1 ? parts[0]! : ctx.op('Sum', parts);
}

/**
 * The same phases accumulated in place instead of unpooled and summed: within a phase no two windows
 * share a pixel, so acc[I] = acc[I] + dY (GatherElements, Add, ScatterElements without reduction,
 * opset 11) is exact, and each phase touches only its own outputs plus one copy of the accumulator.
 */
function gatherAddPhases(ctx: GradContext, dY: string, indices: string, w: Window): string {
  const xShape = ctx.shape(ctx.node.inputs[0]!);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const m = w.kernel.map((_, i) => Math.ceil(effective(w, i) / w.strides[i]!));
  const axes = m.map((_, i) => i + 2);
  const total = xShape.reduce((a, b) => a * b, 1);
  let acc: string | undefined;
  const visit = (axis: number, start: number[]): void => {
    if (axis === m.length) {
      const ends = axes.map((a) => yShape[a]!);
      const dYp = ctx.reshape(ctx.slice(dY, start, ends, axes, m), [-1]);
      const ip = ctx.reshape(ctx.slice(indices, start, ends, axes, m), [-1]);
      const update = acc ? ctx.op('Add', [ctx.op('GatherElements', [acc, ip], { axis: A.int(0) }), dYp]) : dYp;
      acc = ctx.op('ScatterElements', [acc ?? ctx.zeros([total]), ip, update], { axis: A.int(0) });
      return;
    }
    for (let p = 0; p < Math.min(m[axis]!, yShape[axis + 2]!); p++) visit(axis + 1, [...start, p]);
  };
  visit(0, []);
  return ctx.reshape(acc!, xShape);
}

/**
 * MaxPool backward without indices: a pixel receives dY of every window whose maximum it equals.
 * Window o covers rows o*s - pb + t (t < k); in the frame r = p + pb, pixel p lies in block
 * b = floor(r/s) at phase r mod s, so it sits at offset t = phase + q*s of window b - q. One term
 * per q (per axis: ceil(k/s) of them — 4 for 3x3 stride 2, 1 for 2x2 stride 2) compares X with
 * Y upsampled (nearest, by s) and shifted by q blocks, and passes dY (upsampled and shifted alike)
 * where they match and t < k. Only broadcasting elementwise ops, Pad and Slice: fast, multithreaded
 * and on every provider.
 * Ties inside one window: every tied maximum receives the window's gradient (PyTorch gives it to the
 * first only). Exact ties need equal float values in one window — rare for real activations, and
 * autodiff/rewrite.ts moves MaxPool before monotone activations, so saturated ReLU6/Clip values
 * never tie here.
 */
function matchMaxPoolGrad(ctx: GradContext, dY: string, w: Window): string {
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const r = w.rank;
  const nc = xShape.slice(0, 2);
  const spatial = xShape.slice(2);
  const out = yShape.slice(2);
  const terms = w.kernel.map((k, i) => Math.ceil(k / w.strides[i]!));

  // nearest upsampling by the strides (before opset 11: [N,C,O1,1,O2,1] expanded to [N,C,O1,s1,O2,s2])
  const upsample = (t: string): string => {
    if (w.strides.every((v) => v === 1)) return t;
    if (ctx.opset >= 11) {
      // nearest Resize by integer scales has a fast path in onnxruntime (Expand is ~5x slower here)
      return ctx.op('Resize', [t, '', ctx.tensor('float32', [r + 2], [1, 1, ...w.strides])], {
        mode: A.string('nearest'), nearest_mode: A.string('floor'), coordinate_transformation_mode: A.string('asymmetric'),
      });
    }
    const split = ctx.reshape(t, [...nc, ...out.flatMap((o) => [o, 1])]);
    const wide = ctx.op('Expand', [split, ctx.ints([...nc, ...out.flatMap((o, i) => [o, w.strides[i]!])])]);
    return ctx.reshape(wide, [...nc, ...out.map((o, i) => o * w.strides[i]!)]);
  };
  // pad so that every shifted view is a plain Slice: front room for the largest shift, end room for
  // pixels past the last window (their dY is the zero padding)
  const front = terms.map((q, i) => (q - 1) * w.strides[i]!);
  const back = spatial.map((n, i) => Math.max(0, w.padBegin[i]! + n - out[i]! * w.strides[i]!));
  const padded = (t: string): string => (front.some((v) => v > 0) || back.some((v) => v > 0)
    ? ctx.op('Pad', [t, ctx.ints([0, 0, ...front, 0, 0, ...back])])
    : t);
  const yWide = padded(upsample(ctx.node.outputs[0]!));
  const dyWide = padded(upsample(dY));
  const axes = spatial.map((_, i) => i + 2);
  const zero = ctx.scalar(0);

  const parts: string[] = [];
  const visit = (axis: number, q: number[]): void => {
    if (axis < r) {
      for (let k = 0; k < terms[axis]!; k++) visit(axis + 1, [...q, k]);
      return;
    }
    const starts = q.map((k, i) => w.padBegin[i]! - k * w.strides[i]! + front[i]!);
    const ends = starts.map((st, i) => st + spatial[i]!);
    let match = ctx.op('Equal', [x, ctx.slice(yWide, starts, ends, axes)]);
    // offset t = phase + q*s must lie inside the kernel; a per-axis constant where it does not always
    for (let i = 0; i < r; i++) {
      const valid = Array.from({ length: spatial[i]! }, (_, p) => ((p + w.padBegin[i]!) % w.strides[i]!) + q[i]! * w.strides[i]! < w.kernel[i]!);
      if (valid.every(Boolean)) continue;
      const dims = Array<number>(r).fill(1);
      dims[i] = spatial[i]!;
      match = ctx.op('And', [match, ctx.tensor('bool', dims, valid.map(Number))]);
    }
    parts.push(ctx.op('Where', [match, ctx.slice(dyWide, starts, ends, axes), zero]));
  };
  visit(0, []);
  return parts.length === 1 ? parts[0]! : ctx.op('Sum', parts);
}

/**
 * Scatter-add spelled with dense ops only (Mod, Equal, Where, Pad, Sum, Concat, Reshape, Transpose,
 * Slice — every provider has them, all multithreaded): for each kernel offset j, the outputs whose
 * winner sits at offset j of their window (compare the plane index Indices mod H*W with that
 * offset's position) pass dY, the rest 0; `assembleOffsets` puts the maps back into the image.
 */
function denseMaxPoolGrad(ctx: GradContext, dY: string, indices: string, w: Window): string {
  const xShape = ctx.shape(ctx.node.inputs[0]!);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const r = w.rank;
  const spatial = xShape.slice(2);
  const out = yShape.slice(2);
  const plane = spatial.reduce((a, b) => a * b, 1);
  const rowStride = spatial.map((_, i) => spatial.slice(i + 1).reduce((a, b) => a * b, 1));
  const within = ctx.op('Mod', [indices, ctx.tensor('int64', [], [plane])]);
  const zero = ctx.scalar(0);
  const NEVER = -(2 ** 40); // a position part that no sum of the others can bring back to >= 0
  return assembleOffsets(ctx, { xShape, yShape, w }, (offset) => {
    // where offset `offset` of every window lies in the plane: a sum of one small constant per
    // axis (onnxruntime folds the broadcast Add at load time)
    let expected: string | undefined;
    for (let i = 0; i < r; i++) {
      const part = Array.from({ length: out[i]! }, (_, o) => {
        const p = o * w.strides[i]! + offset[i]! * w.dilations[i]! - w.padBegin[i]!;
        return p >= 0 && p < spatial[i]! ? p * rowStride[i]! : NEVER;
      });
      const dims = Array<number>(r).fill(1);
      dims[i] = out[i]!;
      const t = ctx.tensor('int64', dims, part);
      expected = expected ? ctx.op('Add', [expected, t]) : t;
    }
    return ctx.op('Where', [ctx.op('Equal', [within, expected!]), dY, zero]);
  });
}
