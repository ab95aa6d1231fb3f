// The `channelReduction` setting: a gradient method's C×H×W map as stored. Applied inside the plan's
// finish, so SmoothGrad (which finishes every noisy sample's inner plan, then averages) reduces each
// sample before averaging — mean_i max_c |g_i|, the PyTorch reference's and PAIR's SmoothGrad — and IG's
// completeness is still computed on the unreduced attributions.
import type { ChannelReduction } from '../types';
import type { GradPlan } from './plan';

/** C×H×W → H×W ('sum': Σ_c, 'max-abs': max_c |·|); 'none' returns the map itself. */
export function reduceChannelMap(map: Float32Array, [c, h, w]: readonly [number, number, number], mode: ChannelReduction): Float32Array {
  if (mode === 'none') return map;
  if (map.length !== c * h * w) throw new Error(`channel reduction: the map holds ${map.length} values, not ${c}×${h}×${w}`);
  const plane = h * w;
  const out = new Float32Array(plane);
  for (let ch = 0; ch < c; ch++) {
    const o = ch * plane;
    if (mode === 'sum') for (let i = 0; i < plane; i++) out[i]! += map[o + i]!;
    else for (let i = 0; i < plane; i++) out[i] = Math.max(out[i]!, Math.abs(map[o + i]!));
  }
  return out;
}

/** The same plan with its finished map reduced. */
export function reducedPlan(plan: GradPlan, chw: readonly [number, number, number], mode: ChannelReduction): GradPlan {
  if (mode === 'none') return plan;
  return { ...plan, finish: (scores) => { const out = plan.finish(scores); return { ...out, map: reduceChannelMap(out.map, chw, mode) }; } };
}

/** The stored map's shape: [1,C,H,W] kept, or [1,1,H,W] reduced. */
export function reducedShape([c, h, w]: readonly [number, number, number], mode: ChannelReduction): number[] {
  return mode === 'none' ? [1, c, h, w] : [1, 1, h, w];
}
