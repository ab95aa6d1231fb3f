// L-BFGS after torch.optim.LBFGS, one iteration per step(): the two-loop recursion over the last
// `history` curvature pairs, the first step scaled to min(1, 1/‖g‖₁)·lr, then either a strong-Wolfe line
// search (line-search.ts) or a fixed step of lr.
//
// Evaluation is lazy: a step evaluates the closure at x only when it does not already know f and g there.
// Without a line search each step then costs exactly one evaluation (the point the last step moved to), so
// N steps = N evaluations, as torch's LBFGS(max_iter=N, line_search_fn=None) and jcjohnson/neural-style's
// optim.lbfgs count them ("one iteration = one function evaluation"); the last point reached is not
// evaluated. With the line search, a step costs the line search's evaluations and ends knowing f and g.
// The curvature pair is s = x_k − x_{k−1}, y = g_k − g_{k−1} between the points where gradients were taken,
// so an outside change of x between steps (a projection) keeps the pairs true.
import { alloc, type FloatArray } from '../types';
import { strongWolfe } from './line-search';
import { dot, maxAbs, type Closure, type Optimizer, type StepResult } from './types';

export const LBFGS_HISTORY = 100;
/** torch.optim.LBFGS's defaults */
export const LBFGS_TOLERANCE_GRAD = 1e-7;
export const LBFGS_TOLERANCE_CHANGE = 1e-9;
/** a curvature pair is kept only when yᵀs exceeds this (torch), so the inverse Hessian stays positive definite */
const MIN_CURVATURE = 1e-10;

export interface LbfgsSpec {
  kind: 'lbfgs';
  /** step scale (default 1) */
  lr?: number;
  /** curvature pairs kept (default 100) */
  history?: number;
  /** default 'strong-wolfe'; 'none' takes the step lr·d (neural-style's setting) */
  lineSearch?: 'strong-wolfe' | 'none';
  /** stop after this many closure calls (default: no limit) */
  maxEvaluations?: number;
  /** stop when max|g| ≤ this (default 1e-7; −1 never) */
  toleranceGrad?: number;
  /** stop when the value, the step or the directional derivative change less than this (default 1e-9; −1 never) */
  toleranceChange?: number;
}

interface Pair { s: FloatArray; y: FloatArray; rho: number }

export function lbfgs(spec: LbfgsSpec): Optimizer {
  const lr = spec.lr ?? 1;
  const historySize = spec.history ?? LBFGS_HISTORY;
  const tolGrad = spec.toleranceGrad ?? LBFGS_TOLERANCE_GRAD;
  const tolChange = spec.toleranceChange ?? LBFGS_TOLERANCE_CHANGE;
  const maxEvaluations = spec.maxEvaluations ?? Infinity;
  const lineSearch = (spec.lineSearch ?? 'strong-wolfe') === 'strong-wolfe';
  if (!(lr > 0) || !(historySize >= 1)) throw new Error('lbfgs: lr and history must be positive');

  const pairs: Pair[] = [];
  let hDiag = 1;
  let iterations = 0;
  let evaluations = 0;
  // (x, f, g) at the last point where the closure was evaluated and the step may start from
  let known: { x: FloatArray; f: number; g: FloatArray } | undefined;
  // the start point of the previous iteration, for the curvature pair
  let prev: { x: FloatArray; f: number; g: FloatArray } | undefined;
  let finished: string | undefined;

  const sameX = (a: FloatArray, b: FloatArray) => a.length === b.length && a.every((v, i) => v === b[i]);

  function direction(g: FloatArray): FloatArray {
    // two-loop recursion: d = −H·g with H the L-BFGS inverse Hessian (initial scale hDiag). Each pass
    // updates q with one pair and takes the next pair's dot product with the updated q in the same sweep
    // (2m + 1 passes over the image instead of 4m: with 100 pairs of a 512-px image the two loops read
    // 0.5 GB, and this halves it). Same values in the same order as the textbook loops.
    const n = g.length, m = pairs.length;
    const q = alloc(g, n);
    let acc = 0;
    for (let i = 0; i < n; i++) { q[i] = -g[i]; if (m) acc += pairs[m - 1].s[i] * q[i]; }
    const alpha = new Array<number>(m);
    for (let k = m - 1; k >= 0; k--) {
      alpha[k] = acc * pairs[k].rho;
      const a = alpha[k], y = pairs[k].y;
      acc = 0;
      if (k > 0) {
        const sPrev = pairs[k - 1].s;
        for (let i = 0; i < n; i++) { q[i] -= a * y[i]; acc += sPrev[i] * q[i]; }
      } else {
        // the last update of the first loop, the initial scaling, and the second loop's first dot
        const y0 = pairs[0].y;
        for (let i = 0; i < n; i++) { q[i] = (q[i] - a * y[i]) * hDiag; acc += y0[i] * q[i]; }
      }
    }
    if (m === 0) for (let i = 0; i < n; i++) q[i] *= hDiag;
    for (let k = 0; k < m; k++) {
      const c = alpha[k] - acc * pairs[k].rho, s = pairs[k].s;
      acc = 0;
      if (k + 1 < m) {
        const yNext = pairs[k + 1].y;
        for (let i = 0; i < n; i++) { q[i] += c * s[i]; acc += yNext[i] * q[i]; }
      } else {
        for (let i = 0; i < n; i++) q[i] += c * s[i];
      }
    }
    return q;
  }

  return {
    maximizes: false,
    get evaluations() { return evaluations; },
    async step(x: FloatArray, f: Closure): Promise<StepResult> {
      let spent = 0;
      const evaluate = async (at: FloatArray) => {
        const g = alloc(at, at.length);
        const v = await f(at, g);
        spent++; evaluations++;
        return { f: v, g };
      };
      if (finished) return { evaluations: 0, value: known?.f ?? NaN, done: true, reason: finished };
      if (!known || !sameX(known.x, x)) known = { x: x.slice(), ...(await evaluate(x)) };
      const { f: value, g } = known;
      const stop = (reason: string): StepResult => ((finished = reason), { evaluations: spent, value, done: true, reason });

      if (maxAbs(g) <= tolGrad) return stop('gradient below tolerance');
      if (prev && Math.abs(value - prev.f) < tolChange) return stop('value change below tolerance');

      iterations++;
      if (prev) {
        const s = alloc(x, x.length), y = alloc(x, x.length);
        for (let i = 0; i < x.length; i++) { s[i] = known.x[i] - prev.x[i]; y[i] = g[i] - prev.g[i]; }
        const ys = dot(y, s);
        if (ys > MIN_CURVATURE) {
          if (pairs.length === historySize) pairs.shift();
          pairs.push({ s, y, rho: 1 / ys });
          hDiag = ys / dot(y, y);
        }
      }
      const d = direction(g);
      let l1 = 0;
      for (let i = 0; i < g.length; i++) l1 += Math.abs(g[i]);
      const t = iterations === 1 ? Math.min(1, 1 / l1) * lr : lr;
      const gtd = dot(g, d);
      if (gtd > -tolChange) return stop('no descent direction');
      prev = known;

      if (lineSearch) {
        const x0 = known.x;
        const trial = alloc(x, x.length);
        const ls = await strongWolfe(async (tt) => {
          for (let i = 0; i < x.length; i++) trial[i] = x0[i] + tt * d[i];
          return evaluate(trial);
        }, d, t, value, g, gtd, tolChange);
        for (let i = 0; i < x.length; i++) x[i] = x0[i] + ls.t * d[i];
        known = { x: x.slice(), f: ls.f, g: ls.g };
        if (maxAbs(d) * ls.t <= tolChange) return stop('step below tolerance');
      } else {
        for (let i = 0; i < x.length; i++) x[i] += t * d[i];
        known = undefined;
        if (maxAbs(d) * t <= tolChange) return stop('step below tolerance');
      }
      if (evaluations >= maxEvaluations) return stop('evaluation budget spent');
      return { evaluations: spent, value, done: false };
    },
  };
}
