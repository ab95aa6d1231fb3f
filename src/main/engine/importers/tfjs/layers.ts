// One converter per Keras layer type. Rank-4 tensors are kept NCHW in ONNX (Keras is NHWC), every
// other rank keeps the Keras layout. Each converter emits nodes whose final output tensor carries
// the Keras layer name, so people see Keras names in the layer list.
import { TfjsImportError } from './artifacts';
import { A, GraphBuilder, type KShape } from './builder';
import type { LayerApp } from './topology';
import type { WeightIndex } from './weights';

export interface ConvertCtx {
  b: GraphBuilder;
  w: WeightIndex;
  label: string;
  warnings: string[];
}

type Converter = (ctx: ConvertCtx, l: LayerApp) => void;

const err = (ctx: ConvertCtx, l: LayerApp, msg: string) =>
  new TfjsImportError(`${ctx.label}: ${l.className} layer "${l.name}": ${msg}`);

function pair(v: unknown, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [dflt, dflt];
}

function input(ctx: ConvertCtx, l: LayerApp, i = 0): { name: string; shape: KShape } {
  const name = l.inputs[i];
  if (name === undefined) throw err(ctx, l, `expects at least ${i + 1} input(s)`);
  return { name, shape: ctx.b.shape(name) };
}

function need4d(ctx: ConvertCtx, l: LayerApp, shape: KShape): void {
  if (shape.length !== 4) throw err(ctx, l, `expects a 4-D image tensor, got rank ${shape.length}`);
  const fmt = l.config.data_format;
  if (fmt && fmt !== 'channels_last') throw err(ctx, l, `data_format "${fmt}" is not supported (only channels_last)`);
}

/** Keras axis of a tensor of this rank → the ONNX axis (rank 4 is stored NCHW). */
function onnxAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? [0, 2, 3, 1][a]! : a;
}

// --- spatial padding ---------------------------------------------------------------------------

interface Spatial {
  attrs: Record<string, ReturnType<typeof A.ints> | ReturnType<typeof A.string>>;
  out: [number | null, number | null];
}

/** TF 'same' pads the odd pixel at the end (ONNX SAME_UPPER); explicit pads when the size is known. */
function spatial(ctx: ConvertCtx, l: LayerApp, inHW: [number | null, number | null], k: [number, number], s: [number, number], d: [number, number]): Spatial {
  const padding = String(l.config.padding ?? 'valid').toLowerCase();
  const keff = [0, 1].map((i) => (k[i]! - 1) * d[i]! + 1);
  if (padding === 'valid') {
    return {
      attrs: { pads: A.ints([0, 0, 0, 0]) },
      out: [0, 1].map((i) => (inHW[i] == null ? null : Math.floor((inHW[i]! - keff[i]!) / s[i]!) + 1)) as [number | null, number | null],
    };
  }
  if (padding !== 'same') throw err(ctx, l, `padding "${padding}" is not supported (valid, same)`);
  const out = [0, 1].map((i) => (inHW[i] == null ? null : Math.ceil(inHW[i]! / s[i]!))) as [number | null, number | null];
  const begin: number[] = [], end: number[] = [];
  for (const i of [0, 1]) {
    let total: number | null;
    if (s[i] === 1) total = keff[i]! - 1;
    else if (inHW[i] != null) total = Math.max((out[i]! - 1) * s[i]! + keff[i]! - inHW[i]!, 0);
    else total = null;
    if (total == null) {
      ctx.warnings.push(`${l.name}: 'same' padding with stride ${s[i]} on an input of any size is emitted as auto_pad=SAME_UPPER`);
      return { attrs: { auto_pad: A.string('SAME_UPPER') }, out };
    }
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return { attrs: { pads: A.ints([...begin, ...end]) }, out };
}

// --- activations -------------------------------------------------------------------------------

function activation(ctx: ConvertCtx, l: LayerApp, act: unknown, x: string, out: string, shape: KShape): string {
  const kind = String(typeof act === 'object' && act ? (act as any).class_name ?? (act as any).config?.name : act ?? 'linear').toLowerCase();
  const b = ctx.b;
  switch (kind) {
    case 'linear':
      return b.node('Identity', [x], out, {}, shape);
    case 'relu':
      return b.node('Relu', [x], out, {}, shape);
    case 'relu6':
      return b.node('Clip', [x, b.scalar(out, 0), b.scalar(out, 6)], out, {}, shape);
    case 'sigmoid':
      return b.node('Sigmoid', [x], out, {}, shape);
    case 'tanh':
      return b.node('Tanh', [x], out, {}, shape);
    case 'softmax':
      return b.node('Softmax', [x], out, { axis: A.int(onnxAxis(-1, shape.length)) }, shape);
    case 'swish':
    case 'silu': {
      const sg = b.node('Sigmoid', [x], `${out}/sigmoid`, {}, shape);
      return b.node('Mul', [x, sg], out, {}, shape);
    }
    case 'elu':
      return b.node('Elu', [x], out, { alpha: A.float(1) }, shape);
    default:
      throw err(ctx, l, `activation "${kind}" is not supported (relu, relu6, sigmoid, tanh, softmax, swish/silu, elu, linear)`);
  }
}

/** Emits the layer's fused activation; the pre-activation tensor is named "<layer>/preact". */
function finish(ctx: ConvertCtx, l: LayerApp, emit: (out: string) => string, shape: KShape): void {
  const act = String(l.config.activation ?? 'linear').toLowerCase();
  if (act === 'linear') {
    emit(l.name);
    ctx.b.shapes.set(l.name, shape);
    return;
  }
  const pre = emit(`${l.name}/preact`);
  ctx.b.shapes.set(pre, shape);
  activation(ctx, l, act, pre, l.name, shape);
}

// --- weight layout -----------------------------------------------------------------------------

/** Keras conv kernel [kh,kw,cin,cout] → ONNX [cout,cin,kh,kw]. */
function convKernel(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const o = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let c = 0; c < cout; c++) {
    o[((c * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + c]!;
  }
  return o;
}

/** Keras depthwise kernel [kh,kw,cin,mult] → ONNX grouped conv weight [cin*mult,1,kh,kw]. */
function depthwiseKernel(k: Float32Array, kh: number, kw: number, cin: number, mult: number): Float32Array {
  const o = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) for (let m = 0; m < mult; m++) {
    o[((c * mult + m) * kh + y) * kw + x] = k[((y * kw + x) * cin + c) * mult + m]!;
  }
  return o;
}

// --- converters --------------------------------------------------------------------------------

const conv2d: Converter = (ctx, l) => {
  const x = input(ctx, l);
  need4d(ctx, l, x.shape);
  const c = l.config;
  const k = pair(c.kernel_size, 1), s = pair(c.strides, 1), d = pair(c.dilation_rate, 1);
  const groups = Number(c.groups ?? 1);
  const kernel = ctx.w.get(l.name, 'kernel', l.className);
  const [kh, kw, cinG, cout] = kernel.shape as [number, number, number, number];
  if (kh !== k[0] || kw !== k[1]) throw err(ctx, l, `kernel weight shape [${kernel.shape}] does not match kernel_size ${k}`);
  const sp = spatial(ctx, l, [x.shape[1]!, x.shape[2]!], k, s, d);
  const inputs = [x.name, ctx.b.floats(`${l.name}/kernel`, [cout, cinG, kh, kw], convKernel(kernel.values, kh, kw, cinG, cout))];
  if (c.use_bias !== false) inputs.push(ctx.b.floats(`${l.name}/bias`, [cout], ctx.w.get(l.name, 'bias', l.className, [cout]).values));
  const shape: KShape = [x.shape[0]!, sp.out[0], sp.out[1], cout];
  finish(ctx, l, (out) => ctx.b.node('Conv', inputs, out, {
    kernel_shape: A.ints(k), strides: A.ints(s), dilations: A.ints(d), group: A.int(groups), ...sp.attrs,
  }), shape);
};

function depthwise(ctx: ConvertCtx, l: LayerApp, x: { name: string; shape: KShape }, out: string, withBias: boolean): KShape {
  const c = l.config;
  const k = pair(c.kernel_size, 1), s = pair(c.strides, 1), d = pair(c.dilation_rate, 1);
  const kernel = ctx.w.get(l.name, 'depthwise_kernel', l.className);
  const [kh, kw, cin, mult] = kernel.shape as [number, number, number, number];
  const sp = spatial(ctx, l, [x.shape[1]!, x.shape[2]!], k, s, d);
  const inputs = [x.name, ctx.b.floats(`${l.name}/depthwise_kernel`, [cin * mult, 1, kh, kw], depthwiseKernel(kernel.values, kh, kw, cin, mult))];
  if (withBias) inputs.push(ctx.b.floats(`${l.name}/bias`, [cin * mult], ctx.w.get(l.name, 'bias', l.className, [cin * mult]).values));
  const shape: KShape = [x.shape[0]!, sp.out[0], sp.out[1], cin * mult];
  ctx.b.node('Conv', inputs, out, { kernel_shape: A.ints([kh, kw]), strides: A.ints(s), dilations: A.ints(d), group: A.int(cin), ...sp.attrs }, shape);
  return shape;
}

const depthwiseConv2d: Converter = (ctx, l) => {
  const x = input(ctx, l);
  need4d(ctx, l, x.shape);
  const withBias = l.config.use_bias !== false;
  let shape: KShape = [];
  finish(ctx, l, (out) => {
    shape = depthwise(ctx, l, x, out, withBias);
    return out;
  }, [x.shape[0]!, null, null, null]);
  ctx.b.shapes.set(l.name, shape);
};

const separableConv2d: Converter = (ctx, l) => {
  const x = input(ctx, l);
  need4d(ctx, l, x.shape);
  const dwShape = depthwise(ctx, l, x, `${l.name}/depthwise`, false);
  const pw = ctx.w.get(l.name, 'pointwise_kernel', l.className);
  const [, , cin, cout] = pw.shape as [number, number, number, number];
  const inputs = [`${l.name}/depthwise`, ctx.b.floats(`${l.name}/pointwise_kernel`, [cout, cin, 1, 1], convKernel(pw.values, 1, 1, cin, cout))];
  if (l.config.use_bias !== false) inputs.push(ctx.b.floats(`${l.name}/bias`, [cout], ctx.w.get(l.name, 'bias', l.className, [cout]).values));
  const shape: KShape = [dwShape[0]!, dwShape[1]!, dwShape[2]!, cout];
  finish(ctx, l, (out) => ctx.b.node('Conv', inputs, out, { kernel_shape: A.ints([1, 1]), strides: A.ints([1, 1]), pads: A.ints([0, 0, 0, 0]) }), shape);
};

const batchNorm: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const rank = x.shape.length;
  const axisCfg = Array.isArray(l.config.axis) ? l.config.axis : [l.config.axis ?? -1];
  if (axisCfg.length !== 1 || onnxAxis(Number(axisCfg[0]), rank) !== 1) {
    throw err(ctx, l, `normalizes axis ${JSON.stringify(l.config.axis)}; only the channel (last) axis is supported`);
  }
  const ch = x.shape[rank - 1];
  if (ch == null) throw err(ctx, l, 'the channel count is unknown');
  const ones = new Float32Array(ch).fill(1), zeros = new Float32Array(ch);
  const gamma = l.config.scale === false ? ones : ctx.w.get(l.name, 'gamma', l.className, [ch]).values;
  const beta = l.config.center === false ? zeros : ctx.w.get(l.name, 'beta', l.className, [ch]).values;
  const mean = ctx.w.get(l.name, 'moving_mean', l.className, [ch]).values;
  const variance = ctx.w.get(l.name, 'moving_variance', l.className, [ch]).values;
  const b = ctx.b;
  b.node('BatchNormalization', [
    x.name,
    b.floats(`${l.name}/gamma`, [ch], gamma),
    b.floats(`${l.name}/beta`, [ch], beta),
    b.floats(`${l.name}/moving_mean`, [ch], mean),
    b.floats(`${l.name}/moving_variance`, [ch], variance),
  ], l.name, { epsilon: A.float(Number(l.config.epsilon ?? 1e-3)) }, x.shape);
};

const activationLayer: Converter = (ctx, l) => {
  const x = input(ctx, l);
  activation(ctx, l, l.config.activation, x.name, l.name, x.shape);
};

const reluLayer: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const c = l.config, b = ctx.b;
  if (Number(c.threshold ?? 0) !== 0) throw err(ctx, l, `threshold ${c.threshold} is not supported`);
  const slope = Number(c.negative_slope ?? 0);
  const max = c.max_value == null ? null : Number(c.max_value);
  if (slope !== 0) {
    if (max != null) throw err(ctx, l, 'negative_slope together with max_value is not supported');
    b.node('LeakyRelu', [x.name], l.name, { alpha: A.float(slope) }, x.shape);
  } else if (max != null) {
    b.node('Clip', [x.name, b.scalar(l.name, 0), b.scalar(l.name, max)], l.name, {}, x.shape);
  } else {
    b.node('Relu', [x.name], l.name, {}, x.shape);
  }
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (ctx, l) => {
    const x = input(ctx, l);
    need4d(ctx, l, x.shape);
    const k = pair(l.config.pool_size, 2);
    const s = pair(l.config.strides ?? l.config.pool_size, 2);
    const sp = spatial(ctx, l, [x.shape[1]!, x.shape[2]!], k, s, [1, 1]);
    // TF averages only over real pixels at the border: count_include_pad = 0 (the ONNX default).
    ctx.b.node(op, [x.name], l.name, { kernel_shape: A.ints(k), strides: A.ints(s), ...sp.attrs }, [x.shape[0]!, sp.out[0], sp.out[1], x.shape[3]!]);
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (ctx, l) => {
    const x = input(ctx, l);
    need4d(ctx, l, x.shape);
    const keep = l.config.keepdims === true;
    if (keep) {
      ctx.b.node(op, [x.name], l.name, {}, [x.shape[0]!, 1, 1, x.shape[3]!]);
    } else {
      const g = ctx.b.node(op, [x.name], `${l.name}/keepdims`, {}, [x.shape[0]!, 1, 1, x.shape[3]!]);
      ctx.b.node('Flatten', [g], l.name, { axis: A.int(1) }, [x.shape[0]!, x.shape[3]!]);
    }
  };
}

const zeroPadding: Converter = (ctx, l) => {
  const x = input(ctx, l);
  need4d(ctx, l, x.shape);
  const p = l.config.padding;
  let t: number, bo: number, le: number, r: number;
  if (typeof p === 'number') [t, bo, le, r] = [p, p, p, p];
  else if (Array.isArray(p) && typeof p[0] === 'number') [t, bo, le, r] = [p[0], p[0], p[1], p[1]];
  else if (Array.isArray(p) && Array.isArray(p[0])) [t, bo, le, r] = [p[0][0], p[0][1], p[1][0], p[1][1]];
  else throw err(ctx, l, `padding ${JSON.stringify(p)} is not understood`);
  const add = (v: number | null, a: number, c: number) => (v == null ? null : v + a + c);
  ctx.b.node('Pad', [x.name, ctx.b.int64s(`${l.name}/pads`, [0, 0, t, le, 0, 0, bo, r])], l.name, { mode: A.string('constant') },
    [x.shape[0]!, add(x.shape[1]!, t, bo), add(x.shape[2]!, le, r), x.shape[3]!]);
};

const concatenate: Converter = (ctx, l) => {
  const xs = l.inputs.map((_, i) => input(ctx, l, i));
  const rank = xs[0]!.shape.length;
  const kAxis = Number(l.config.axis ?? -1);
  const ka = kAxis < 0 ? kAxis + rank : kAxis;
  const shape = [...xs[0]!.shape];
  shape[ka] = xs.every((x) => x.shape[ka] != null) ? xs.reduce((a, x) => a + x.shape[ka]!, 0) : null;
  ctx.b.node('Concat', xs.map((x) => x.name), l.name, { axis: A.int(onnxAxis(kAxis, rank)) }, shape);
};

function elementwise(op: 'Add' | 'Mul'): Converter {
  return (ctx, l) => {
    const xs = l.inputs.map((_, i) => input(ctx, l, i));
    if (xs.length < 2) throw err(ctx, l, 'needs at least two inputs');
    const ranks = new Set(xs.map((x) => x.shape.length));
    if (ranks.size > 1) throw err(ctx, l, 'inputs of different ranks are not supported');
    let acc = xs[0]!.name;
    for (let i = 1; i < xs.length; i++) {
      const out = i === xs.length - 1 ? l.name : `${l.name}/partial${i}`;
      acc = ctx.b.node(op, [acc, xs[i]!.name], out, {}, xs[0]!.shape);
    }
  };
}

const dense: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const kernel = ctx.w.get(l.name, 'kernel', l.className);
  const [cin, units] = kernel.shape as [number, number];
  const bias = l.config.use_bias !== false ? ctx.w.get(l.name, 'bias', l.className, [units]).values : null;
  const rank = x.shape.length;
  const shape: KShape = [...x.shape.slice(0, -1), units];
  const b = ctx.b;
  if (rank === 2) {
    const inputs = [x.name, b.floats(`${l.name}/kernel`, [cin, units], kernel.values)];
    if (bias) inputs.push(b.floats(`${l.name}/bias`, [units], bias));
    finish(ctx, l, (out) => b.node('Gemm', inputs, out, {}), shape);
  } else if (rank === 4) {
    // Dense on an image tensor acts on each pixel's channel vector: a 1×1 convolution.
    const inputs = [x.name, b.floats(`${l.name}/kernel`, [units, cin, 1, 1], convKernel(kernel.values, 1, 1, cin, units))];
    if (bias) inputs.push(b.floats(`${l.name}/bias`, [units], bias));
    finish(ctx, l, (out) => b.node('Conv', inputs, out, { kernel_shape: A.ints([1, 1]), pads: A.ints([0, 0, 0, 0]) }), shape);
  } else {
    const k = b.floats(`${l.name}/kernel`, [cin, units], kernel.values);
    finish(ctx, l, (out) => {
      if (!bias) return b.node('MatMul', [x.name, k], out);
      const mm = b.node('MatMul', [x.name, k], `${l.name}/matmul`, {}, shape);
      return b.node('Add', [mm, b.floats(`${l.name}/bias`, [units], bias)], out);
    }, shape);
  }
};

const spatialOne = (s: KShape) => s.length === 4 && s[1] === 1 && s[2] === 1;

const flatten: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const rest = x.shape.slice(1);
  const shape: KShape = [x.shape[0]!, rest.every((d) => d != null) ? rest.reduce((a, d) => a! * d!, 1) : null];
  let src = x.name;
  // Keras flattens in NHWC order; our 4-D tensors are NCHW, so go back to NHWC first (a no-op at 1×1).
  if (x.shape.length === 4 && !spatialOne(x.shape)) {
    src = ctx.b.node('Transpose', [x.name], `${l.name}/nhwc`, { perm: A.ints([0, 2, 3, 1]) }, x.shape);
  }
  ctx.b.node('Flatten', [src], l.name, { axis: A.int(1) }, shape);
};

const reshape: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const target: number[] = (l.config.target_shape ?? []).map(Number);
  const known = x.shape.slice(1).every((d) => d != null);
  const total = known ? x.shape.slice(1).reduce((a, d) => a! * d!, 1)! : null;
  const prod = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const resolved: (number | null)[] = target.map((d) => (d === -1 ? (total == null ? null : total / prod) : d));
  const shape: KShape = [x.shape[0]!, ...resolved];
  const b = ctx.b;
  let src = x.name;
  if (x.shape.length === 4 && !spatialOne(x.shape)) src = b.node('Transpose', [x.name], `${l.name}/nhwc`, { perm: A.ints([0, 2, 3, 1]) }, x.shape);
  if (shape.length === 4 && !spatialOne(shape)) {
    const r = b.node('Reshape', [src, b.int64s(`${l.name}/shape`, [0, ...target])], `${l.name}/nhwc_out`, {}, shape);
    b.node('Transpose', [r], l.name, { perm: A.ints([0, 3, 1, 2]) }, shape);
  } else {
    const onnxTarget = shape.length === 4 ? [0, target[2]!, 1, 1] : [0, ...target];
    b.node('Reshape', [src, b.int64s(`${l.name}/shape`, onnxTarget)], l.name, {}, shape);
  }
};

const identity: Converter = (ctx, l) => {
  const x = input(ctx, l);
  ctx.b.node('Identity', [x.name], l.name, {}, x.shape);
};

const rescaling: Converter = (ctx, l) => {
  const x = input(ctx, l);
  const scale = Number(l.config.scale ?? 1), offset = Number(l.config.offset ?? 0);
  const b = ctx.b;
  if (offset === 0) {
    b.node('Mul', [x.name, b.scalar(l.name, scale)], l.name, {}, x.shape);
  } else {
    const m = b.node('Mul', [x.name, b.scalar(l.name, scale)], `${l.name}/scaled`, {}, x.shape);
    b.node('Add', [m, b.scalar(l.name, offset)], l.name, {}, x.shape);
  }
};

export const CONVERTERS: Record<string, Converter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  BatchNormalization: batchNorm,
  Activation: activationLayer,
  ReLU: reluLayer,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  ZeroPadding2D: zeroPadding,
  Concatenate: concatenate,
  Add: elementwise('Add'),
  Multiply: elementwise('Mul'),
  Dense: dense,
  Flatten: flatten,
  Reshape: reshape,
  Dropout: identity,
  SpatialDropout2D: identity,
  Rescaling: rescaling,
};
// Keras' older aliases for the same layers.
CONVERTERS.Convolution2D = conv2d;
CONVERTERS.MaxPool2D = CONVERTERS.MaxPooling2D!;
CONVERTERS.AvgPool2D = CONVERTERS.AveragePooling2D!;
CONVERTERS.GlobalAvgPool2D = CONVERTERS.GlobalAveragePooling2D!;
CONVERTERS.GlobalMaxPool2D = CONVERTERS.GlobalMaxPooling2D!;
