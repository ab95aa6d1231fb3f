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
import { cropPlanes, interiorRows, pastePlanes, pasteWeights, tileGrid, tilePartition, type Rect } from './tiles';

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
  /**
   * Resume ([Note: unfinished runs]): `start` is an interrupted run's checkpoint, taken at this position;
   * the run goes on there (that stage, tile and iteration) instead of from its first stage.
   */
  resumeAt?: StylePosition;
  layers: { content: string[]; style: string[]; styleChannels: number[] };
  settings: ResolvedStyleSettings & { seed: number };
  runtime: GradientRuntime;
  placement?: SessionPlacement;
  label?: string;
}

/** After `iteration` iterations of tile `tile` (0 when the stage is one image) of stage `stage`. */
export interface StylePosition {
  stage: number;
  tile: number;
  iteration: number;
}

export interface StyleProgress {
  /** 0..1 over all stages, weighted by pixels × iterations */
  fraction: number;
  stage: number;
  stages: number;
  /** 1-based iteration within the stage */
  iteration: number;
  iterations: number;
  /** a tiled stage: the tile being optimized (1-based) of how many */
  tile?: number;
  tiles?: number;
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
  /** the stage's picture as it stands, and where the run is (what Resume would go on from) */
  onPreview?(img: Rgb, at: StylePosition): void;
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
  stages: { width: number; height: number; iterations: number; ms: number; tile?: { size: number; overlap: number; count: number } }[];
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

/** How many tiles stage `si` runs as (1: one image). */
function stageTileCount(job: Pick<StyleJob, 'content' | 'styles' | 'start' | 'settings'>, si: number): number {
  const s = job.settings, o = stageSizes(job, s.stages[si]!, s.styleScale).out;
  const tiling = s.stageTiles?.[si] ?? null;
  return tiling ? tileGrid(o.width, o.height, tiling.size, tiling.overlap).length : 1;
}

/**
 * Why `job.start` taken at `at` cannot resume this run (undefined: it can): a stage, tile or iteration the run
 * does not have, or a picture that is not that stage's size. The recipe asks before choosing to resume at a
 * checkpoint's position (else the first stage starts from the frame); styleTransfer refuses what does not fit.
 */
export function resumeProblem(job: Pick<StyleJob, 'content' | 'styles' | 'start' | 'settings'>, at: StylePosition): string | undefined {
  const s = job.settings;
  if (!job.start) return 'a position without the checkpoint image';
  if (!Number.isInteger(at.stage) || at.stage < 0 || at.stage >= s.stages.length) return `stage ${at.stage} is not one of this run's ${s.stages.length}`;
  if (!Number.isInteger(at.iteration) || at.iteration < 0 || at.iteration > s.stageIterations[at.stage]!) return `iteration ${at.iteration} is not in 0..${s.stageIterations[at.stage]}`;
  const tiles = stageTileCount(job, at.stage);
  if (!Number.isInteger(at.tile) || at.tile < 0 || at.tile >= tiles) return `tile ${at.tile} is not one of this stage's ${tiles}`;
  const o = stageSizes(job, s.stages[at.stage]!, s.styleScale).out;
  if (job.start.width !== o.width || job.start.height !== o.height) return `the checkpoint is ${job.start.width}×${job.start.height}, stage ${at.stage + 1} ${o.width}×${o.height}`;
  return undefined;
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

  const from = job.resumeAt;
  if (from) {
    const problem = resumeProblem(job, from);
    if (problem) throw new Error(`resume: ${problem}`);
    // the work before the interruption: earlier stages whole, this stage's finished tiles and iterations
    const tiles = stageTileCount(job, from.stage);
    const iters = s.stageIterations[from.stage]!;
    doneCost = cost.slice(0, from.stage).reduce((a, b) => a + b, 0) + cost[from.stage]! * ((from.tile * iters + from.iteration) / (tiles * iters));
    iterationsDone = s.stageIterations.slice(0, from.stage).reduce((a, b) => a + b, 0) + from.tile * iters + from.iteration;
  }

  for (let si = from?.stage ?? 0; si < s.stages.length && !cancelled; si++) {
    const ts = performance.now();
    const sizes = stageSizes(job, s.stages[si]!, s.styleScale);
    const { width: W, height: H } = sizes.out;
    styleSizes = sizes.styles;
    // a stage beyond the memory budget as one image runs as overlapping tiles (tiles.ts); prepare.ts decided
    const tiling = s.stageTiles?.[si] ?? null;
    const rects: Rect[] = tiling ? tileGrid(W, H, tiling.size, tiling.overlap) : [{ x: 0, y: 0, w: W, h: H }];
    const tw = rects[0]!.w, th = rects[0]!.h;
    const dims: Dims = [1, 3, th, tw];
    hooks.onPhase?.(`stage ${si + 1}/${s.stages.length}: targets at ${W}×${H}${tiling ? ` (${rects.length} tiles of ${tw}×${th})` : ''}`, doneCost / totalCost);

    // targets: the content photo's activations and the style images' blended Gram matrices at this stage's sizes
    const tt = performance.now();
    contentAtSize = job.content ? await resizeCubic(job.content, W, H) : undefined;
    const contentPlanes = needContent ? toPlanar(contentAtSize!, job.space).data : undefined;
    const styleTargets: Record<string, Float32Array> = {};
    if (needStyle) {
      const perStyle: Float32Array[][] = [];
      for (let i = 0; i < job.styles.length; i++) {
        const img = await resizeCubic(job.styles[i]!.image, sizes.styles[i]!.width, sizes.styles[i]!.height);
        const planes = toPlanar(img, job.space).data;
        if (tiling) perStyle.push(await tiledGrams(job, rm, placement, planes, img.height, img.width, tiling.size));
        else {
          const acts = await forwardAt(job, rm, placement, planes, img.height, img.width, job.layers.style);
          perStyle.push(job.layers.style.map((l) => gramMatrix(acts[l]!.data, acts[l]!.dims)));
        }
      }
      plan.terms.filter((t) => t.kind === 'style').forEach((t) => {
        styleTargets[t.target] = blendGrams(perStyle.map((g) => g[t.index]!), job.styles.map((st) => st.weight));
      });
    }
    // content targets of a region: its own crop of the content photo through the network
    const targetsOf = async (r: Rect): Promise<Record<string, Float32Array>> => {
      const targets = { ...styleTargets };
      if (!needContent) return targets;
      const t1 = performance.now();
      const crop = rects.length === 1 ? contentPlanes! : cropPlanes(contentPlanes!, 3, H, W, r);
      const acts = await forwardAt(job, rm, placement, crop, r.h, r.w, job.layers.content);
      plan.terms.filter((t) => t.kind === 'content').forEach((t) => (targets[t.target] = acts[t.layer]!.data.slice()));
      targetsMs += performance.now() - t1;
      return targets;
    };
    targetsMs += performance.now() - tt;

    // the starting image
    if (x && prevDims) x = resizePlanes(x, 3, prevDims.height, prevDims.width, H, W);
    else x = await initialImage(job, W, H, contentAtSize);
    prevDims = { width: W, height: H };
    const whole = x;

    hooks.onPhase?.(`stage ${si + 1}/${s.stages.length}: compiling the gradient at ${tw}×${th}`, doneCost / totalCost);
    const session: GradientSession = await job.runtime.gradient({
      model: rm, input: job.input, shape: [K, 3, th, tw], placement, label: job.label ?? 'loss network',
      // sleeping intra-op threads: L-BFGS's JS work between runs needs a core (256 px: 166–171 against 169–179 ms an iteration)
      spinning: false,
      ...(s.normalizeGradients
        ? { objective: perItem(plan.terms.map((t) => t.objective)), gradientsOf: termLayers }
        : { objective: plan.objective }),
    });
    if (session.fresh) compileMs += session.prepareMs;
    provider = session.provider;
    fallbackReason ??= session.fallbackReason;
    const grads = new Float32Array(3 * th * tw);
    // normalized gradients: one batch item per term (same image), so each item's gradients are its term's alone
    const batchX = s.normalizeGradients ? new Float32Array(K * grads.length) : undefined;

    const evaluator = (targets: Record<string, Float32Array>) => {
      const feeds = s.normalizeGradients ? repeatContentTargets(targets, plan, K) : targets;
      return async (at: Float32Array, grad: Float32Array): Promise<number> => {
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
    };

    const iterations = s.stageIterations[si]!;
    const isLast = si === s.stages.length - 1;
    lastStepMs = [];
    let it = 0;
    const tileEnd: { losses: StyleLosses; area: number }[] = [];
    try {
      const resuming = from !== undefined && si === from.stage;
      for (let ti = resuming ? from.tile : 0; ti < rects.length && !cancelled; ti++) {
        const r = rects[ti]!;
        const evaluate = evaluator(await targetsOf(r));
        const xt = rects.length === 1 ? whole : cropPlanes(whole, 3, H, W, r);
        const optimizer = createOptimizer(optimizerSpec(s, k));
        // a tile gets few iterations, and L-BFGS without a line search overshoots in its first ones: a tile keeps
        // the best point it evaluated (its last one included), not wherever its last step landed
        const keepBest = rects.length > 1;
        const best = { value: Infinity, x: keepBest ? new Float32Array(xt.length) : undefined, losses: last };
        const tracked = async (p: Float32Array, g: Float32Array): Promise<number> => {
          const v = await evaluate(p, g);
          if (best.x && v < best.value) { best.value = v; best.x.set(p); best.losses = last; }
          return v;
        };
        // a preview of a tiled stage is the whole image with the tile as it stands
        const preview = (done: number) => hooks.onPreview!(rects.length === 1
          ? picture(whole, H, W, job.space, s.originalColors ? contentAtSize : undefined)
          : composite(whole, H, W, xt, r, job.space, s.originalColors ? contentAtSize : undefined), { stage: si, tile: ti, iteration: done });
        for (it = resuming && ti === from.tile ? from.iteration : 0; it < iterations; it++) {
          if (hooks.checkpoint && (await hooks.checkpoint())) { cancelled = true; break; }
          const t1 = performance.now();
          const res = await optimizer.step(xt, (p, g) => tracked(p as Float32Array, g as Float32Array));
          lastStepMs.push(performance.now() - t1);
          if (!lossesStart) lossesStart = last;
          iterationsDone++;
          const step = ti * iterations + it;
          if (step % curveEvery === 0 || (it === iterations - 1 && ti === rects.length - 1)) curve.push([si, step + 1, last.total, last.content, last.style, last.tv]);
          const stageFrac = (step + 1) / (iterations * rects.length);
          // ms per pixel-iteration, times the pixel-iterations left (a tiled stage's overlaps included)
          const mpi = median(lastStepMs) / (tw * th);
          msPerPixelIter = mpi;
          const remaining = (1 - stageFrac) * iterations * rects.length * tw * th + cost.slice(si + 1).reduce((a, b) => a + b, 0);
          hooks.onProgress?.({
            fraction: (doneCost + stageFrac * cost[si]!) / totalCost, stage: si, stages: s.stages.length, iteration: it + 1, iterations,
            ...(rects.length > 1 ? { tile: ti + 1, tiles: rects.length } : {}),
            etaMs: remaining * mpi, losses: last,
          });
          if (hooks.onPreview && (hooks.wantsPreview?.() ?? true)) preview(it + 1);
          if (res.done) break;
        }
        // the losses of the image this stage ends with (L-BFGS's last step moves to a point it never evaluates)
        if (keepBest && best.x) {
          if (!cancelled) await tracked(xt, grads);
          if (best.value < Infinity) xt.set(best.x);
          if (!cancelled && isLast) tileEnd.push({ losses: best.losses, area: r.w * r.h });
        } else if (!cancelled && isLast) {
          await evaluate(xt, grads);
          tileEnd.push({ losses: last, area: r.w * r.h });
        }
        if (rects.length > 1) pastePlanes(whole, 3, H, W, r, xt, pasteWeights(r, W, H, tiling!.overlap));
      }
    } finally {
      await session.release({ drop: true });
    }
    // a tiled stage's losses: content and style are means over positions, so the tiles' area-weighted mean;
    // TV is a sum over the image, so it is taken on the whole result
    if (tileEnd.length > 1) {
      last = meanLosses(tileEnd);
      last.tv = tvWeight > 0 ? applyRegularizer({ kind: 'tv', weight: tvWeight, form: 'squared' }, whole, [1, 3, H, W], new Float32Array(whole.length))[0]! : 0;
      last.total = last.content + last.style + last.tv;
    }
    stages.push({
      width: W, height: H, iterations: Math.min(it + (cancelled ? 0 : 1), iterations), ms: performance.now() - ts,
      ...(tiling ? { tile: { size: tiling.size, overlap: tiling.overlap, count: rects.length } } : {}),
    });
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
  // (a resumed run's checkpoint is at the stage's size already: taken as it is)
  if (job.start) return toPlanar(job.start.width === W && job.start.height === H ? job.start : await resizeCubic(job.start, W, H), job.space).data;
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

/** The whole image with one tile's current state in its place (a tiled stage's preview). */
function composite(x: Float32Array, h: number, w: number, tile: Float32Array, r: Rect, space: PixelSpace, colorsFrom: Rgb | undefined): Rgb {
  const all = fromPlanar(planar(3, h, w, x), space);
  const part = fromPlanar(planar(3, r.h, r.w, tile), space);
  for (let y = 0; y < r.h; y++) all.data.set(part.data.subarray(y * r.w * 3, (y + 1) * r.w * 3), ((r.y + y) * w + r.x) * 3);
  return colorsFrom ? originalColors(colorsFrom, all) : all;
}

/** Area-weighted mean of the tiles' final losses. */
function meanLosses(tiles: { losses: StyleLosses; area: number }[]): StyleLosses {
  const total = tiles.reduce((a, t) => a + t.area, 0);
  const f = (get: (l: StyleLosses) => number) => tiles.reduce((a, t) => a + (get(t.losses) * t.area) / total, 0);
  const first = tiles[0]!.losses;
  return {
    total: f((l) => l.total), content: f((l) => l.content), style: f((l) => l.style), tv: f((l) => l.tv),
    contentLayers: first.contentLayers.map((_, i) => f((l) => l.contentLayers[i]!)),
    styleLayers: first.styleLayers.map((_, i) => f((l) => l.styleLayers[i]!)),
  };
}

/**
 * A style image's Gram matrices when it is too big to run whole: FFᵀ summed over tiles that each run with a
 * margin of context and keep only their own positions, then divided by the positions in all (gramMatrix's
 * 1/(C·H·W) normalization, so the result equals the whole image's up to the tiles' edges). The map's stride
 * is read off each run (input size ÷ map size).
 */
export async function tiledGrams(job: StyleJob, rm: ReturnType<typeof runtimeModel>, placement: SessionPlacement, planes: Float32Array, H: number, W: number, tile: number): Promise<Float32Array[]> {
  const margin = Math.min(64, Math.floor(tile / 4));
  const sums: (Float32Array | undefined)[] = job.layers.style.map(() => undefined);
  const positions = job.layers.style.map(() => 0);
  for (const r of tilePartition(W, H, tile - 2 * margin)) {
    const ext = { x: Math.max(0, r.x - margin), y: Math.max(0, r.y - margin), w: 0, h: 0 };
    ext.w = Math.min(W, r.x + r.w + margin) - ext.x;
    ext.h = Math.min(H, r.y + r.h + margin) - ext.y;
    const acts = await forwardAt(job, rm, placement, cropPlanes(planes, 3, H, W, ext), ext.h, ext.w, job.layers.style);
    job.layers.style.forEach((l, i) => {
      const { data, dims } = acts[l]!;
      const [, C, mh, mw] = dims as [number, number, number, number];
      const inner = interiorRows(mh, mw, ext.h / mh, { top: r.y - ext.y, left: r.x - ext.x, bottom: ext.y + ext.h - (r.y + r.h), right: ext.x + ext.w - (r.x + r.w) });
      if (inner.w * inner.h === 0) return;
      const g = gramMatrix(cropPlanes(data, C, mh, mw, inner), [1, C, inner.h, inner.w]);
      const n = inner.w * inner.h;
      const sum = (sums[i] ??= new Float32Array(C * C));
      for (let j = 0; j < g.length; j++) sum[j]! += g[j]! * n;
      positions[i]! += n;
    });
  }
  return sums.map((g, i) => {
    if (!g) throw new Error(`tiledGrams: no positions of ${job.layers.style[i]} inside the tiles`);
    for (let j = 0; j < g.length; j++) g[j]! /= positions[i]!;
    return g;
  });
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
