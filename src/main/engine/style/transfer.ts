// Gatys et al.'s neural style on any CNN, as jcjohnson/neural-style runs it: the image is optimized in the
// loss network's own input space (BGR 0..255 minus the mean for a Caffe/Keras VGG), by the optim library's
// L-BFGS without a line search (one iteration = one evaluation of the model) or Adam, against one compiled
// objective (losses.ts) whose Gram and content targets come from forward runs of the style and content
// photos. Texture synthesis (style terms only, from noise) and feature inversion (one content layer, from
// noise) are the same loop with other terms. Multi-resolution runs one such optimization per stage, each
// starting from the last stage's result upsampled.
//
// Why not optim's render(): it parameterizes RGB in [0, 1]. L-BFGS's first step (min(1, 1/‖g‖₁)) and Adam's
// learning rate are not invariant to that rescaling, and neural-style's numbers (lr 10, its iteration
// counts) are defined in model space, so the loop here hands model-space pixels straight to the optimizer.
import { seededRandom, gaussian } from '../../../shared/random';
import type { ExecutionProviderName } from '../../../shared/contract';
import type { ResolvedStyleSettings, StyleLosses } from '../../../shared/jobs/style';
import { affine, toModel, fromPlanar, planar, toPlanar, type PixelSpace, type Rgb } from '../pixels/index';
import { createOptimizer, applyRegularizer, type OptimizerSpec, type Dims } from '../optim/index';
import { runtimeModel, type GradientRuntime, type GradientSession } from '../gradients/runtime';
import type { SessionPlacement } from '../runtime/sessions';
import type { Model } from '../onnx/model';
import { perItem } from '../../../shared/objectives';
import { blendGrams, gramMatrix, lossPlan, type LossPlan } from './losses';
import { longSide, resizeCubic } from './images';
import { resizePlanes } from './resize';
import { originalColors } from './colors';

/** noise init: N(0, σ²) pixel levels around mid-grey (neural-style's randn·0.001 leaves Caffe space flat; this breaks symmetry visibly) */
export const NOISE_STD_LEVELS = 16;

export interface StyleJob {
  model: Model;
  modelSha: string;
  /** the loss network's image input */
  input: string;
  space: PixelSpace;
  /** the content photo (transfer, inversion); texture synthesis has none */
  content?: Rgb;
  styles: { image: Rgb; weight: number }[];
  /** "continue from this result": the first stage starts from this picture (resized) */
  start?: Rgb;
  layers: { content: string[]; style: string[]; styleChannels: number[] };
  settings: ResolvedStyleSettings & { seed: number };
  runtime: GradientRuntime;
  placement?: SessionPlacement;
  label?: string;
}

export interface StyleProgress {
  /** 0..1 over all stages, weighted by pixels × iterations */
  fraction: number;
  stage: number;
  stages: number;
  /** 1-based iteration within the stage */
  iteration: number;
  iterations: number;
  etaMs?: number;
  losses: StyleLosses;
}

export interface StyleHooks {
  /** before every iteration; resolves true to stop (a pause waits inside it) */
  checkpoint?(): Promise<boolean>;
  onPhase?(message: string, fraction: number): void;
  onProgress?(p: StyleProgress): void;
  /** asked before a preview is drawn (drawing one costs a conversion of the image) */
  wantsPreview?(): boolean;
  onPreview?(img: Rgb): void;
}

export type CurvePoint = [stage: number, iteration: number, total: number, content: number, style: number, tv: number];

export interface StyleOutcome {
  status: 'done' | 'cancelled';
  /** the result (original colours put back when asked) */
  image: Rgb;
  losses: StyleLosses;
  lossesStart: StyleLosses;
  curve: CurvePoint[];
  iterationsDone: number;
  stages: { width: number; height: number; iterations: number; ms: number }[];
  styleSizes: { width: number; height: number }[];
  timings: { totalMs: number; targetsMs: number; compileMs: number; msPerIteration: number };
  provider: ExecutionProviderName;
  fallbackReason?: string;
}

/** model units per pixel level (1 for 0..255 spaces, 2/255 for −1..1): TV weights and Adam's lr are given in pixel levels */
export function unitsPerLevel(space: PixelSpace): number {
  const { scale } = affine(space);
  return (Math.abs(scale[0]) + Math.abs(scale[1]) + Math.abs(scale[2])) / 3;
}

/** The picture sizes of a stage: the output at `long`, the style images at long·styleScale. */
export function stageSizes(job: Pick<StyleJob, 'content' | 'styles' | 'start'>, long: number, styleScale: number): { out: { width: number; height: number }; styles: { width: number; height: number }[] } {
  const ref = job.content ?? job.start ?? job.styles[0]?.image;
  if (!ref) throw new Error('a style job needs a content photo or a style image');
  return {
    out: longSide(ref.width, ref.height, long),
    styles: job.styles.map((s) => longSide(s.image.width, s.image.height, Math.max(16, Math.ceil(long * styleScale)))),
  };
}

const zeroLosses = (p: LossPlan, job: StyleJob): StyleLosses => ({
  total: 0, content: 0, style: 0, tv: 0, contentLayers: job.layers.content.map(() => 0), styleLayers: job.layers.style.map(() => 0),
});

export async function styleTransfer(job: StyleJob, hooks: StyleHooks = {}): Promise<StyleOutcome> {
  const t0 = performance.now();
  const s = job.settings;
  const plan = lossPlan({ ...job.layers, contentWeight: s.contentWeight, styleWeight: s.styleWeight });
  const needContent = plan.terms.some((t) => t.kind === 'content');
  const needStyle = plan.terms.some((t) => t.kind === 'style');
  if (needContent && !job.content) throw new Error('this style job has content terms but no content photo');
  if (needStyle && job.styles.length === 0) throw new Error('this style job has style terms but no style image');
  const k = unitsPerLevel(job.space);
  // normalized gradients run one batch item per loss term (see evaluate)
  const K = s.normalizeGradients ? plan.terms.length : 1;
  const termLayers = [...new Set(plan.terms.map((t) => t.layer))];
  const tvWeight = s.tvWeight / (k * k);
  const rm = runtimeModel(job.model, job.modelSha);
  const placement = job.placement ?? job.runtime.placement();
  const cost = s.stages.map((long, i) => { const o = stageSizes(job, long, s.styleScale).out; return o.width * o.height * s.stageIterations[i]!; });
  const totalCost = cost.reduce((a, b) => a + b, 0);
  let doneCost = 0;

  let x: Float32Array | undefined;
  let prevDims: { width: number; height: number } | undefined;
  let targetsMs = 0, compileMs = 0;
  let provider: ExecutionProviderName = placement.provider;
  let fallbackReason: string | undefined;
  let last = zeroLosses(plan, job);
  let lossesStart: StyleLosses | undefined;
  const curve: CurvePoint[] = [];
  const stages: StyleOutcome['stages'] = [];
  let styleSizes: { width: number; height: number }[] = [];
  let iterationsDone = 0;
  let cancelled = false;
  let contentAtSize: Rgb | undefined;
  let lastStepMs: number[] = [];
  let msPerPixelIter: number | undefined;
  const totalIterations = s.stageIterations.reduce((a, b) => a + b, 0);
  const curveEvery = Math.max(1, Math.ceil(totalIterations / 400));

  for (let si = 0; si < s.stages.length && !cancelled; si++) {
    const ts = performance.now();
    const sizes = stageSizes(job, s.stages[si]!, s.styleScale);
    const { width: W, height: H } = sizes.out;
    styleSizes = sizes.styles;
    const dims: Dims = [1, 3, H, W];
    hooks.onPhase?.(`stage ${si + 1}/${s.stages.length}: targets at ${W}×${H}`, doneCost / totalCost);

    // targets: the content photo's activations and the style images' blended Gram matrices at this stage's sizes
    const tt = performance.now();
    contentAtSize = job.content ? await resizeCubic(job.content, W, H) : undefined;
    const targets: Record<string, Float32Array> = {};
    if (needContent) {
      const acts = await forwardAt(job, rm, placement, toPlanar(contentAtSize!, job.space).data, H, W, job.layers.content);
      plan.terms.filter((t) => t.kind === 'content').forEach((t) => (targets[t.target] = acts[t.layer]!.data.slice()));
    }
    if (needStyle) {
      const perStyle: Float32Array[][] = [];
      for (let i = 0; i < job.styles.length; i++) {
        const img = await resizeCubic(job.styles[i]!.image, sizes.styles[i]!.width, sizes.styles[i]!.height);
        const acts = await forwardAt(job, rm, placement, toPlanar(img, job.space).data, img.height, img.width, job.layers.style);
        perStyle.push(job.layers.style.map((l) => gramMatrix(acts[l]!.data, acts[l]!.dims)));
      }
      plan.terms.filter((t) => t.kind === 'style').forEach((t) => {
        targets[t.target] = blendGrams(perStyle.map((g) => g[t.index]!), job.styles.map((st) => st.weight));
      });
    }
    targetsMs += performance.now() - tt;

    // the starting image
    if (x && prevDims) x = resizePlanes(x, 3, prevDims.height, prevDims.width, H, W);
    else x = await initialImage(job, W, H, contentAtSize);
    prevDims = { width: W, height: H };

    hooks.onPhase?.(`stage ${si + 1}/${s.stages.length}: compiling the gradient at ${W}×${H}`, doneCost / totalCost);
    const session: GradientSession = await job.runtime.gradient({
      model: rm, input: job.input, shape: [K, 3, H, W], placement, label: job.label ?? 'loss network',
      ...(s.normalizeGradients
        ? { objective: perItem(plan.terms.map((t) => t.objective)), gradientsOf: termLayers }
        : { objective: plan.objective }),
    });
    if (session.fresh) compileMs += session.prepareMs;
    provider = session.provider;
    fallbackReason ??= session.fallbackReason;
    const grads = new Float32Array(x.length);
    // normalized gradients: one batch item per term (same image), so each item's gradients are its term's alone
    const batchX = s.normalizeGradients ? new Float32Array(K * x.length) : undefined;
    const feeds = s.normalizeGradients ? repeatContentTargets(targets, plan, K) : targets;

    const evaluate = async (at: Float32Array, grad: Float32Array): Promise<number> => {
      let values: number[];
      if (batchX) {
        for (let k = 0; k < K; k++) batchX.set(at, k * at.length);
        const r = await session.run(batchX, feeds);
        values = Array.from(r.perItem);
        normalizedGradient(plan, r.inputGrad, r.grads, grad);
      } else {
        const r = await session.run(at, targets);
        grad.set(r.inputGrad);
        values = r.terms.length ? r.terms.map((t) => t[0]!) : [r.objective];
      }
      const tv = tvWeight > 0 ? applyRegularizer({ kind: 'tv', weight: tvWeight, form: 'squared' }, at, dims, grad)[0]! : 0;
      last = lossesOf(plan, job, values, tv);
      return last.total;
    };

    const iterations = s.stageIterations[si]!;
    const optimizer = createOptimizer(optimizerSpec(s, k));
    lastStepMs = [];
    let it = 0;
    try {
      for (; it < iterations; it++) {
        if (hooks.checkpoint && (await hooks.checkpoint())) { cancelled = true; break; }
        const t1 = performance.now();
        const r = await optimizer.step(x, (p, g) => evaluate(p as Float32Array, g as Float32Array));
        lastStepMs.push(performance.now() - t1);
        if (!lossesStart) lossesStart = last;
        iterationsDone++;
        if (it % curveEvery === 0 || it === iterations - 1) curve.push([si, it + 1, last.total, last.content, last.style, last.tv]);
        const stageFrac = (it + 1) / iterations;
        const mpi = median(lastStepMs) / (W * H);
        msPerPixelIter = mpi;
        const remaining = (1 - stageFrac) * cost[si]! + cost.slice(si + 1).reduce((a, b) => a + b, 0);
        hooks.onProgress?.({
          fraction: (doneCost + stageFrac * cost[si]!) / totalCost, stage: si, stages: s.stages.length, iteration: it + 1, iterations,
          etaMs: remaining * mpi, losses: last,
        });
        if (hooks.onPreview && (hooks.wantsPreview?.() ?? true)) hooks.onPreview(picture(x, H, W, job.space, s.originalColors ? contentAtSize : undefined));
        if (r.done) break;
      }
      // the losses of the image this stage ends with (L-BFGS's last step moves to a point it never evaluates)
      if (!cancelled && si === s.stages.length - 1) await evaluate(x, grads);
    } finally {
      await session.release({ drop: true });
    }
    stages.push({ width: W, height: H, iterations: Math.min(it + (cancelled ? 0 : 1), iterations), ms: performance.now() - ts });
    doneCost += cost[si]!;
  }

  const lastStage = stages[stages.length - 1]!;
  const image = picture(x!, lastStage.height, lastStage.width, job.space, s.originalColors ? contentAtSize : undefined);
  return {
    status: cancelled ? 'cancelled' : 'done', image, losses: last, lossesStart: lossesStart ?? last, curve, iterationsDone, stages, styleSizes,
    timings: { totalMs: performance.now() - t0, targetsMs, compileMs, msPerIteration: lastStepMs.length ? median(lastStepMs) : (msPerPixelIter ?? 0) * lastStage.width * lastStage.height },
    provider, ...(fallbackReason ? { fallbackReason } : {}),
  };
}

/**
 * neural-style's -normalize_gradients from a run with one batch item per term: each term's gradient at its
 * own layer is scaled to L1 norm = its weight (÷ (‖·‖₁ + 1e-8)), and since backpropagation is linear that is
 * its input gradient scaled by the same factor; `out` gets Σ_k factor_k · inputGrad_k.
 */
export function normalizedGradient(
  plan: Pick<LossPlan, 'terms'>, inputGrad: Float32Array, layerGrads: Readonly<Record<string, { data: Float32Array }>>, out: Float32Array,
): number[] {
  const K = plan.terms.length, n = out.length;
  if (inputGrad.length !== K * n) throw new Error(`normalizedGradient: ${inputGrad.length} input-gradient values for ${K} terms of ${n}`);
  out.fill(0);
  return plan.terms.map((t, k) => {
    const g = layerGrads[t.layer]!.data;
    const per = g.length / K;
    let l1 = 0;
    for (let i = k * per; i < (k + 1) * per; i++) l1 += Math.abs(g[i]!);
    const c = t.weight / (l1 + 1e-8);
    for (let i = 0, o = k * n; i < n; i++) out[i] += c * inputGrad[o + i]!;
    return c;
  });
}

/** Content targets have the activation's shape, batch included: one copy per batch item (Gram targets are [C, C] for every item). */
function repeatContentTargets(targets: Record<string, Float32Array>, plan: LossPlan, K: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = { ...targets };
  for (const t of plan.terms) {
    if (t.kind !== 'content') continue;
    const one = targets[t.target]!;
    const many = new Float32Array(K * one.length);
    for (let i = 0; i < K; i++) many.set(one, i * one.length);
    out[t.target] = many;
  }
  return out;
}

function optimizerSpec(s: ResolvedStyleSettings, k: number): OptimizerSpec {
  // neural-style's optim.lbfgs: no line search, tolerances off, so N iterations are exactly N evaluations
  if (s.optimizer === 'lbfgs') return { kind: 'lbfgs', lineSearch: 'none', history: s.lbfgsHistory, toleranceGrad: -1, toleranceChange: -1 };
  return { kind: 'adam', lr: s.lr * k };
}

async function forwardAt(job: StyleJob, rm: ReturnType<typeof runtimeModel>, placement: SessionPlacement, data: Float32Array, h: number, w: number, layers: string[]) {
  const f = await job.runtime.forward({ model: rm, input: job.input, shape: [1, 3, h, w], fetch: [...new Set(layers)], placement, label: job.label ?? 'loss network' });
  try {
    const out = await f.run(data);
    // onnxruntime's arrays belong to the run: keep copies
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data.slice(), dims: [...v.dims] }]));
  } finally {
    await f.release({ drop: true });
  }
}

async function initialImage(job: StyleJob, W: number, H: number, content: Rgb | undefined): Promise<Float32Array> {
  const s = job.settings;
  if (job.start) return toPlanar(await resizeCubic(job.start, W, H), job.space).data;
  if (s.init === 'content') {
    if (!content) throw new Error('init "content" needs a content photo');
    return toPlanar(content, job.space).data;
  }
  if (s.init === 'style') return toPlanar(await resizeCubic(job.styles[0]!.image, W, H), job.space).data;
  // noise around mid-grey, in pixel levels, through the model's pixel map
  const grey = toModel(job.space, [128, 128, 128]);
  const k = unitsPerLevel(job.space);
  const normal = gaussian(seededRandom(s.seed));
  const x = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) x[c * H * W + i] = grey[c]! + normal() * NOISE_STD_LEVELS * k;
  return x;
}

/** The image x (model space) as 8-bit RGB, with the content's colours put back when given. */
function picture(x: Float32Array, h: number, w: number, space: PixelSpace, colorsFrom: Rgb | undefined): Rgb {
  const rgb = fromPlanar(planar(3, h, w, x), space);
  return colorsFrom ? originalColors(colorsFrom, rgb) : rgb;
}

function lossesOf(plan: LossPlan, job: StyleJob, values: number[], tv: number): StyleLosses {
  const l: StyleLosses = { total: 0, content: 0, style: 0, tv, contentLayers: job.layers.content.map(() => 0), styleLayers: job.layers.style.map(() => 0) };
  plan.terms.forEach((t, i) => {
    const v = values[i] ?? 0;
    if (t.kind === 'content') { l.contentLayers[t.index] = v; l.content += v; } else { l.styleLayers[t.index] = v; l.style += v; }
  });
  l.total = l.content + l.style + l.tv;
  return l;
}

function median(v: number[]): number {
  if (v.length === 0) return 0;
  const a = [...v].sort((x, y) => x - y);
  return a[Math.floor(a.length / 2)]!;
}
