// Runs a GradPlan: the model compiled (by the gradient runtime, which caches it) into a graph that also
// outputs d target / d input (and a layer's activations and gradients for Grad-CAM), and the plan's
// samples pushed through it in batches. Objectives are per batch item and the session's total is their
// sum, so item i's gradient is exactly d f(x_i) / d x_i; padded items in a last, short batch are computed
// and thrown away.
import type { Objective } from '../../../shared/objectives';
import { leastPaddingBatch, type RunContext, type Timing } from './forward';
import type { GradPlan, SampleResult } from './methods/plan';
import type { ResolvedTarget } from './types';

export type GradRules = 'default' | 'guided' | 'deconvnet';

/**
 * The objective for a target, and what to feed its graph inputs. Class logits and channel means are
 * written as a `direction` objective (dot product with a vector fed at run time) and fed a one-hot
 * vector: the same gradient as `logit` / `channel`, but one compiled session serves every class and
 * every channel of a layer, so a new photo with another top-1 class compiles nothing.
 */
export interface TargetObjective {
  objective: Objective;
  /** the one-hot index of a direction objective */
  oneHot?: number;
  /** top-1 found in the graph: the direction is onehot(argmax(this tensor)) of the same run (batch 1 only) */
  argmaxOf?: string;
}

/** What a run found out besides the plan's results. */
export interface RunInfo {
  /** for an `argmaxOf` target: the class the graph chose and its score */
  top1?: { index: number; score: number };
}

export function targetObjective(t: ResolvedTarget, logits: string | undefined, label: string): TargetObjective {
  switch (t.kind) {
    case 'class':
      if (!logits) throw new Error(`${label}: a class target needs a classifier output, and the model has none`);
      return { objective: { kind: 'direction', layer: logits }, oneHot: t.index };
    case 'channel': return { objective: { kind: 'direction', layer: t.layer }, oneHot: t.channel };
    case 'neuron': return { objective: { kind: 'neuron', layer: t.layer, channel: t.channel, x: t.x, y: t.y } };
  }
}

/**
 * Runs a plan through the runtime's compiled gradient session for (objective, rules, layers, batch
 * size, input gradient or not, in-graph top-1 or not): one session per combination, cached in the
 * runtime (at most DEFAULT_LIMITS.gradient per model kept when idle: each holds its peak working memory,
 * GoogLeNet at 224 ~60 MB per batch item).
 */
export class GradientRunner {
  constructor(private readonly ctx: RunContext) {}

  async run(plan: GradPlan, target: TargetObjective, rules: GradRules, layers: string[], batchSize: number, timing: Timing): Promise<RunInfo> {
    const { runtime, model, inputName, chw, placement, label } = this.ctx;
    const { objective, oneHot } = target;
    const count = plan.sampleCount;
    const B = leastPaddingBatch(count, batchSize);
    const wantInputGrad = plan.needsInputGrad !== false;
    const s = await runtime.gradient({
      model, input: inputName, shape: [B, ...chw], objective, rules, activations: layers, gradientsOf: layers,
      inputGrad: wantInputGrad, ...(target.argmaxOf !== undefined ? { top1Of: target.argmaxOf } : {}), placement, label,
    });
    try {
      this.ctx.took(s, timing);
      const info: RunInfo = {};
      const targets: Record<string, Float32Array> = {};
      for (const ti of s.targetInputs) {
        const size = ti.shape.reduce((a, b) => a * b, 1);
        if (oneHot === undefined || ti.shape.length !== 1) throw new Error(`${label}: unexpected objective input "${ti.name}" [${ti.shape.join(',')}]`);
        if (oneHot >= size) {
          const what = objective.kind === 'direction' ? objective.layer : '';
          throw new Error(`${label}: index ${oneHot} is out of range: "${what}" has ${size} classes or channels`);
        }
        const v = new Float32Array(size);
        v[oneHot] = 1;
        targets[ti.name] = v;
      }
      const per = chw[0] * chw[1] * chw[2];
      const buf = new Float32Array(B * per);
      for (let start = 0; start < count; start += B) {
        const n = Math.min(B, count - start);
        for (let j = 0; j < B; j++) plan.fill(start + Math.min(j, n - 1), buf.subarray(j * per, (j + 1) * per));
        const t0 = performance.now();
        const out = await s.run(buf, targets);
        timing.runMs += performance.now() - t0;
        timing.passes += B;
        await timing.tick?.();
        if (out.top1) info.top1 = out.top1;
        for (let j = 0; j < n; j++) {
          const r: SampleResult = { score: out.perItem[j]!, inputGrad: out.inputGrad.subarray(j * per, (j + 1) * per), layers: {} };
          for (const l of layers) {
            const a = out.activations[l]!, g = out.grads[l]!;
            const lp = a.data.length / B;
            r.layers[l] = { act: a.data.subarray(j * lp, (j + 1) * lp), grad: g.data.subarray(j * lp, (j + 1) * lp), dims: a.dims.slice(1) };
          }
          plan.take(start + j, r);
        }
      }
      return info;
    } finally {
      await s.release();
    }
  }
}
