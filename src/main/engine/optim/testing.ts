// Helpers for this folder's tests: seeded random vectors and a gradient check by central differences.
import { gaussian, seededRandom } from '../../../shared/random';
import type { FloatArray } from './types';

export { dot } from './optimizers/types';

export function randomVector(n: number, seed: number, scale = 1): Float64Array {
  const normal = gaussian(seededRandom(seed));
  return Float64Array.from({ length: n }, () => scale * normal());
}

export interface GradCheck {
  /** largest |analytic − numeric| over the checked coordinates */
  maxError: number;
  /** largest |numeric| (the scale the error is judged against) */
  scale: number;
  coords: number;
}

/**
 * Compares `grad` (the analytic gradient of `value` at x) with central differences of `value`, coordinate
 * by coordinate (every one, or every `stride`-th). In float64 with h = 1e-5 the differences are good to
 * ~1e-9 relative for smooth maps, and exact up to rounding for linear ones.
 */
export function checkGradient(value: (x: Float64Array) => number, x: Float64Array, grad: FloatArray, h = 1e-5, stride = 1): GradCheck {
  let maxError = 0, scale = 0, coords = 0;
  for (let i = 0; i < x.length; i += stride) {
    const keep = x[i];
    x[i] = keep + h;
    const up = value(x);
    x[i] = keep - h;
    const down = value(x);
    x[i] = keep;
    const numeric = (up - down) / (2 * h);
    maxError = Math.max(maxError, Math.abs(numeric - grad[i]));
    scale = Math.max(scale, Math.abs(numeric));
    coords++;
  }
  return { maxError, scale, coords };
}
