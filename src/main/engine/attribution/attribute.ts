// attribute(input, settings) for every method, over one model. An Attributor takes its compiled gradient
// and forward sessions from a gradient runtime (the caller's, shared by every attributor of a worker, or
// its own), which keeps them, so the second map of a kind costs only the runs.
import type { Model } from '../onnx/model';
import type { PixelSpace } from '../../../shared/pixels';
import { GradientRuntime, runProvider, runtimeModel, type RuntimeModel } from '../gradients/index';
import { makeBaseline } from './baselines';
import { ForwardRunner, newTiming, runContext, targetTensor, type Timing } from './forward';
import { GradientRunner, targetObjective, type GradRules, type RunInfo, type TargetObjective } from './gradient-runner';
import { gradCamPlan } from './methods/gradcam';
import { integratedGradientsPlan } from './methods/integrated-gradients';
import { noiseTunnelPlan } from './methods/noise-tunnel';
import { occlusion, occlusionWindows } from './methods/occlusion';
import { gradientPlan, type GradPlan } from './methods/plan';
import { reduceChannelMap, reducedPlan, reducedShape } from './methods/channels';
import { defaultCamLayer, modelFacts, type ModelFacts } from './model-info';
import type { SessionPlacement } from '../runtime/sessions';
import {
  parseAttributionSettings, type AttributionResult, type AttributionSettings, type AttributionSettingsInput,
  type IgBaseline, type InputImage, type NoiseTunnelInner, type ResolvedTarget, type TargetSpec,
} from './types';

export interface AttributorOptions {
  /** class names, index-aligned with the classifier output (for labels in results) */
  labels?: readonly string[];
  /** how 0..255 pixels map to input values (for IG's black and noise baselines) */
  pixelSpace?: PixelSpace;
  /** name used in error messages, e.g. the model's file name */
  label?: string;
  /** the provider (EngineStatus.active) and threads to run on; default: the runtime's placement (CPU with every core for a runtime of its own) */
  placement?: SessionPlacement;
  /** the gradient runtime to take sessions from (a worker's, shared across jobs); default: one of its own */
  runtime?: GradientRuntime;
  /** the model file's sha256: the runtime caches under it, so `runtime.release(sha)` drops them (default: an id of this Model object) */
  modelSha?: string;
}

export class Attributor {
  readonly facts: ModelFacts;
  private readonly forward: ForwardRunner;
  private readonly gradients: GradientRunner;
  private readonly label: string;
  private readonly runtime: GradientRuntime;
  private readonly ownRuntime: boolean;
  private readonly runtimeModel: RuntimeModel;
  private readonly where: SessionPlacement;
  /** the first reason a session could not go on the placement's provider (reported with every result) */
  private fallbackReason: string | undefined;

  constructor(
    private readonly model: Model,
    /** [C, H, W] of the images this attributor will see */
    readonly chw: readonly [number, number, number],
    private readonly opts: AttributorOptions = {},
  ) {
    this.label = opts.label ?? 'model';
    this.facts = modelFacts(model, this.label);
    this.ownRuntime = !opts.runtime;
    this.runtime = opts.runtime ?? new GradientRuntime();
    this.runtimeModel = runtimeModel(model, opts.modelSha);
    this.where = opts.placement ?? this.runtime.placement();
    const ctx = runContext({
      runtime: this.runtime, model: this.runtimeModel, inputName: this.facts.inputName, chw, label: this.label, placement: this.where,
      onFallback: (reason) => { this.fallbackReason ??= reason; },
    });
    this.forward = new ForwardRunner(ctx);
    this.gradients = new GradientRunner(ctx);
  }

  /**
   * `onProgress(fraction)` is called after every batch of images; throwing from it stops the run
   * (cancel). The fraction counts network passes against an estimate of how many the method needs.
   */
  async attribute(
    input: InputImage,
    raw: AttributionSettingsInput | AttributionSettings,
    opts: { onProgress?: (fraction: number) => void | Promise<void> } = {},
  ): Promise<AttributionResult> {
    const t0 = performance.now();
    const settings = parseAttributionSettings(raw);
    const [, c, h, w] = input.shape;
    if (c !== this.chw[0] || h !== this.chw[1] || w !== this.chw[2] || input.data.length !== c * h * w) {
      throw new Error(`${this.label}: the image is [1,${c},${h},${w}] but this attributor was made for [1,${this.chw.join(',')}]`);
    }
    const timing = newTiming();
    if (opts.onProgress) {
      const expected = expectedPasses(settings, h, w);
      const report = opts.onProgress;
      timing.tick = () => report(Math.min(1, timing.passes / expected));
    }
    // Single-image gradient methods find top-1 inside their own gradient run (one pass, not two).
    const inGraph = settings.target.kind === 'top1' && IN_GRAPH_TOP1.has(settings.method) ? this.top1Logits() : undefined;
    let { target, score } = inGraph
      ? { target: { kind: 'class', index: -1 } as ResolvedTarget, score: Number.NaN } // filled in from the run below
      : await this.resolveTarget(settings.target, input.data, timing);
    const found: RunInfo = {};
    const out = await this.run({ ...settings, target } as AttributionSettings, target, input, score, timing,
      inGraph ? { objective: { kind: 'direction', layer: inGraph }, argmaxOf: inGraph } : undefined, found);
    if (inGraph) {
      if (!found.top1) throw new Error(`${this.label}: the gradient run did not report its top-1 class`);
      const label = this.opts.labels?.[found.top1.index];
      target = { kind: 'class', index: found.top1.index, ...(label !== undefined ? { label } : {}) };
      score = found.top1.score;
    }
    const result: AttributionResult = {
      settings: { ...(out.settings ?? settings), target } as AttributionSettings,
      shape: out.shape,
      map: out.map,
      targetScore: out.targetScore ?? score,
      timings: { totalMs: performance.now() - t0, prepareMs: timing.prepareMs, runMs: timing.runMs, passes: timing.passes },
      provider: runProvider(timing.providers),
    };
    if (timing.providers.size > 1) result.providers = [...timing.providers];
    if (this.fallbackReason) result.fallbackReason = this.fallbackReason;
    if (out.completeness) {
      const { attributionSum, scoreDelta, baselineScore } = out.completeness;
      result.completeness = { attributionSum, scoreDelta, baselineScore, relativeError: Math.abs(attributionSum - scoreDelta) / Math.abs(scoreDelta) };
    }
    if (out.layerMap) result.layerMap = out.layerMap;
    return result;
  }

  /** The provider sessions are made on (before any CPU fallback). */
  get placement(): SessionPlacement {
    return this.where;
  }

  /**
   * The logits tensor when top-1 can be found inside a gradient run: a classifier output whose declared
   * shape is [N, C] (or [N, C, 1, 1]). Anything else resolves top-1 with a forward pass first (and gets
   * its clear error there).
   */
  private top1Logits(): string | undefined {
    const l = this.facts.logits;
    const g = this.model.graph;
    // the logits are a graph output, or the input of the Softmax that makes one (same shape)
    const softmaxOut = g.nodes.find((n) => n.opType === 'Softmax' && n.inputs[0] === l && g.outputs.some((o) => o.name === n.outputs[0]))?.outputs[0];
    const shape = l === undefined ? undefined : (g.outputs.find((o) => o.name === l) ?? g.outputs.find((o) => o.name === softmaxOut))?.shape;
    if (!l || !shape || shape.length < 2 || shape.slice(2).some((d) => d !== 1) || typeof shape[1] !== 'number') return undefined;
    return l;
  }

  /** top-1 → the class it is; checks class ranges and layer names; f(x) from one forward pass. */
  private async resolveTarget(t: TargetSpec, x: Float32Array, timing: Timing): Promise<{ target: ResolvedTarget; score: number }> {
    if (t.kind === 'top1') {
      if (!this.facts.logits) throw new Error(`${this.label}: the top-1 target needs a classifier output; give a LAYER:CHANNEL target`);
      const { data: row, dims } = await this.forward.fetchOne(x, this.facts.logits, timing);
      if (dims.slice(2).some((d) => d !== 1)) {
        throw new Error(`${this.label}: the top-1 target needs class scores, but the output "${this.facts.logits}" is [${dims.join(',')}]; give a LAYER:CHANNEL target`);
      }
      let best = 0;
      for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
      const label = this.opts.labels?.[best];
      return { target: { kind: 'class', index: best, ...(label !== undefined ? { label } : {}) }, score: row[best]! };
    }
    if (t.kind !== 'class' && !this.facts.tensors.has(t.layer)) {
      throw new Error(`${this.label}: no layer (tensor) named "${t.layer}" in the model`);
    }
    const target: ResolvedTarget = t.kind === 'class' && t.label === undefined && this.opts.labels?.[t.index] !== undefined
      ? { ...t, label: this.opts.labels[t.index]! } : t;
    const [score] = await this.forward.scores([x], target, this.facts.logits, 1, timing);
    return { target, score: score! };
  }

  private async run(s: AttributionSettings, target: ResolvedTarget, input: InputImage, score: number, timing: Timing, objectiveOverride?: TargetObjective, found: RunInfo = {}): Promise<{
    map: Float32Array; shape: number[]; targetScore?: number; settings?: AttributionSettings;
    completeness?: { attributionSum: number; scoreDelta: number; baselineScore: number };
    layerMap?: AttributionResult['layerMap'];
  }> {
    const x = input.data;
    const [, c, h, w] = input.shape;
    const chw = [c, h, w] as const;
    const objective = objectiveOverride ?? targetObjective(target, this.facts.logits, this.label);
    const runPlan = async (plan: GradPlan, rules: GradRules, layers: string[] = []) => {
      Object.assign(found, await this.gradients.run(plan, objective, rules, layers, s.batchSize, timing));
      const scores = plan.scoreImages.length > 0
        ? await this.forward.scores(plan.scoreImages, target, this.facts.logits, s.batchSize, timing) : [];
      return plan.finish(scores);
    };
    switch (s.method) {
      case 'saliency': case 'gradxinput': case 'guided': case 'deconvnet': {
        const out = await runPlan(reducedPlan(gradientPlan(x, s.method === 'gradxinput'), chw, s.channelReduction), rulesOf(s.method));
        return { map: out.map, shape: reducedShape(chw, s.channelReduction) };
      }
      case 'ig': {
        const out = await runPlan(reducedPlan(this.igPlan(x, s, score), chw, s.channelReduction), 'default');
        return { map: out.map, shape: reducedShape(chw, s.channelReduction), completeness: out.completeness };
      }
      case 'smoothgrad': {
        // each noisy sample's map is reduced before the average (see methods/channels.ts)
        const inner = (noisy: Float32Array) => reducedPlan(s.inner === 'ig' ? this.igPlan(noisy, s) : gradientPlan(noisy, s.inner === 'gradxinput'), chw, s.channelReduction);
        const out = await runPlan(noiseTunnelPlan(x, s, inner), rulesOf(s.inner));
        return { map: out.map, shape: reducedShape(chw, s.channelReduction), completeness: out.completeness };
      }
      case 'gradcam': case 'guided-gradcam': {
        const layer = s.layer ?? (target.kind === 'class' ? defaultCamLayer(this.model, this.facts.logits, this.label) : target.layer);
        if (!this.facts.tensors.has(layer)) throw new Error(`${this.label}: no layer (tensor) named "${layer}" for Grad-CAM`);
        const cam = gradCamPlan(x, layer, h, w, this.label);
        // Guided rules only change ReLU's backward pass: with no ReLU between the layer and the target,
        // one guided run gives both the guided input gradient and Grad-CAM's layer gradient.
        const oneRun = s.method === 'guided-gradcam' && !reluBetween(this.model, layer, targetTensor(target, this.facts.logits, this.label));
        let guidedGrad: Float32Array | undefined;
        const plan: GradPlan = oneRun ? { ...cam, needsInputGrad: true, take: (i, r) => { cam.take(i, r); guidedGrad = Float32Array.from(r.inputGrad); } } : cam;
        const camMap = (await runPlan(plan, oneRun ? 'guided' : 'default', [layer])).map;
        const lm = cam.layerMap();
        const settings = { ...s, layer };
        const layerMap = { shape: [lm.h, lm.w] as [number, number], data: lm.cam };
        if (s.method === 'gradcam') return { map: camMap, shape: [1, 1, h, w], settings, layerMap };
        const guided = guidedGrad ?? (await runPlan(gradientPlan(x, false), 'guided')).map;
        const map = new Float32Array(c * h * w);
        for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) map[ch * h * w + i] = guided[ch * h * w + i]! * camMap[i]!;
        return { map: reduceChannelMap(map, chw, s.channelReduction), shape: reducedShape(chw, s.channelReduction), settings, layerMap };
      }
      case 'occlusion': {
        targetTensor(target, this.facts.logits, this.label);
        const out = await occlusion(this.forward, input, target, this.facts.logits, s, timing, this.label);
        return { map: out.map, shape: out.shape, targetScore: out.targetScore };
      }
    }
  }

  private igPlan(x: Float32Array, s: { baseline: IgBaseline; blurSigma: number; seed: number; steps: number; integration: 'gausslegendre' | 'trapezoid' }, knownScore?: number): GradPlan {
    // 'zero' needs no pixel space: it is 0 in the model's own input space
    const baseline = s.baseline === 'zero'
      ? new Float32Array(x.length)
      : makeBaseline(s.baseline, x, this.chw, { space: this.opts.pixelSpace, blurSigma: s.blurSigma, seed: s.seed });
    return integratedGradientsPlan(x, baseline, s.steps, s.integration, knownScore);
  }

  /** Drop its sessions: all of its own runtime's, or, in a shared runtime, this model's at this input size. */
  async release(): Promise<void> {
    if (this.ownRuntime) return this.runtime.release();
    const chw = this.chw.join('x');
    await this.runtime.release(this.runtimeModel.sha, (k) => k.shape?.slice(1).join('x') === chw);
  }
}

/** Methods that differentiate at the input image alone (one sample): top-1 can come from that same run. */
const IN_GRAPH_TOP1 = new Set<AttributionSettings['method']>(['saliency', 'gradxinput', 'guided', 'deconvnet', 'gradcam']);

/** Whether a Relu node lies on some path from tensor `from` to tensor `to`. */
export function reluBetween(model: Model, from: string, to: string): boolean {
  const nodes = model.graph.nodes;
  const down = new Set<string>([from]);
  const downNodes = new Set<number>();
  nodes.forEach((n, i) => {
    // graph order is topological: one pass marks everything downstream of `from`
    if (n.inputs.some((t) => down.has(t))) { downNodes.add(i); n.outputs.forEach((o) => down.add(o)); }
  });
  const up = new Set<string>([to]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => up.has(o))) continue;
    if (downNodes.has(i) && n.opType === 'Relu') return true;
    n.inputs.forEach((t) => up.add(t));
  }
  return false;
}

/** Roughly how many images a method pushes through the network (for progress only). */
export function expectedPasses(s: AttributionSettings, h: number, w: number): number {
  switch (s.method) {
    case 'saliency': case 'gradxinput': case 'guided': case 'deconvnet': case 'gradcam': return 2;
    case 'guided-gradcam': return 3;
    case 'ig': return 3 + s.steps;
    case 'smoothgrad': return 1 + s.samples * (s.inner === 'ig' ? s.steps + 2 : 1);
    case 'occlusion': {
      const { ys, xs } = occlusionWindows(h, w, s.window, s.stride);
      return 2 + ys.length * xs.length;
    }
  }
}

function rulesOf(m: NoiseTunnelInner | 'saliency'): GradRules {
  return m === 'guided' ? 'guided' : m === 'deconvnet' ? 'deconvnet' : 'default';
}
