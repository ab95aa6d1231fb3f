// The worker half of feature visualization: the items rendered `batch` at a time through the optimization
// library's one loop (optim/render.ts), with the model's gradient from the gradient runtime.
//
// Per batch: one render spec from the settings (Lucid's render_vis as data), two compiled gradient
// sessions of the same objective — Lucid's redirected ReLU for the first `redirectedReluSteps` steps,
// the ordinary gradient after — fed the batch's target vectors (targets.ts: a grid's batches share the
// sessions), and an Evaluate that fits each transformed image to the one compiled size (input.ts). The
// objective is measured on the starting and on the final untransformed images by the plain session.
// Cancel and pause act between steps (the job's checkpoint); a cancelled grid keeps the batches it finished.
import type { ExecutionProviderName } from '../../../shared/contract';
import type { PixelSpace } from '../../../shared/pixels';
import { seededRandom } from '../../../shared/random';
import type { FeaturevisSettings } from '../../../shared/jobs/featurevis';
import type { Model } from '../onnx/model';
import { render, type Dims, type Evaluate, type RegularizerSpec, type RenderSpec, type TransformSpec } from '../optim/index';
import { runProvider, runtimeModel, type GradientRuntime, type GradientSession } from '../gradients/index';
import type { JobControl, RgbFrame } from '../jobs/control';
import { fitter, LUMA, RGB_INPUT, rgbVariant, withRgbInput, type ModelInput } from './input';
import { batchObjective, diversityPerItem, type ResolvedItem } from './targets';

/** What renders: the settings as they will be stored (preset resolved, seed drawn) and the items resolved against the model. */
export interface FeaturevisWork {
  model: Model;
  /** the model file's sha256: sessions are cached and released under it */
  sha: string;
  input: ModelInput;
  space: PixelSpace;
  settings: FeaturevisSettings & { size: number; steps: number; batch: number; seed: number };
  items: ResolvedItem[];
  diversity?: { weight: number; layer: string };
  /** feature accentuation's photo, image01 [3, size, size] */
  photo?: Float32Array;
  /** MACO's magnitude spectrum [3, size, size/2+1] (absent: the 1/f model) */
  magnitude?: Float32Array;
  /** a resumed run: image01 [n, 3, size, size], where the first batch's parameters start (see resumeStart) */
  start?: Float32Array;
  /** with `start`: the steps the interrupted run had done (its checkpoint's position); it goes on from there */
  startStep?: number;
}

export interface RenderedItem {
  item: number;
  label: string;
  objective: number;
  objectiveStart: number;
  /** RGB bytes, size × size × 3 */
  rgb: Uint8Array;
}

export interface FeaturevisOutcome {
  status: 'done' | 'cancelled';
  items: RenderedItem[];
  size: number;
  stepsDone: number;
  provider: ExecutionProviderName;
  fallbackReason?: string;
  timings: { totalMs: number; compileMs: number; msPerImageStep: number };
}

export interface RenderEnv {
  runtime: GradientRuntime;
  provider: ExecutionProviderName;
  threads?: number;
}

/** Lucid's init std for the spectrum and the pixels */
const INIT_STD = 0.01;
/** Lucid's L1 penalty pulls towards mid-grey */
const L1_CONSTANT = 0.5;

/** The optimization library's spec for one batch (Lucid's render_vis defaults come from the settings' defaults). */
export function renderSpec(s: FeaturevisWork['settings'], batch: number, seed: number, photo: boolean): RenderSpec {
  const t = s.transforms;
  const transforms: TransformSpec[] = [];
  if (t.pad > 0) transforms.push({ kind: 'pad', pixels: t.pad, mode: 'constant', value: 0.5 });
  if (t.jitter > 0) transforms.push({ kind: 'jitter', pixels: t.jitter });
  if (t.scales.length) transforms.push({ kind: 'scale', factors: t.scales });
  if (t.angles.length) transforms.push({ kind: 'rotate', degrees: t.angles });
  if (t.jitterAfter > 0) transforms.push({ kind: 'jitter', pixels: t.jitterAfter });
  const regularizers: RegularizerSpec[] = [];
  if (s.l1 > 0) regularizers.push({ kind: 'l1', weight: s.l1, constant: L1_CONSTANT });
  if (s.tv > 0) regularizers.push({ kind: 'tv', weight: s.tv, form: 'abs' });
  if (s.blur > 0) regularizers.push({ kind: 'blur', weight: s.blur });
  if (photo && s.stayClose > 0) regularizers.push({ kind: 'l2', weight: s.stayClose, around: 'photo' });
  return {
    param: { kind: s.param, decorrelate: s.decorrelate, output: 'sigmoid', std: INIT_STD, init: photo ? 'photo' : 'noise' },
    transforms,
    optimizer: { kind: 'adam', lr: s.lr, maximize: true },
    regularizers,
    steps: s.steps,
    size: { h: s.size, w: s.size },
    batch,
    seed,
  };
}

/** items per compiled run: a diversity set is one batch (the term compares its items) */
export function batchSize(w: Pick<FeaturevisWork, 'settings' | 'items' | 'diversity'>): number {
  return w.diversity ? w.items.length : Math.min(w.settings.batch, w.items.length);
}

export async function renderFeatures(w: FeaturevisWork, ctl: JobControl, env: RenderEnv): Promise<FeaturevisOutcome> {
  const t0 = performance.now();
  const s = w.settings;
  const size = s.size;
  const n = batchSize(w);
  const batches = Math.ceil(w.items.length / n);
  const model = runtimeModel(withRgbInput(w.model, w.input, w.space), w.sha, rgbVariant(w.space, w.input));
  const fit = fitter({ h: size, w: size }, { h: w.input.height, w: w.input.width });
  const used = new Set<ExecutionProviderName>();
  let fallbackReason: string | undefined;
  let compileMs = 0, stepMs = 0, stepsRun = 0, imageSteps = 0, stepsDone = 0;
  const out: RenderedItem[] = [];
  let cancelled = false;

  for (let b = 0; b < batches && !cancelled; b++) {
    const items = w.items.slice(b * n, (b + 1) * n);
    const plan = batchObjective(items, n, w.diversity);
    const spec = (rules: 'default' | 'redirected-relu') => env.runtime.gradient({
      model, input: RGB_INPUT, shape: [n, 3, w.input.height, w.input.width], objective: plan.objective, rules,
      ...(plan.diversityLayer ? { activations: [plan.diversityLayer] } : {}), label: 'featurevis', spinning: false,
      placement: { provider: env.provider, ...(env.threads ? { threads: env.threads } : {}) },
    });
    ctl.progress(b / batches, `batch ${b + 1}/${batches} · preparing the gradient`);
    const c0 = performance.now();
    const plain = await spec('default');
    const sessions: GradientSession[] = [plain];
    try {
      const redirected = s.redirectedReluSteps > 0 ? await spec('redirected-relu') : undefined;
      if (redirected) sessions.push(redirected);
      if (sessions.some((x) => x.fresh)) compileMs += performance.now() - c0;
      for (const x of sessions) {
        used.add(x.provider);
        fallbackReason ??= x.fallbackReason;
      }
      const lengthOf = (name: string) => plain.targetInputs.find((t) => t.name === name)?.shape[0] ?? 0;
      const targets = plan.targets(lengthOf);

      // objectives as the items define them: the diversity term (when there is one) taken out again
      const measure = async (img: Float32Array, dims: Dims): Promise<number[]> => {
        const r = await plain.run(fit(dims).forward(img), targets);
        const per = Array.from(r.perItem);
        if (!w.diversity || !plan.diversityLayer) return per;
        const a = r.activations[plan.diversityLayer]!;
        const div = diversityPerItem(a.data, a.dims);
        return per.map((v, i) => v - w.diversity!.weight * div[i]!);
      };
      const resuming = b === 0 && w.start !== undefined;
      // a resumed run is past its first startStep evaluations: the redirected-ReLU phase counts them
      let evaluations = resuming ? w.startStep ?? 0 : 0;
      const evaluate: Evaluate = async (img, dims, grad) => {
        const session = redirected && evaluations < s.redirectedReluSteps ? redirected : plain;
        evaluations++;
        const m = fit(dims);
        const r = await session.run(m.forward(img), targets);
        grad.set(m.adjoint(r.inputGrad));
        return Array.from(r.perItem);
      };

      let start: { image: Float32Array; dims: Dims } | undefined;
      let last = performance.now();
      const seed = (s.seed + b) >>> 0;
      const result = await render(renderSpec(s, n, seed, !!w.photo), {
        evaluate, ...(w.photo ? { photo: w.photo } : {}), ...(w.magnitude ? { magnitude: w.magnitude } : {}), ...(resuming ? { start: w.start, ...(w.startStep ? { startStep: w.startStep } : {}) } : {}),
      }, {
        checkpoint: async () => {
          // time spent paused is not step time
          const t = performance.now();
          const stop = await ctl.checkpoint();
          last += performance.now() - t;
          return stop;
        },
        onStart: (image, dims) => { start = { image, dims }; last = performance.now(); },
        onStep: (step, _objectives, image) => {
          const now = performance.now();
          stepMs += now - last;
          stepsRun++;
          imageSteps += items.length;
          last = now;
          const perStep = stepMs / stepsRun;
          const left = (s.steps - step) + (batches - b - 1) * s.steps;
          ctl.progress((b + step / s.steps) / batches, `batch ${b + 1}/${batches} · step ${step}/${s.steps}`, left * perStep);
          if (ctl.wantsPreview()) ctl.preview(() => previewGrid(image(), items.length, size, w.input.channels));
          // what Resume starts from: the batch at full size, lossless (only where it can: see resumable)
          if (resumable(w) && ctl.wantsCheckpointImage()) ctl.checkpointImage(() => itemStrip(image(), items.length, size, w.input.channels), { step, seed: s.seed });
        },
      });
      stepsDone = result.steps;
      if (result.cancelled) {
        cancelled = true;
        break;
      }
      const before = await measure(start!.image, start!.dims);
      const after = await measure(result.image, result.dims);
      items.forEach((it, i) => out.push({
        item: b * n + i, label: it.label, objective: after[i]!, objectiveStart: before[i]!,
        rgb: itemRgb(result.image, i, size, w.input.channels),
      }));
    } finally {
      for (const x of sessions) await x.release();
    }
  }
  return {
    status: cancelled ? 'cancelled' : 'done',
    items: out,
    size,
    stepsDone,
    provider: runProvider(used, env.provider),
    ...(fallbackReason ? { fallbackReason } : {}),
    timings: { totalMs: performance.now() - t0, compileMs, msPerImageStep: imageSteps ? stepMs / imageSteps : 0 },
  };
}

/** one item of image01 [B, 3, S, S] as RGB bytes; a 1-channel model saw only the luma, so that is what is shown */
export function itemRgb(img: Float32Array, item: number, size: number, channels: number): Uint8Array {
  const hw = size * size;
  const o = item * 3 * hw;
  const rgb = new Uint8Array(hw * 3);
  const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));
  for (let p = 0; p < hw; p++) {
    const r = img[o + p]!, g = img[o + hw + p]!, bl = img[o + 2 * hw + p]!;
    if (channels === 1) {
      const y = byte(LUMA[0] * r + LUMA[1] * g + LUMA[2] * bl);
      rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = y;
    } else {
      rgb[3 * p] = byte(r);
      rgb[3 * p + 1] = byte(g);
      rgb[3 * p + 2] = byte(bl);
    }
  }
  return rgb;
}

/** RGB tiles (size × size × 3 each) in a grid of `cols` columns with `gap` px of background between them */
export function tileGrid(tiles: readonly Uint8Array[], size: number, cols: number, gap = 2, background = 32): RgbFrame {
  const rows = Math.ceil(tiles.length / cols);
  const width = cols * size + (cols - 1) * gap, height = rows * size + (rows - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(background);
  tiles.forEach((t, i) => {
    const x0 = (i % cols) * (size + gap), y0 = Math.floor(i / cols) * (size + gap);
    for (let y = 0; y < size; y++) data.set(t.subarray(y * size * 3, (y + 1) * size * 3), ((y0 + y) * width + x0) * 3);
  });
  return { width, height, data };
}

/** the batch being rendered, as a grid small enough for a live preview */
function previewGrid(img: Float32Array, items: number, size: number, channels: number): RgbFrame {
  const tiles = Array.from({ length: items }, (_, i) => itemRgb(img, i, size, channels));
  return tileGrid(tiles, size, Math.ceil(Math.sqrt(items)));
}

/** a seed when the settings leave it out */
export function drawSeed(): number {
  return Math.floor(seededRandom(Date.now() >>> 0)() * 0xffffffff) >>> 0;
}

/**
 * Whether an interrupted run can start again from its last frame: a parameterization that can start from
 * any image (pixel: the image itself; fourier: its spectrum through the inverse of the colour decorrelation
 * and scaling — the optim library's preimage), and one batch (the frame holds that batch; a grid of
 * several batches is not stored as it goes, so it reruns). MACO optimizes only the phase over a fixed
 * magnitude spectrum: it could start from the frame's phase, not from the frame, so it reruns.
 */
export function resumable(w: Pick<FeaturevisWork, 'settings' | 'items' | 'diversity'>): boolean {
  return (w.settings.param === 'pixel' || w.settings.param === 'fourier') && batchSize(w) >= w.items.length;
}

/** A batch's items side by side, each size × size (the checkpoint image a resumed run starts from). */
export function itemStrip(img: Float32Array, items: number, size: number, channels: number): RgbFrame {
  const data = new Uint8Array(items * size * size * 3);
  for (let i = 0; i < items; i++) {
    const rgb = itemRgb(img, i, size, channels);
    for (let y = 0; y < size; y++) data.set(rgb.subarray(y * size * 3, (y + 1) * size * 3), (y * items * size + i * size) * 3);
  }
  return { width: items * size, height: size, data };
}

/** The inverse of itemStrip: image01 [items, 3, size, size]; undefined when the strip is not of this job's shape. */
export function stripStart(rgb: { width: number; height: number; data: Uint8Array }, items: number, size: number): Float32Array | undefined {
  if (rgb.width !== items * size || rgb.height !== size || rgb.data.length !== items * size * size * 3) return undefined;
  const hw = size * size;
  const out = new Float32Array(items * 3 * hw);
  for (let i = 0; i < items; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const src = (y * items * size + i * size + x) * 3;
        for (let c = 0; c < 3; c++) out[i * 3 * hw + c * hw + y * size + x] = rgb.data[src + c]! / 255;
      }
    }
  }
  return out;
}
