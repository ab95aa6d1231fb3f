// The colour stages of Lucid's to_valid_rgb (lucid/optvis/param/color.py): an optional decorrelated
// colour space (each pixel's 3 values mixed by the square root of ImageNet's colour covariance), then
// an output map into [0, 1]: sigmoid (Lucid's default), clamp, or none.
import { checkSize, type Stage } from './stage';
import { alloc, type FloatArray } from '../types';

/** Lucid's color_correlation_svd_sqrt: the square root of ImageNet's RGB covariance (rows: R, G, B) */
export const COLOR_CORRELATION_SVD_SQRT: readonly (readonly number[])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** Lucid's max_norm_svd_sqrt: the largest column L2 norm of that matrix */
export const MAX_NORM_SVD_SQRT = Math.max(
  ...[0, 1, 2].map((c) => Math.hypot(...COLOR_CORRELATION_SVD_SQRT.map((row) => row[c] as number))),
);

/** the matrix applied per pixel: rgb = M · t, M = svd_sqrt / max_norm (row-major 3×3) */
export const COLOR_CORRELATION_NORMALIZED: Float64Array = Float64Array.from(
  COLOR_CORRELATION_SVD_SQRT.flat().map((v) => v / MAX_NORM_SVD_SQRT),
);

/** photo initialization through a sigmoid takes the logit of the photo clamped to [ε, 1 − ε] */
export const PHOTO_LOGIT_EPSILON = 1e-3;

function inverse3(m: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = Array.from(m);
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return Float64Array.from([
    A, -(b * i - c * h), b * f - c * e,
    B, a * i - c * g, -(a * f - c * d),
    C, -(a * h - b * g), a * e - b * d,
  ].map((v) => v / det));
}

/** per pixel of [B, 3, H, W]: out[c] = Σ_d m[c][d]·in[d] (or Σ_d m[d][c]·in[d] with transpose) */
function mix<T extends FloatArray>(x: T, batch: number, hw: number, m: Float64Array, transpose: boolean): T {
  const out = alloc(x, x.length);
  const k = transpose ? [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]] : Array.from(m);
  const [k00, k01, k02, k10, k11, k12, k20, k21, k22] = k as [number, number, number, number, number, number, number, number, number];
  for (let b = 0; b < batch; b++) {
    const o = b * 3 * hw;
    for (let p = o; p < o + hw; p++) {
      const v0 = x[p], v1 = x[p + hw], v2 = x[p + 2 * hw];
      out[p] = k00 * v0 + k01 * v1 + k02 * v2;
      out[p + hw] = k10 * v0 + k11 * v1 + k12 * v2;
      out[p + 2 * hw] = k20 * v0 + k21 * v1 + k22 * v2;
    }
  }
  return out;
}

/** Lucid's _linear_decorrelate_color on [B, 3, H, W] */
export function decorrelateStage(batch: number, h: number, w: number): Stage {
  const hw = h * w;
  const n = batch * 3 * hw;
  const inv = inverse3(COLOR_CORRELATION_NORMALIZED);
  return {
    name: 'decorrelate',
    inSize: n,
    outSize: n,
    forward(x) { checkSize(x, n, 'decorrelate'); return mix(x, batch, hw, COLOR_CORRELATION_NORMALIZED, false); },
    backward(g) { checkSize(g, n, 'decorrelate'); return mix(g, batch, hw, COLOR_CORRELATION_NORMALIZED, true); },
    inverse(y) { checkSize(y, n, 'decorrelate'); return mix(y, batch, hw, inv, false); },
  };
}

/** elementwise 1/(1 + e^−x); backward uses the last output: σ' = σ(1 − σ) */
export function sigmoidStage(n: number): Stage {
  let last: FloatArray | undefined;
  return {
    name: 'sigmoid',
    inSize: n,
    outSize: n,
    forward(x) {
      checkSize(x, n, 'sigmoid');
      const out = alloc(x, n);
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
      last = out;
      return out;
    },
    backward(g) {
      checkSize(g, n, 'sigmoid');
      if (!last) throw new Error('sigmoid backward before forward');
      const out = alloc(g, n);
      for (let i = 0; i < n; i++) out[i] = g[i] * last[i] * (1 - last[i]);
      return out;
    },
    inverse(y) {
      checkSize(y, n, 'sigmoid inverse');
      const out = alloc(y, n);
      for (let i = 0; i < n; i++) {
        const v = Math.min(1 - PHOTO_LOGIT_EPSILON, Math.max(PHOTO_LOGIT_EPSILON, y[i]));
        out[i] = Math.log(v / (1 - v));
      }
      return out;
    },
  };
}

/**
 * elementwise clamp to [0, 1]. Its derivative is 1 inside [0, 1] (the boundary included, so a value held
 * at 0 or 1 can move back in) and 0 outside. A pixel parameterization without other stages also projects
 * its params into [0, 1] after every step (parameterization.ts), so the clamp never hides a gradient there.
 */
export function clampStage(n: number): Stage {
  let inside: Uint8Array | undefined; // 1 where the last forward input lay in [0, 1]
  return {
    name: 'clamp',
    inSize: n,
    outSize: n,
    forward(x) {
      checkSize(x, n, 'clamp');
      inside = new Uint8Array(n);
      const out = alloc(x, n);
      for (let i = 0; i < n; i++) {
        out[i] = Math.min(1, Math.max(0, x[i]));
        inside[i] = x[i] >= 0 && x[i] <= 1 ? 1 : 0;
      }
      return out;
    },
    backward(g) {
      checkSize(g, n, 'clamp');
      if (!inside) throw new Error('clamp backward before forward');
      const out = alloc(g, n);
      for (let i = 0; i < n; i++) out[i] = inside[i] ? g[i] : 0;
      return out;
    },
    inverse(y) {
      checkSize(y, n, 'clamp inverse');
      const out = alloc(y, n);
      for (let i = 0; i < n; i++) out[i] = Math.min(1, Math.max(0, y[i]));
      return out;
    },
  };
}
