// Gradient rules for Conv and ConvTranspose (d/d data input only — weights and biases are constants
// of the model we look inside, never trained here).
//
// Conv's adjoint is a ConvTranspose with the same weights, strides, dilations and group. For the
// common stride-1 conv with constant weights we emit a plain Conv over the flipped, channel-swapped
// kernel instead: onnxruntime's CPU provider runs Conv through its blocked NCHWc kernels (and fuses
// neighbouring layout changes), which is measurably faster than its GEMM+col2im ConvTranspose — see
// the Performance section of autodiff/README.md.
import { A, type GradContext, type RuleMap } from '../types';
import { attrInt, attrInts, attrString, tensorValues } from '../../onnx/model';
import { adjointPads, effective, forwardWindow, type Window } from './window';

function label(ctx: GradContext): string {
  return `${ctx.node.opType} node "${ctx.node.name}"`;
}

/** What both Conv and ConvTranspose rules read first: the operands' concrete shapes, group and kernel. */
function convOperands(ctx: GradContext) {
  const [x, wName] = ctx.node.inputs as [string, string];
  const wShape = ctx.shape(wName);
  return {
    wName,
    xShape: ctx.shape(x),
    wShape,
    yShape: ctx.shape(ctx.node.outputs[0]!),
    group: attrInt(ctx.node, 'group', 1),
    kernel: attrInts(ctx.node, 'kernel_shape') ?? wShape.slice(2),
  };
}

/** d/dX of Conv(X, W[, B]). */
function convGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const { wName, xShape, wShape, yShape, group, kernel } = convOperands(ctx);
  const w = forwardWindow(ctx.node, xShape.slice(2), kernel);
  if (wShape[1]! * group !== xShape[1]) {
    throw new Error(`${label(ctx)}: weight "${wName}" [${wShape}] with group=${group} does not fit input channels ${xShape[1]}`);
  }

  // which adjoint: ctx.strategies.conv ('auto' is the product setting; 'transpose' for comparisons)
  const flipped = ctx.strategies.conv === 'auto' ? flippedKernel(ctx, wName, wShape, group, w) : undefined;
  if (flipped) {
    // stride 1: dX[x] = sum_k dY[x + pb - k*d] W[k] — a correlation with the flipped kernel,
    // padded by keff-1-pb in front and keff-1-pe behind (both >= 0, checked in flippedKernel).
    const pads = [...w.padBegin.map((p, i) => effective(w, i) - 1 - p), ...w.padEnd.map((p, i) => effective(w, i) - 1 - p)];
    return [ctx.op('Conv', [dY, flipped], {
      kernel_shape: A.ints(w.kernel), strides: A.ints(w.strides), dilations: A.ints(w.dilations), pads: A.ints(pads), group: A.int(group),
    })];
  }

  const adj = adjointPads(w, yShape.slice(2), xShape.slice(2));
  const attrs = {
    kernel_shape: A.ints(w.kernel), strides: A.ints(w.strides), dilations: A.ints(w.dilations), pads: A.ints(adj.pads), group: A.int(group),
    ...(adj.outputPadding.some((p) => p > 0) ? { output_padding: A.ints(adj.outputPadding) } : {}),
  };
  return [ctx.op('ConvTranspose', [dY, wName], attrs)];
}

/**
 * The stride-1 adjoint kernel W'[g*C/g + c, m] = flip(W[g*M/g + m, c]) as a new constant, or
 * undefined where that path does not apply (strides, non-constant or non-float32 weights, pads
 * larger than the kernel).
 */
function flippedKernel(ctx: GradContext, wName: string, wShape: number[], group: number, w: Window): string | undefined {
  if (w.strides.some((s) => s !== 1)) return undefined;
  for (let i = 0; i < w.rank; i++) if (w.padBegin[i]! > effective(w, i) - 1 || w.padEnd[i]! > effective(w, i) - 1) return undefined;
  const t = ctx.constant(wName);
  if (!t || t.dtype !== 'float32') return undefined;
  const src = tensorValues(t) as Float32Array;
  const [m, cg] = wShape as [number, number];
  const mg = m / group;
  const k = wShape.slice(2).reduce((a, b) => a * b, 1);
  const dst = new Float32Array(src.length);
  for (let g = 0; g < group; g++) {
    for (let mi = 0; mi < mg; mi++) {
      for (let ci = 0; ci < cg; ci++) {
        const from = ((g * mg + mi) * cg + ci) * k;
        const to = ((g * cg + ci) * mg + mi) * k;
        // reversing the flat spatial index flips every spatial axis at once
        for (let j = 0; j < k; j++) dst[to + j] = src[from + k - 1 - j]!;
      }
    }
  }
  return ctx.tensor('float32', [cg * group, mg, ...wShape.slice(2)], dst);
}

/** d/dX of ConvTranspose(X, W[, B]): a Conv of dY with the same weights. */
function convTransposeGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  let dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const { wName, xShape, wShape, yShape, group, kernel } = convOperands(ctx);
  const rank = xShape.length - 2;
  const strides = attrInts(ctx.node, 'strides') ?? Array<number>(rank).fill(1);
  const dilations = attrInts(ctx.node, 'dilations') ?? Array<number>(rank).fill(1);
  const outputPadding = attrInts(ctx.node, 'output_padding') ?? Array<number>(rank).fill(0);
  const explicitPads = attrInts(ctx.node, 'pads');
  const autoPad = attrString(ctx.node, 'auto_pad', 'NOTSET');
  const hasOutputShape = attrInts(ctx.node, 'output_shape') !== undefined;

  // Where the forward put its begin pad: explicit, or (output_shape / SAME_*) split from the total the
  // concrete output size implies, the way the ONNX spec and onnxruntime split it.
  const padBegin: number[] = [];
  for (let i = 0; i < rank; i++) {
    const keff = (kernel[i]! - 1) * dilations[i]! + 1;
    const total = strides[i]! * (xShape[i + 2]! - 1) + outputPadding[i]! + keff - yShape[i + 2]!;
    if (autoPad === 'VALID') padBegin.push(0);
    else if (autoPad === 'NOTSET' && !hasOutputShape) padBegin.push(explicitPads?.[i] ?? 0);
    else if (autoPad === 'SAME_UPPER') padBegin.push(Math.floor(total / 2));
    else padBegin.push(total - Math.floor(total / 2));
  }

  // dX[x] = sum_k dY[x*s - pb + k*d] W[k]: a strided Conv of dY that starts pb before it. The end pad
  // making the output exactly X long can be negative (output_padding rows nobody reads): crop dY.
  const padEnd: number[] = [];
  const crop: number[] = [];
  for (let i = 0; i < rank; i++) {
    const keff = (kernel[i]! - 1) * dilations[i]! + 1;
    const pe = strides[i]! * (xShape[i + 2]! - 1) + keff - yShape[i + 2]! - padBegin[i]!;
    padEnd.push(Math.max(0, pe));
    crop.push(Math.max(0, -pe));
  }
  if (crop.some((c) => c > 0)) {
    const axes = crop.map((_, i) => i + 2);
    dY = ctx.slice(dY, axes.map(() => 0), crop.map((c, i) => yShape[i + 2]! - c), axes);
  }
  if (padBegin.some((p) => p < 0)) throw new Error(`${label(ctx)}: negative begin padding is not supported`);
  return [ctx.op('Conv', [dY, wName], {
    kernel_shape: A.ints(kernel), strides: A.ints(strides), dilations: A.ints(dilations), pads: A.ints([...padBegin, ...padEnd]), group: A.int(group),
  })];
}

export const convRules: RuleMap = {
  Conv: convGrad,
  ConvTranspose: convTransposeGrad,
};
