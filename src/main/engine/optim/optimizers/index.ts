// Optimizers as data: { kind: 'adam' | 'ascent' | 'lbfgs', … } → an Optimizer.
import { adam, type AdamSpec } from './adam';
import { normalizedAscent, type AscentSpec } from './ascent';
import { lbfgs, type LbfgsSpec } from './lbfgs';
import type { Optimizer } from './types';

export type OptimizerSpec = AdamSpec | AscentSpec | LbfgsSpec;

/** `items`: batch size, for optimizers that treat batch items separately (normalized ascent) */
export function createOptimizer(spec: OptimizerSpec, items = 1): Optimizer {
  switch (spec.kind) {
    case 'adam': return adam(spec);
    case 'ascent': return normalizedAscent(spec, items);
    case 'lbfgs': return lbfgs(spec);
  }
}

export { adam, normalizedAscent, lbfgs };
export type { AdamSpec, AscentSpec, LbfgsSpec };
export type { Closure, Optimizer, StepResult } from './types';
export { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON } from './adam';
export { DEEPDREAM_STEP } from './ascent';
export { LBFGS_HISTORY, LBFGS_TOLERANCE_CHANGE, LBFGS_TOLERANCE_GRAD } from './lbfgs';
export { strongWolfe, cubicInterpolate } from './line-search';
