// SmoothGrad / VarGrad (Smilkov et al. 2017; Captum's NoiseTunnel) as a wrapper around any gradient
// plan: build the inner plan for `samples` noisy copies of the input and average (or take the variance
// of) their maps. The inner plans' samples are laid end to end, so the whole thing is one batched run.
import { gaussian, seededRandom } from '../../../../shared/random';
import type { GradPlan, PlanOutput } from './plan';

export function noiseTunnelPlan(
  x: Float32Array,
  opts: { samples: number; noiseLevel: number; seed: number; variant: 'smoothgrad' | 'vargrad' },
  inner: (noisy: Float32Array) => GradPlan,
): GradPlan {
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < x.length; k++) { lo = Math.min(lo, x[k]!); hi = Math.max(hi, x[k]!); }
  // σ as a fraction of the input's value range, as the paper sets it (Captum takes σ directly)
  const sigma = opts.noiseLevel * (hi - lo);
  const normal = gaussian(seededRandom(opts.seed));
  const plans: GradPlan[] = [];
  const offsets: number[] = [];
  let total = 0;
  for (let j = 0; j < opts.samples; j++) {
    const noisy = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) noisy[k] = x[k]! + sigma * normal();
    const p = inner(noisy);
    plans.push(p); offsets.push(total); total += p.sampleCount;
  }
  const locate = (i: number): [GradPlan, number] => {
    // binary search over offsets: plans can have different sample counts in principle
    let a = 0, b = plans.length - 1;
    while (a < b) { const m = (a + b + 1) >> 1; if (offsets[m]! <= i) a = m; else b = m - 1; }
    return [plans[a]!, i - offsets[a]!];
  };
  const scoreImages = plans.flatMap((p) => p.scoreImages);
  return {
    sampleCount: total,
    fill: (i, dst) => { const [p, k] = locate(i); p.fill(k, dst); },
    take: (i, r) => { const [p, k] = locate(i); p.take(k, r); },
    scoreImages,
    finish: (scores) => {
      // the inner maps may be channel-reduced (H×W), so the size is theirs, not the input's
      let mean: Float64Array | undefined, sq: Float64Array | undefined;
      let at = 0, attributionSum = 0, scoreDelta = 0, baselineScore = 0, withCompleteness = false;
      for (const p of plans) {
        const out: PlanOutput = p.finish(scores.slice(at, at + p.scoreImages.length));
        at += p.scoreImages.length;
        mean ??= new Float64Array(out.map.length);
        sq ??= new Float64Array(out.map.length);
        if (out.map.length !== mean.length) throw new Error('noise tunnel: the inner maps differ in size');
        for (let k = 0; k < mean.length; k++) { const v = out.map[k]!; mean[k]! += v; sq[k]! += v * v; }
        if (out.completeness) {
          withCompleteness = true;
          attributionSum += out.completeness.attributionSum;
          scoreDelta += out.completeness.scoreDelta;
          baselineScore += out.completeness.baselineScore;
        }
      }
      const n = plans.length;
      if (!mean || !sq) throw new Error('noise tunnel: no samples');
      const map = new Float32Array(mean.length);
      for (let k = 0; k < mean.length; k++) {
        const m = mean[k]! / n;
        map[k] = opts.variant === 'vargrad' ? sq[k]! / n - m * m : m;
      }
      // averaged over the noisy copies, completeness still holds for the mean map
      const completeness = withCompleteness && opts.variant === 'smoothgrad'
        ? { attributionSum: attributionSum / n, scoreDelta: scoreDelta / n, baselineScore: baselineScore / n }
        : undefined;
      return { map, completeness };
    },
  };
}
