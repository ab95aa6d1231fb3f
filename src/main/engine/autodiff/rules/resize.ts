// Gradient rule for Resize / Upsample (nearest and linear).
//
// Both modes are linear maps that act on each resized axis separately: y = R x along that axis, with R
// an [out, in] interpolation matrix computed here from the attributes (coordinate transformation,
// rounding) — so the backward pass is dx = Rᵀ dy, i.e. one MatMul per resized axis with a constant.
// MatMul runs on every execution provider, unlike scatter-style nearest/linear backward kernels.
import type { GradContext, GradRule, RuleMap } from '../types';
import { attrString, tensorNumbers } from '../../onnx/model';
import { unary } from './activation';

interface ResizeSpec {
  mode: string;
  transform: string;
  nearest: string;
  /** per axis scale used by the coordinate transform */
  scales: number[];
}

function spec(ctx: GradContext): ResizeSpec {
  const n = ctx.node;
  const xs = ctx.shape(n.inputs[0]!);
  const ys = ctx.shape(n.outputs[0]!);
  const mode = attrString(n, 'mode', 'nearest');
  const modern = n.opType === 'Resize' && ctx.opset >= 11;
  const transform = modern ? attrString(n, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  // before opset 11 onnxruntime truncates (floor for upsampling)
  const nearest = modern ? attrString(n, 'nearest_mode', 'round_prefer_floor') : 'floor';
  if (n.attrs.antialias && n.attrs.antialias.type === 'int' && n.attrs.antialias.value) throw new Error('Resize with antialias has no gradient rule');
  if (n.attrs.axes) throw new Error('Resize with an axes attribute has no gradient rule');
  let scales: number[] | undefined;
  const scaleInput = n.opType === 'Upsample' ? (ctx.opset >= 9 ? n.inputs[1] : undefined) : modern ? n.inputs[2] : n.inputs[1];
  if (n.opType === 'Upsample' && ctx.opset < 9) {
    const a = n.attrs.scales;
    if (a && a.type === 'floats') scales = a.value;
  } else if (scaleInput) {
    const t = ctx.constant(scaleInput);
    if (t && t.dims.reduce((p, d) => p * d, 1) > 0) scales = tensorNumbers(t);
  }
  scales ??= ys.map((d, i) => d / xs[i]!);
  return { mode, transform, nearest, scales };
}

function sourceCoord(t: string, xr: number, scale: number, inLen: number, outLen: number): number {
  switch (t) {
    case 'half_pixel': return (xr + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outLen > 1 ? (xr + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLen === 1 ? 0 : (xr * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return xr / scale;
    case 'tf_half_pixel_for_nearest': return (xr + 0.5) / scale;
    default: throw new Error(`Resize coordinate_transformation_mode "${t}" has no gradient rule`);
  }
}

function roundNearest(mode: string, x: number): number {
  switch (mode) {
    case 'round_prefer_floor': return x % 1 === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil': return Math.round(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    default: throw new Error(`Resize nearest_mode "${mode}" has no gradient rule`);
  }
}

/** R[out, in] with y = R x along one axis. */
export function interpolationMatrix(s: ResizeSpec, axis: number, inLen: number, outLen: number): Float32Array {
  const R = new Float32Array(outLen * inLen);
  const scale = s.scales[axis]!;
  for (let o = 0; o < outLen; o++) {
    const x = sourceCoord(s.transform, o, scale, inLen, outLen);
    if (s.mode === 'nearest') {
      const i = Math.min(Math.max(roundNearest(s.nearest, x), 0), inLen - 1);
      R[o * inLen + i] = 1;
    } else if (s.mode === 'linear') {
      const c = Math.min(Math.max(x, 0), inLen - 1);
      const lo = Math.floor(c);
      const hi = Math.min(lo + 1, inLen - 1);
      const w = c - lo;
      R[o * inLen + lo] += 1 - w;
      R[o * inLen + hi] += w;
    } else {
      throw new Error(`Resize mode "${s.mode}" has no gradient rule (nearest and linear do)`);
    }
  }
  return R;
}

const resize: GradRule = unary((ctx, dy) => {
  const n = ctx.node;
  const xs = ctx.shape(n.inputs[0]!);
  const ys = ctx.shape(n.outputs[0]!);
  const s = spec(ctx);
  const rank = xs.length;
  let g = dy;
  for (let axis = rank - 1; axis >= 0; axis--) {
    const inLen = xs[axis]!, outLen = ys[axis]!;
    if (inLen === outLen && (s.scales[axis] ?? 1) === 1) continue;
    const R = ctx.tensor('float32', [outLen, inLen], interpolationMatrix(s, axis, inLen, outLen));
    if (axis === rank - 1) {
      g = ctx.op('MatMul', [g, R]);
    } else if (axis === rank - 2) {
      g = ctx.op('MatMul', [ctx.op('Transpose', [R], { perm: { type: 'ints', value: [1, 0] } }), g]);
    } else {
      // move the axis last, contract, move it back
      const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
      perm.push(axis);
      const inv = new Array<number>(rank);
      perm.forEach((p, i) => { inv[p] = i; });
      const moved = ctx.op('Transpose', [g], { perm: { type: 'ints', value: perm } });
      g = ctx.op('Transpose', [ctx.op('MatMul', [moved, R])], { perm: { type: 'ints', value: inv } });
    }
  }
  return g;
});

export const resizeRules: RuleMap = {
  Resize: resize,
  Upsample: resize,
};
