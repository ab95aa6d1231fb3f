// Runs a GradPlan: compiles (once per objective, rules, layers and batch size — then cached) the model
// into a graph that also outputs d target / d input (and a layer's activations and gradients for
// Grad-CAM), and pushes the plan's samples through it in batches. Objectives are per batch item and
// the session's total is their sum, so item i's gradient is exactly d f(x_i) / d x_i; padded items in
// a last, short batch are computed and thrown away.
import * as ort from 'onnxruntime-node';
import { compileGradient } from '../autodiff/index';
import { encodeModel, type Model } from '../onnx/model';
import { keepOutputs } from './prune';
import type { Objective } from '../../../shared/objectives';
import { leastPaddingBatch, type Timing } from './forward';
import type { GradPlan, SampleResult } from './methods/plan';
import type { ResolvedTarget } from './types';

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };

export type GradRules = 'default' | 'guided' | 'deconvnet';

export function targetObjective(t: ResolvedTarget, logits: string | undefined, label: string): Objective {
  switch (t.kind) {
    case 'class':
      if (!logits) throw new Error(`${label}: a class target needs a classifier output, and the model has none`);
      return { kind: 'logit', layer: logits, index: t.index };
    case 'channel': return { kind: 'channel', layer: t.layer, channel: t.channel };
    case 'neuron': return { kind: 'neuron', layer: t.layer, channel: t.channel, x: t.x, y: t.y };
  }
}

interface Compiled {
  session: ort.InferenceSession;
  inputName: string;
  perItem: string;
  inputGrad: string;
  activations: Record<string, string>;
  grads: Record<string, string>;
}

/**
 * Compiled sessions kept per model. Each holds its peak working memory (GoogLeNet at 224: ~60 MB per
 * batch item, so ~500 MB at batch 8), and a new class or method makes a new one: keep the few most
 * recently used.
 */
export const MAX_GRADIENT_SESSIONS = 3;

export class GradientRunner {
  private cache = new Map<string, Promise<Compiled>>();

  constructor(
    private readonly model: Model,
    private readonly inputName: string,
    private readonly chw: readonly [number, number, number],
    private readonly label: string,
  ) {}

  private compiled(objective: Objective, rules: GradRules, layers: string[], batch: number, inputGrad: boolean, timing: Timing): Promise<Compiled> {
    const key = JSON.stringify([objective, rules, layers, batch, inputGrad]);
    let c = this.cache.get(key);
    if (c) {
      this.cache.delete(key);
      this.cache.set(key, c); // most recently used last
    } else {
      const t0 = performance.now();
      c = (async () => {
        const g = await compileGradient(this.model, {
          input: this.inputName,
          shape: [batch, ...this.chw],
          objective,
          activations: layers,
          gradientsOf: layers,
          rules,
        });
        if (g.targetInputs.length > 0) {
          throw new Error(`${this.label}: the attribution objective unexpectedly needs extra inputs (${g.targetInputs.map((t) => t.name).join(', ')})`);
        }
        const bytes = inputGrad
          ? g.bytes
          : encodeModel(keepOutputs(g.model, [g.outputs.perItem, ...layers.flatMap((l) => [g.outputs.activations[l]!, g.outputs.grads[l]!])]));
        const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
        timing.prepareMs += performance.now() - t0;
        return {
          session, inputName: g.inputName, perItem: g.outputs.perItem, inputGrad: g.outputs.inputGrad,
          activations: g.outputs.activations, grads: g.outputs.grads,
        };
      })();
      c.catch(() => this.cache.delete(key));
      this.cache.set(key, c);
      while (this.cache.size > MAX_GRADIENT_SESSIONS) {
        const [oldKey, old] = this.cache.entries().next().value as [string, Promise<Compiled>];
        this.cache.delete(oldKey);
        void old.then((x) => x.session.release(), () => undefined);
      }
    }
    return c;
  }

  async run(plan: GradPlan, objective: Objective, rules: GradRules, layers: string[], batchSize: number, timing: Timing): Promise<void> {
    const count = plan.sampleCount;
    const B = leastPaddingBatch(count, batchSize);
    const wantInputGrad = plan.needsInputGrad !== false;
    const c = await this.compiled(objective, rules, layers, B, wantInputGrad, timing);
    const per = this.chw[0] * this.chw[1] * this.chw[2];
    const buf = new Float32Array(B * per);
    const fetches = [c.perItem, ...(wantInputGrad ? [c.inputGrad] : []), ...layers.flatMap((l) => [c.activations[l]!, c.grads[l]!])];
    for (let start = 0; start < count; start += B) {
      const n = Math.min(B, count - start);
      for (let j = 0; j < B; j++) plan.fill(start + Math.min(j, n - 1), buf.subarray(j * per, (j + 1) * per));
      const t0 = performance.now();
      const out = await c.session.run({ [c.inputName]: new ort.Tensor('float32', buf, [B, ...this.chw]) }, fetches);
      timing.runMs += performance.now() - t0;
      timing.passes += B;
      timing.tick?.();
      const scores = out[c.perItem]!.data as Float32Array;
      const grad = wantInputGrad ? (out[c.inputGrad]!.data as Float32Array) : new Float32Array(0);
      for (let j = 0; j < n; j++) {
        const r: SampleResult = { score: scores[j]!, inputGrad: grad.subarray(j * per, (j + 1) * per), layers: {} };
        for (const l of layers) {
          const a = out[c.activations[l]!]!, g = out[c.grads[l]!]!;
          const lp = (a.data as Float32Array).length / B;
          r.layers[l] = {
            act: (a.data as Float32Array).subarray(j * lp, (j + 1) * lp),
            grad: (g.data as Float32Array).subarray(j * lp, (j + 1) * lp),
            dims: a.dims.slice(1),
          };
        }
        plan.take(start + j, r);
      }
    }
  }

  async release(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const c of all) await c.then((x) => x.session.release(), () => undefined);
  }
}
