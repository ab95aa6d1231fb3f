// Gradient rules for normalization layers: LRN, BatchNormalization (inference), InstanceNormalization.
import { A, type GradContext, type RuleMap } from '../types';
import { attrFloat, attrInt, tensorValues, type Node } from '../../onnx/model';

/**
 * LRN: y_c = x_c * D_c^-beta, D_c = bias + alpha/size * sum_{c' in win(c)} x_c'^2 with
 * win(c) = [c - floor((size-1)/2), c + ceil((size-1)/2)]. Then
 *   dx_j = dy_j D_j^-beta - 2 alpha beta/size * x_j * sum_{c : j in win(c)} dy_c x_c D_c^(-beta-1)
 * and j in win(c) <=> c in [j - ceil, j + floor]: the same window with the two halves swapped.
 * Channel-window sums are means over `size` channels of a zero-padded copy (so the 1/size of the
 * formula comes with them).
 */
function lrnGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const x = ctx.node.inputs[0]!;
  const xShape = ctx.shape(x);
  const size = attrInt(ctx.node, 'size', 0);
  if (size < 1) throw new Error(`LRN node "${ctx.node.name}": attribute size must be a positive integer`);
  const alpha = attrFloat(ctx.node, 'alpha', 1e-4);
  const beta = attrFloat(ctx.node, 'beta', 0.75);
  const bias = attrFloat(ctx.node, 'bias', 1);
  const below = Math.floor((size - 1) / 2);
  const above = Math.ceil((size - 1) / 2);

  const channels = xShape[1]!;
  const rest = xShape.slice(2).reduce((a, b) => a * b, 1);
  const view = [xShape[0]!, 1, channels, rest];
  // window-sum spelling: compile option ctx.strategies.lrnWindow ('slices' by default, see windowMean)
  const pooled = ctx.strategies.lrnWindow === 'pool';
  // Window mean over channels. onnxruntime parallelizes pooling over N*C planes, and the [N,1,C,rest]
  // view has one plane per item, so by default we sum `size` channel-shifted slices of a zero-padded
  // copy instead (contiguous copies + one multithreaded Sum).
  const windowMean = (t: string, before: number, after: number): string => {
    if (pooled) {
      return ctx.op('AveragePool', [ctx.reshape(t, view)], {
        kernel_shape: A.ints([size, 1]), pads: A.ints([before, 0, after, 0]), strides: A.ints([1, 1]), count_include_pad: A.int(1),
      });
    }
    const spatialZeros = xShape.slice(2).map(() => 0);
    const padded = ctx.op('Pad', [t, ctx.ints([0, before, ...spatialZeros, 0, after, ...spatialZeros])]);
    const slices = Array.from({ length: size }, (_, k) => ctx.slice(padded, [k], [k + channels], [1]));
    return ctx.op('Mul', [slices.length === 1 ? slices[0]! : ctx.op('Sum', slices), ctx.scalar(1 / size)]);
  };

  const xv = pooled ? ctx.reshape(x, view) : x;
  const dyv = pooled ? ctx.reshape(dY, view) : dY;
  const d = ctx.op('Add', [ctx.op('Mul', [windowMean(ctx.op('Mul', [x, x]), below, above), ctx.scalar(alpha)]), ctx.scalar(bias)]);
  const dPow = negativePower(ctx, d, beta); // D^-beta
  const direct = ctx.op('Mul', [dyv, dPow]);
  const q = ctx.op('Div', [ctx.op('Mul', [direct, xv]), d]); // dy x D^(-beta-1)
  const spread = windowMean(q, above, below); // transposed window; its 1/size cancels the size below
  const cross = ctx.op('Mul', [ctx.op('Mul', [xv, spread]), ctx.scalar(2 * alpha * beta)]);
  const dx = ctx.op('Sub', [direct, cross]);
  return [pooled ? ctx.reshape(dx, xShape) : dx];
}

/**
 * d^-beta for d > 0. Pow runs a scalar powf per element in onnxruntime; the usual LRN exponents
 * have cheaper spellings with Sqrt (vectorized): 0.75 (AlexNet/GoogLeNet), 0.5 and 1.
 */
function negativePower(ctx: GradContext, d: string, beta: number): string {
  if (beta === 1) return ctx.op('Reciprocal', [d]);
  if (beta === 0.5) return ctx.op('Reciprocal', [ctx.op('Sqrt', [d])]);
  if (beta === 0.75) {
    const root = ctx.op('Sqrt', [d]);
    return ctx.op('Reciprocal', [ctx.op('Mul', [root, ctx.op('Sqrt', [root])])]);
  }
  return ctx.op('Pow', [d, ctx.scalar(-beta)]);
}

/** Per-channel values shaped to broadcast against [N, C, spatial...]. */
function channelShape(xRank: number, c: number): number[] {
  return [c, ...Array<number>(Math.max(0, xRank - 2)).fill(1)];
}

/**
 * BatchNormalization in inference mode is a per-channel affine map: dX = dY * scale / sqrt(var + eps).
 * With constant statistics (the usual case) that factor is folded here into one constant.
 */
function batchNormGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  if (attrInt(ctx.node, 'training_mode', 0) === 1 || ctx.node.outputs.slice(1).some((o) => o !== '')) {
    throw new Error(`BatchNormalization node "${ctx.node.name}" is in training mode (batch statistics); only inference-mode BatchNormalization can be differentiated`);
  }
  const [x, scale, , , variance] = ctx.node.inputs as [string, string, string, string, string];
  const xRank = ctx.shape(x).length;
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const sT = ctx.constant(scale);
  const vT = ctx.constant(variance);
  const paramShape = ctx.shape(scale);
  // opset < 9 "spatial=0" keeps [C, H, W] parameters, which already broadcast against [N, C, H, W]
  const target = paramShape.length === 1 ? channelShape(xRank, paramShape[0]!) : paramShape;
  let factor: string;
  if (sT && vT && sT.dtype === 'float32' && vT.dtype === 'float32') {
    const s = tensorValues(sT) as Float32Array;
    const v = tensorValues(vT) as Float32Array;
    factor = ctx.tensor('float32', target, Array.from(s, (si, i) => si / Math.sqrt(v[i]! + eps)));
  } else {
    const f = ctx.op('Div', [scale, ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(eps)])])]);
    factor = ctx.reshape(f, target);
  }
  return [ctx.op('Mul', [dY, factor])];
}

/**
 * InstanceNormalization: y = scale_c * xhat + B_c, xhat = (x - mean) / sqrt(var + eps) over the
 * spatial axes of each (n, c). With g = dy * scale_c and means over those axes:
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
 * GlobalAveragePool gives the spatial means with keepdims for any rank, in every opset.
 */
function instanceNormGrad(ctx: GradContext, dOut: (string | undefined)[]): (string | undefined)[] {
  const dY = dOut[0];
  if (!dY || !ctx.wants(0)) return [];
  const [x, scale] = ctx.node.inputs as [string, string];
  const xShape = ctx.shape(x);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const mean = (t: string) => ctx.op('GlobalAveragePool', [t]);

  const centered = ctx.op('Sub', [x, mean(x)]);
  const variance = mean(ctx.op('Mul', [centered, centered]));
  const rstd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(eps)])])]);
  const xhat = ctx.op('Mul', [centered, rstd]);
  const sT = ctx.constant(scale);
  const scaleB = sT && sT.dtype === 'float32'
    ? ctx.tensor('float32', channelShape(xShape.length, xShape[1]!), tensorValues(sT) as Float32Array)
    : ctx.reshape(scale, channelShape(xShape.length, xShape[1]!));
  const g = ctx.op('Mul', [dY, scaleB]);
  const inner = ctx.op('Sub', [ctx.op('Sub', [g, mean(g)]), ctx.op('Mul', [xhat, mean(ctx.op('Mul', [g, xhat]))])]);
  return [ctx.op('Mul', [inner, rstd])];
}

export const normRules: RuleMap = {
  LRN: lrnGrad,
  BatchNormalization: batchNormGrad,
  InstanceNormalization: instanceNormGrad,
};

/** What decomposeLrn needs from the compiler's emitter: fresh names and constant tensors. */
export interface ForwardEmitter {
  fresh(base: string): string;
  tensor(dtype: 'float32', dims: number[], values: ArrayLike<number>): string;
}

/**
 * Forward rewrite: every 4-D float LRN node becomes Mul → 1x1 Conv with a banded channel matrix →
 * Add → Sqrt/Pow → Div, the same values (to float32 rounding) as onnxruntime's LRN kernel.
 *
 * Why: onnxruntime's CPU LRN runs a scalar loop with powf per element; in BVLC GoogLeNet its two
 * LRNs cost more than all the convolutions before inception_4c. The 1x1 Conv runs in the blocked
 * NCHWc kernels and its backward is another 1x1 Conv (the transposed band), so the whole gradient
 * step gets cheaper. The window sum as a matrix: S[c] = sum_c' B[c, c'] x²[c'], B[c, c'] = alpha/size
 * for c' in [c - floor((size-1)/2), c + ceil((size-1)/2)].
 * Nodes whose shape is unknown or not 4-D stay as they are (the LRN rule above differentiates them).
 */
export function decomposeLrn(nodes: Node[], shapes: Map<string, number[]>, emitter: ForwardEmitter): Node[] {
  const out: Node[] = [];
  for (const n of nodes) {
    const xShape = n.opType === 'LRN' && (n.domain === '' || n.domain === 'ai.onnx') ? shapes.get(n.inputs[0]!) : undefined;
    if (!xShape || xShape.length !== 4) {
      out.push(n);
      continue;
    }
    const size = attrInt(n, 'size', 0);
    if (size < 1) throw new Error(`LRN node "${n.name}": attribute size must be a positive integer`);
    const alpha = attrFloat(n, 'alpha', 1e-4);
    const beta = attrFloat(n, 'beta', 0.75);
    const bias = attrFloat(n, 'bias', 1);
    const below = Math.floor((size - 1) / 2);
    const above = Math.ceil((size - 1) / 2);
    const c = xShape[1]!;
    const band = new Float32Array(c * c);
    for (let i = 0; i < c; i++) for (let j = Math.max(0, i - below); j <= Math.min(c - 1, i + above); j++) band[i * c + j] = alpha / size;

    const x = n.inputs[0]!;
    const base = n.name || n.outputs[0]!;
    let k = 0;
    const node = (opType: string, inputs: string[], output?: string, attrs: Node['attrs'] = {}): string => {
      const o = output ?? emitter.fresh(`${base}/lrn_${opType}`);
      out.push({ name: `${base}/lrn_${k++}_${opType}`, opType, domain: '', inputs, outputs: [o], attrs });
      shapes.set(o, xShape);
      return o;
    };
    const scalar = (v: number) => emitter.tensor('float32', [], [v]);
    const sq = node('Mul', [x, x]);
    const s = node('Conv', [sq, emitter.tensor('float32', [c, c, 1, 1], band)], undefined, { kernel_shape: A.ints([1, 1]) });
    const d = node('Add', [s, scalar(bias)]);
    let den: string;
    if (beta === 0.75) {
      const root = node('Sqrt', [d]);
      den = node('Mul', [root, node('Sqrt', [root])]);
    } else if (beta === 0.5) {
      den = node('Sqrt', [d]);
    } else if (beta === 1) {
      den = d;
    } else {
      den = node('Pow', [d, scalar(beta)]);
    }
    node('Div', [x, den], n.outputs[0]!);
  }
  return out;
}
