// A parameterization is a chain of stages, params → … → image01. Each stage is a map on the whole batch
// with its vector–Jacobian product (`backward`, exact: the transpose of the linear map, or the derivative
// at the last `forward` input for the nonlinear output stages) and a preimage (`inverse`, used to start
// from a photo).
import type { FloatArray } from '../types';

export interface Stage {
  readonly name: string;
  /** values in and out (whole batch) */
  readonly inSize: number;
  readonly outSize: number;
  forward<T extends FloatArray>(x: T): T;
  /** d/d(input) of ⟨g, forward(input)⟩ at the input of the last forward() */
  backward<T extends FloatArray>(g: T): T;
  /** an input that forward() maps to y (or as close as the stage allows, e.g. sigmoid of a clamped y) */
  inverse<T extends FloatArray>(y: T): T;
}

export function checkSize(x: FloatArray, n: number, what: string): void {
  if (x.length !== n) throw new Error(`${what}: expected ${n} values, got ${x.length}`);
}
