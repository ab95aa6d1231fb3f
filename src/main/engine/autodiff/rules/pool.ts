// Gradient rules for pooling: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
import { A, type GradContext, type RuleMap } from '../types';
import { attrInt, attrInts, type Attr } from '../../onnx/model';
import { adjointPads, effective, forwardWindow, windowCounts, windowsDisjoint, type Window } from './window';

/**
 * MaxPool backward strategy; exposed for the benchmark. 'auto' = MaxUnpool for disjoint windows,
 * otherwise ScatterElements(reduction=add) from opset 16 and disjoint MaxUnpool phases before.
 */
export const poolStrategy: { mode: 'auto' | 'scatter' | 'phases' } = { mode: 'auto' };

const FLOAT = 1; // TensorProto.FLOAT, for Cast

function kernelOf(ctx: GradContext): number[] {
  const k = attrInts(ctx.node, 'kernel_shape');
  if (!k) throw new Error(`${ctx.node.opType} node "${ctx.node.name}": kernel_shape is required`);
  return k;
}

/**
 * MaxPool: the gradient of each output goes to the input pixel that won its window. We ask
 * onnxruntime which pixel that was — MaxPool's optional Indices output (flat over N*C*H*W, batch
 * and channel offsets included, first maximum wins like PyTorch) — and scatter dY there. Overlapping
 * windows (GoogLeNet's 3x3 stride 2) can pick the same pixel twice, so those scatter with
 * reduction="add"; disjoint windows use MaxUnpool, a plain scatter that more providers implement.
 */
function maxPoolGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const kernel = kernelOf(ctx);
  const w = forwardWindow(ctx.node, xShape.slice(2), kernel);

  let indices = ctx.node.outputs[1];
  if (!indices || attrInt(ctx.node, 'storage_order', 0) !== 0) {
    // Recompute the pool asking for row-major indices; the values are the same as the forward's.
    const attrs: Record<string, Attr> = { ...ctx.node.attrs, storage_order: A.int(0) };
    indices = ctx.emit('MaxPool', [x], attrs, 2)[1]!;
  }

  if (poolStrategy.mode === 'auto' && windowsDisjoint(w)) {
    // MaxUnpool insists that output_shape is at least the size its attributes imply
    // (s*(out-1) + k - pads); a ceil_mode overhang is absorbed by a larger end pad there.
    const yShape = ctx.shape(ctx.node.outputs[0]!);
    const padEnd = kernel.map((k, i) => Math.max(0, w.strides[i]! * (yShape[i + 2]! - 1) + k - w.padBegin[i]! - xShape[i + 2]!));
    return [ctx.op('MaxUnpool', [dY, indices, ctx.ints(xShape)], {
      kernel_shape: A.ints(kernel), strides: A.ints(w.strides), pads: A.ints([...w.padBegin, ...padEnd]),
    })];
  }
  if (poolStrategy.mode === 'phases' || (poolStrategy.mode === 'auto' && ctx.opset < 16)) return [maxUnpoolPhases(ctx, dY, indices, w)];
  const total = xShape.reduce((a, b) => a * b, 1);
  const scattered = ctx.op('ScatterElements', [ctx.zeros([total]), ctx.reshape(indices, [-1]), ctx.reshape(dY, [-1])], {
    axis: A.int(0), reduction: A.string('add'),
  });
  return [ctx.reshape(scattered, xShape)];
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
 * AveragePool is linear: dX = ConvTranspose(dY / divisor) with an all-ones depthwise kernel. The
 * divisor of every output position is known from the concrete shapes, so it is a constant.
 */
function averagePoolGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(ctx.node.outputs[0]!);
  const kernel = kernelOf(ctx);
  const w = forwardWindow(ctx.node, xShape.slice(2), kernel);
  const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;

  const perAxis = kernel.map((_, i) => windowCounts(w, i, xShape[i + 2]!, yShape[i + 2]!, includePad));
  const inv = outerReciprocal(perAxis);
  const first = inv[0]!;
  const scaled = inv.every((v) => v === first)
    ? ctx.op('Mul', [dY, ctx.scalar(first)])
    : ctx.op('Mul', [dY, ctx.tensor('float32', [1, 1, ...yShape.slice(2)], inv)]);

  const channels = xShape[1]!;
  const kSize = kernel.reduce((a, b) => a * b, 1);
  const ones = ctx.tensor('float32', [channels, 1, ...kernel], new Float32Array(channels * kSize).fill(1));
  const adj = adjointPads(w, yShape.slice(2), xShape.slice(2));
  return [ctx.op('ConvTranspose', [scaled, ones], {
    kernel_shape: A.ints(kernel), strides: A.ints(w.strides), dilations: A.ints(w.dilations), pads: A.ints(adj.pads), group: A.int(channels),
    ...(adj.outputPadding.some((p) => p > 0) ? { output_padding: A.ints(adj.outputPadding) } : {}),
  })];
}

/** 1 / (product of per-axis counts) for every output position, row-major. */
function outerReciprocal(perAxis: number[][]): number[] {
  let acc = [1];
  for (const counts of perAxis) {
    const next: number[] = [];
    for (const a of acc) for (const c of counts) next.push(a * c);
    acc = next;
  }
  return acc.map((c) => {
    if (c === 0) throw new Error('AveragePool: a window covers no input pixel');
    return 1 / c;
  });
}

function globalAveragePoolGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const xShape = ctx.shape(ctx.node.inputs[0]!);
  const area = xShape.slice(2).reduce((a, b) => a * b, 1);
  return [ctx.op('Expand', [ctx.op('Mul', [dY, ctx.scalar(1 / area)]), ctx.ints(xShape)])];
}

/**
 * GlobalMaxPool: dY goes to the pixels equal to the maximum. Ties (rare for real activations, common
 * for ReLU zeros of a dead channel) share it equally, so the sum of dX stays dY — a valid
 * subgradient, where PyTorch would give it all to the first maximum.
 */
function globalMaxPoolGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const x = ctx.node.inputs[0]!;
  const y = ctx.node.outputs[0]!;
  const area = ctx.shape(x).slice(2).reduce((a, b) => a * b, 1);
  const mask = ctx.op('Cast', [ctx.op('Equal', [x, y])], { to: A.int(FLOAT) });
  const count = ctx.op('Mul', [ctx.op('GlobalAveragePool', [mask]), ctx.scalar(area)]);
  return [ctx.op('Mul', [mask, ctx.op('Div', [dY, count])])];
}

export const poolRules: RuleMap = {
  MaxPool: maxPoolGrad,
  AveragePool: averagePoolGrad,
  GlobalAveragePool: globalAveragePoolGrad,
  GlobalMaxPool: globalMaxPoolGrad,
};
