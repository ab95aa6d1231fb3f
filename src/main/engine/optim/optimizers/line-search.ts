// A line search that finds a step satisfying the strong Wolfe conditions, ported from torch.optim.lbfgs
// (_strong_wolfe and _cubic_interpolate, themselves after minFunc): bracket by growing the step with
// cubic extrapolation, then zoom with safeguarded cubic interpolation.
//   sufficient decrease  f(t) ≤ f(0) + c1·t·g(0)ᵀd
//   curvature            |g(t)ᵀd| ≤ −c2·g(0)ᵀd
import type { FloatArray } from '../types';
import { dot, maxAbs } from './types';

export const WOLFE_C1 = 1e-4;
export const WOLFE_C2 = 0.9;
export const MAX_LINE_SEARCH_EVALUATIONS = 25;

/** f and its gradient at x0 + t·d */
export type LineFunction = (t: number) => Promise<{ f: number; g: FloatArray }>;

export interface LineSearchResult { t: number; f: number; g: FloatArray; evaluations: number }

/** the minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clipped to bounds (default [x1, x2]) */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const min = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(min, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * f0, g0: value and gradient at t = 0; gtd0 = g0ᵀd (< 0); t: the first trial step.
 * Returns the accepted step with its value and gradient (at most MAX_LINE_SEARCH_EVALUATIONS calls).
 */
export async function strongWolfe(phi: LineFunction, d: FloatArray, t: number, f0: number, g0: FloatArray, gtd0: number, toleranceChange: number): Promise<LineSearchResult> {
  const dNorm = maxAbs(d);
  let { f: fNew, g: gNew } = await phi(t);
  let evaluations = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f0, gPrev = g0, gtdPrev = gtd0;
  let done = false;
  let iter = 0;
  let bracket: number[] = [], bf: number[] = [], bg: FloatArray[] = [], bgtd: number[] = [];

  // bracketing phase
  while (iter < MAX_LINE_SEARCH_EVALUATIONS) {
    if (fNew > f0 + WOLFE_C1 * t * gtd0 || (iter > 1 && fNew >= fPrev)) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -WOLFE_C2 * gtd0) {
      [bracket, bf, bg, bgtd] = [[t], [fNew], [gNew], [gtdNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    // extrapolate: between 1.01·t and 10·t
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [t + 0.01 * (t - tPrev), t * 10]);
    [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew, gtdNew];
    ({ f: fNew, g: gNew } = await phi(t));
    evaluations++;
    gtdNew = dot(gNew, d);
    iter++;
  }
  if (iter === MAX_LINE_SEARCH_EVALUATIONS) {
    [bracket, bf, bg, bgtd] = [[0, t], [f0, fNew], [g0, gNew], [gtd0, gtdNew]];
  }

  // zoom phase: shrink the bracket [low, high] until a point meets both conditions
  let insufficientProgress = false;
  let [low, high] = bf[0] <= bf[bf.length - 1] ? [0, 1] : [1, 0];
  while (!done && iter < MAX_LINE_SEARCH_EVALUATIONS) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1]);
    // keep t at least 10% of the bracket away from its ends, unless the last try made progress there
    const bMax = Math.max(bracket[0], bracket[1]), bMin = Math.min(bracket[0], bracket[1]);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufficientProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    ({ f: fNew, g: gNew } = await phi(t));
    evaluations++;
    gtdNew = dot(gNew, d);
    iter++;
    if (fNew > f0 + WOLFE_C1 * t * gtd0 || fNew >= bf[low]) {
      [bracket[high], bf[high], bg[high], bgtd[high]] = [t, fNew, gNew, gtdNew];
      [low, high] = bf[0] <= bf[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -WOLFE_C2 * gtd0) done = true;
      else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        [bracket[high], bf[high], bg[high], bgtd[high]] = [bracket[low], bf[low], bg[low], bgtd[low]];
      }
      [bracket[low], bf[low], bg[low], bgtd[low]] = [t, fNew, gNew, gtdNew];
    }
  }
  return { t: bracket[low], f: bf[low], g: bg[low], evaluations };
}
