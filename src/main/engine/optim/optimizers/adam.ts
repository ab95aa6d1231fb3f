// Adam exactly as torch.optim.Adam (no weight decay, no amsgrad), per element:
//   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
//   x ← x − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε)
// With maximize, g is the negated gradient (torch's maximize=True), so x climbs the closure's value.
import { alloc, type FloatArray } from '../types';
import type { Closure, Optimizer, StepResult } from './types';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;

export interface AdamSpec {
  kind: 'adam';
  /** learning rate (Lucid/Lucent feature visualization: 0.05) */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** climb the closure's value instead of descending it (default false) */
  maximize?: boolean;
}

export function adam(spec: AdamSpec): Optimizer {
  const b1 = spec.beta1 ?? ADAM_BETA1, b2 = spec.beta2 ?? ADAM_BETA2, eps = spec.eps ?? ADAM_EPSILON;
  if (!(spec.lr > 0)) throw new Error(`adam: lr must be positive, got ${spec.lr}`);
  const sign = spec.maximize ? -1 : 1;
  let m: FloatArray | undefined, v: FloatArray | undefined, g: FloatArray | undefined;
  let t = 0;
  let evaluations = 0;
  return {
    maximizes: spec.maximize ?? false,
    get evaluations() { return evaluations; },
    async step(x: FloatArray, f: Closure): Promise<StepResult> {
      if (!m || !v || !g || m.length !== x.length) { m = alloc(x, x.length); v = alloc(x, x.length); g = alloc(x, x.length); t = 0; }
      g.fill(0);
      const value = await f(x, g);
      evaluations++;
      t++;
      const stepSize = spec.lr / (1 - Math.pow(b1, t));
      const bc2 = Math.sqrt(1 - Math.pow(b2, t));
      for (let i = 0; i < x.length; i++) {
        const gi = sign * g[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        x[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2 + eps);
      }
      return { evaluations: 1, value, done: false };
    },
  };
}
