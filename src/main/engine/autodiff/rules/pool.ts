// Gradient rules for pooling: MaxPool (rules/maxpool.ts), AveragePool, GlobalAveragePool, GlobalMaxPool.
import { A, type GradContext, type RuleMap } from '../types';
import { attrInt } from '../../onnx/model';
import { adjointPads, forwardWindow, kernelOf, windowCounts } from './window';
import { maxPoolGrad } from './maxpool';

const FLOAT = 1; // TensorProto.FLOAT, for Cast

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
