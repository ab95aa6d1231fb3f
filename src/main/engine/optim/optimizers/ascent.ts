// DeepDream's normalized gradient ascent (google/deepdream's make_step): per batch item,
//   x ← x + step · g / mean|g|
// so every step moves by the same average amount whatever the gradient's scale. An item whose gradient
// is all zero does not move (the original would divide by zero).
import { alloc, type FloatArray } from '../types';
import type { Closure, Optimizer, StepResult } from './types';

/** google/deepdream's default step_size (in its 0..255 pixel units; in image01 units that is 1.5/255) */
export const DEEPDREAM_STEP = 1.5;

export interface AscentSpec {
  kind: 'ascent';
  /** mean absolute change per element and step */
  step: number;
}

/** `items`: how many equal, contiguous slices of x to normalize separately (the batch size) */
export function normalizedAscent(spec: AscentSpec, items = 1): Optimizer {
  if (!(spec.step > 0)) throw new Error(`ascent: step must be positive, got ${spec.step}`);
  let g: FloatArray | undefined;
  let evaluations = 0;
  return {
    maximizes: true,
    get evaluations() { return evaluations; },
    async step(x: FloatArray, f: Closure): Promise<StepResult> {
      if (x.length % items !== 0) throw new Error(`ascent: ${x.length} values do not split into ${items} items`);
      if (!g || g.length !== x.length) g = alloc(x, x.length);
      g.fill(0);
      const value = await f(x, g);
      evaluations++;
      const per = x.length / items;
      for (let b = 0; b < items; b++) {
        let sum = 0;
        for (let i = b * per; i < (b + 1) * per; i++) sum += Math.abs(g[i]);
        if (sum === 0) continue;
        const k = spec.step / (sum / per);
        for (let i = b * per; i < (b + 1) * per; i++) x[i] += k * g[i];
      }
      return { evaluations: 1, value, done: false };
    },
  };
}
