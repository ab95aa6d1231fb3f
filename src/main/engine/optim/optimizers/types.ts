// What every optimizer shares. An optimizer updates x in place, one iteration per step(), and gets values
// and gradients only through the closure, so it can evaluate as often as it needs (L-BFGS's line search)
// at points of its choosing.
import type { FloatArray } from '../types';

/** the value at x; writes its gradient d value/dx into grad (same length and type as x) */
export type Closure = (x: FloatArray, grad: FloatArray) => Promise<number>;

export interface StepResult {
  /** closure calls made by this step */
  evaluations: number;
  /** the closure's value at the point where this step took its gradient (before the update) */
  value: number;
  /** the optimizer has converged or spent its budget: further steps would not move x */
  done: boolean;
  /** why it is done */
  reason?: string;
}

export interface Optimizer {
  /** true when the optimizer climbs the closure's value (ascent; Adam with maximize), false when it descends */
  readonly maximizes: boolean;
  /** closure calls so far */
  readonly evaluations: number;
  step(x: FloatArray, f: Closure): Promise<StepResult>;
}

export function dot(a: FloatArray, b: FloatArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function maxAbs(a: FloatArray): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
