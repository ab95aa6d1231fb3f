// Runs a GradPlan: compiles (once per objective, rules, layers and batch size — then cached) the model
// into a graph that also outputs d target / d input (and a layer's activations and gradients for
// Grad-CAM), and pushes the plan's samples through it in batches. Objectives are per batch item and
// the session's total is their sum, so item i's gradient is exactly d f(x_i) / d x_i; padded items in
// a last, short batch are computed and thrown away.
import * as ort from 'onnxruntime-node';
import { compileGradient } from '../autodiff/index';
import { encodeModel, type Model } from '../onnx/model';
import { argmaxTarget } from './argmax-target';
import { keepOutputs } from './prune';
import type { Objective } from '../../../shared/objectives';
import { leastPaddingBatch, type Timing } from './forward';
import type { GradPlan, SampleResult } from './methods/plan';
import type { AttributionSessions } from './sessions';
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

interface Compiled {
  session: ort.InferenceSession;
  targetInputs: { name: string; shape: number[]; role: string }[];
  inputName: string;
  perItem: string;
  inputGrad: string;
  activations: Record<string, string>;
  grads: Record<string, string>;
  /** int64 output with the in-graph top-1 index (argmaxOf targets) */
  indexOutput?: string;
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
    private readonly sessions: AttributionSessions,
  ) {}

  private compiled(objective: Objective, rules: GradRules, layers: string[], batch: number, inputGrad: boolean, argmaxOf: string | undefined, timing: Timing): Promise<Compiled> {
    const key = JSON.stringify([objective, rules, layers, batch, inputGrad, argmaxOf ?? null]);
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
        let model = g.model;
        let targetInputs = g.targetInputs;
        let indexOutput: string | undefined;
        if (argmaxOf !== undefined) {
          const ti = g.targetInputs[0];
          if (batch !== 1 || g.targetInputs.length !== 1 || ti!.shape.length !== 1) throw new Error(`${this.label}: in-graph top-1 needs one image and one direction input`);
          ({ model, indexOutput } = argmaxTarget(model, argmaxOf, ti!.name, ti!.shape[0]!));
          targetInputs = [];
        }
        const keep = [g.outputs.perItem, ...(inputGrad ? [g.outputs.inputGrad] : []), ...layers.flatMap((l) => [g.outputs.activations[l]!, g.outputs.grads[l]!]), ...(indexOutput ? [indexOutput] : [])];
        const bytes = inputGrad && !indexOutput ? g.bytes : encodeModel(keepOutputs(model, keep));
        const session = await this.sessions.create(bytes);
        timing.prepareMs += performance.now() - t0;
        return {
          session, targetInputs, inputName: g.inputName, perItem: g.outputs.perItem, inputGrad: g.outputs.inputGrad,
          activations: g.outputs.activations, grads: g.outputs.grads, ...(indexOutput ? { indexOutput } : {}),
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

  async run(plan: GradPlan, target: TargetObjective, rules: GradRules, layers: string[], batchSize: number, timing: Timing): Promise<RunInfo> {
    const { objective, oneHot } = target;
    const count = plan.sampleCount;
    const B = leastPaddingBatch(count, batchSize);
    const wantInputGrad = plan.needsInputGrad !== false;
    const c = await this.compiled(objective, rules, layers, B, wantInputGrad, target.argmaxOf, timing);
    const info: RunInfo = {};
    timing.providers.add(this.sessions.provider(c.session));
    const per = this.chw[0] * this.chw[1] * this.chw[2];
    const buf = new Float32Array(B * per);
    const feeds: Record<string, ort.Tensor> = {};
    for (const ti of c.targetInputs) {
      const size = ti.shape.reduce((a, b) => a * b, 1);
      if (oneHot === undefined || ti.shape.length !== 1) throw new Error(`${this.label}: unexpected objective input "${ti.name}" [${ti.shape.join(',')}]`);
      if (oneHot >= size) {
        const what = target.objective.kind === 'direction' ? target.objective.layer : '';
        throw new Error(`${this.label}: index ${oneHot} is out of range: "${what}" has ${size} classes or channels`);
      }
      const v = new Float32Array(size);
      v[oneHot] = 1;
      feeds[ti.name] = new ort.Tensor('float32', v, ti.shape);
    }
    const fetches = [c.perItem, ...(wantInputGrad ? [c.inputGrad] : []), ...layers.flatMap((l) => [c.activations[l]!, c.grads[l]!]), ...(c.indexOutput ? [c.indexOutput] : [])];
    for (let start = 0; start < count; start += B) {
      const n = Math.min(B, count - start);
      for (let j = 0; j < B; j++) plan.fill(start + Math.min(j, n - 1), buf.subarray(j * per, (j + 1) * per));
      const t0 = performance.now();
      const out = await c.session.run({ ...feeds, [c.inputName]: new ort.Tensor('float32', buf, [B, ...this.chw]) }, fetches);
      timing.runMs += performance.now() - t0;
      timing.passes += B;
      timing.tick?.();
      const scores = out[c.perItem]!.data as Float32Array;
      if (c.indexOutput) info.top1 = { index: Number((out[c.indexOutput]!.data as BigInt64Array)[0]), score: scores[0]! };
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
    return info;
  }

  async release(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const c of all) await c.then((x) => x.session.release(), () => undefined);
  }
}
