// Integrated Gradients (Sundararajan et al. 2017): attr = (x − b) ∘ ∫₀¹ ∇f(b + α(x − b)) dα, the integral
// by quadrature over `steps` points that all go through the gradient session as one batch list.
// Completeness says Σ attr = f(x) − f(b); the finished plan reports both sides so the error is shown.
import { quadrature } from '../numeric';
import type { GradPlan } from './plan';

export function integratedGradientsPlan(
  x: Float32Array,
  baseline: Float32Array,
  steps: number,
  integration: 'gausslegendre' | 'trapezoid',
  /** f(x) when the caller already has it: then only the baseline needs a forward pass */
  knownScore?: number,
): GradPlan {
  const { alphas, weights } = quadrature(steps, integration);
  const acc = new Float64Array(x.length);
  return {
    sampleCount: steps,
    fill: (i, dst) => {
      const a = alphas[i]!;
      for (let k = 0; k < x.length; k++) dst[k] = baseline[k]! + a * (x[k]! - baseline[k]!);
    },
    take: (i, r) => {
      const wt = weights[i]!;
      for (let k = 0; k < x.length; k++) acc[k]! += wt * r.inputGrad[k]!;
    },
    scoreImages: knownScore === undefined ? [x, baseline] : [baseline],
    finish: (scores) => {
      const [fx, fb] = knownScore === undefined ? scores : [knownScore, scores[0]];
      const map = new Float32Array(x.length);
      let attributionSum = 0;
      for (let k = 0; k < x.length; k++) { const v = (x[k]! - baseline[k]!) * acc[k]!; map[k] = v; attributionSum += v; }
      return { map, completeness: { attributionSum, scoreDelta: fx! - fb!, baselineScore: fb! } };
    },
  };
}
