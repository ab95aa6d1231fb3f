// The DeepDream loop of google/deepdream, in model space:
//   octave pyramid (each 1/scale of the last), from the smallest up; detail (dreamed − base) carried
//   up by bilinear zoom; per step: random roll by up to `jitter` px, gradient of the objective,
//   src += step / mean|g| · g, roll back, clip to the range real pixels map to.
// Gradients come from a `GradientSource` (one compiled session per input shape); big octaves go
// through fixed-size tiles so memory stays bounded and one session serves every big octave.
import { clipChannels, meanAbs, resizeBilinear, thumbnail } from './planar';
import { fromPlanar, planar, resizeRgb, subtractPhoto, toPlanar, validRange, type Planar, type PixelSpace, type Rgb } from '../pixels/index';
import { gridPlan, planPixels, readTile, tileCount, tileShapes, wholePlan, writeTileCore, type TilePlan } from './tiles';
import { randInt, seededRandom } from '../../../shared/random';
import { PauseGate } from '../jobs/control';

/** d objective / d input for one input shape. `grad` receives the gradient (same layout as `input`). */
export interface GradientRun {
  (input: Float32Array, grad: Float32Array): Promise<number>;
}
export interface GradientSource {
  /** a runner for inputs of [1, C, h, w]; compiled on first use and cached. `tiled`: one of several shapes run in turn */
  forShape(h: number, w: number, tiled?: boolean): Promise<GradientRun>;
  /** release sessions of every other shape (an octave's sessions are not needed by the next) */
  retainOnly?(shapes: [number, number][]): Promise<void>;
}

export interface LoopSettings {
  octaves: number;
  octaveScale: number;
  iterations: number;
  /** step in model units per channel is step · stepUnit[c] (converts 0..255 pixel units to the model's range) */
  step: number;
  stepUnit?: number[];
  jitter: number;
  seed: number;
  /** tile core side in px (a multiple of the layer stride) */
  tileSize: number;
  /** context read around each tile core, px (a multiple of the layer stride) */
  tileMargin: number;
  /** octaves with at most this many pixels run whole (one session per size), larger ones in tiles */
  maxWholePixels: number;
  /** move the tile grid by a random offset every step, so tile borders never stay in one place */
  tileShift: boolean;
}

export interface LoopHooks {
  /** pause / cancel between steps and tiles (a JobControl, or a PauseGate of its own) */
  control?: Pick<PauseGate, 'checkpoint'>;
  onProgress?(p: DreamProgress): void;
  /** a small frame of the current state; called at most every previewEveryMs */
  onPreview?(frame: Rgb): void;
  previewEveryMs?: number;
  previewMaxSide?: number;
  /** whether a full-resolution frame is wanted now (a JobControl's wantsCheckpointImage): assembling one costs a full-size pass */
  wantsFullFrame?(): boolean;
  /**
   * the current state at the photo's full size (earlier octaves: the photo plus the detail so far), for Resume
   * after a crash, with where it was taken: `iteration` steps of octave `octave` done (a LoopStart resumes there)
   */
  onFullFrame?(frame: Rgb, at: LoopPosition): void;
  /** compute the objective on the photo before and on the result after (extra gradient runs) */
  measureObjective?: boolean;
}

export interface DreamProgress {
  octave: number;
  octaves: number;
  iteration: number;
  iterations: number;
  /** 0..1, weighted by the pixels each step runs */
  fraction: number;
  elapsedMs: number;
  etaMs?: number;
  objective: number;
}

export interface OctaveReport {
  width: number;
  height: number;
  tiles: number;
  /** the distinct model input shapes this octave ran */
  tileShapes: [number, number][];
  /** ms to get the gradient session (compile + create) — 0 when cached */
  sessionMs: number;
  ms: number;
  stepMs: number[];
  objectiveFirst: number;
  objectiveLast: number;
}

export interface LoopResult {
  status: 'done' | 'cancelled';
  image: Rgb;
  octaves: OctaveReport[];
  objectiveBefore?: number;
  objectiveAfter?: number;
  /** time spent measuring the objective before and after (included in totalMs and in the last octave's ms) */
  measureMs: number;
  totalMs: number;
  stepsDone: number;
}

/** After `iteration` steps of octave `octave` (0: the smallest) of a run seeded `seed`. */
export interface LoopPosition {
  octave: number;
  iteration: number;
  seed: number;
}

/**
 * Resume an interrupted run ([Note: unfinished runs]): its full-size frame at `at`. The octave's state is
 * taken back from the frame — at full size the frame itself, below it the octave's photo plus the frame's
 * detail (frame − photo) shrunk to the octave — and the random shifts go on where the run left them
 * (`at.seed` must be the run's seed), so only the steps that were left run.
 */
export interface LoopStart {
  frame: Rgb;
  at: LoopPosition;
}

export function octaveSizes(h: number, w: number, octaves: number, scale: number): { h: number; w: number }[] {
  const sizes = [{ h, w }];
  for (let i = 1; i < octaves; i++) {
    const p = sizes[i - 1];
    sizes.push({ h: Math.max(1, Math.round(p.h / scale)), w: Math.max(1, Math.round(p.w / scale)) });
  }
  return sizes.reverse(); // smallest first
}

export function planFor(h: number, w: number, s: LoopSettings): TilePlan {
  return h * w <= s.maxWholePixels ? wholePlan(h, w) : gridPlan(h, w, s.tileSize, s.tileMargin);
}

export async function runDreamLoop(photo: Rgb, space: PixelSpace, grads: GradientSource, s: LoopSettings, hooks: LoopHooks = {}, start?: LoopStart): Promise<LoopResult> {
  validate(s);
  if (start) checkStart(start, photo, s);
  const t0 = performance.now();
  const control = hooks.control ?? new PauseGate();
  const rand = seededRandom(s.seed);
  const { lo, hi } = validRange(space);
  const sizes = octaveSizes(photo.height, photo.width, s.octaves, s.octaveScale);
  const plans = sizes.map((z) => planFor(z.h, z.w, s));
  const work = plans.map((p) => planPixels(p) * s.iterations);
  const totalWork = work.reduce((a, b) => a + b, 0);
  let doneWork = 0;
  let lastPreview = -Infinity;
  const previewEvery = hooks.previewEveryMs ?? 1000;

  let objectiveBefore: number | undefined;
  const full = sizes[sizes.length - 1];
  const measure = hooks.measureObjective ?? false;
  let measureMs = 0;

  const reports: OctaveReport[] = [];
  let detail: Planar | undefined;
  let src: Planar | undefined;
  // a resumed run counts the steps it did before the interruption too
  let stepsDone = start ? start.at.octave * s.iterations + start.at.iteration : 0;
  let cancelled = false;

  // the random draws of one step: the jitter, and the tile grid's shift where it has more than one tile
  const drawsPerStep = (plan: TilePlan) => (s.tileShift && tileCount(plan) > 1 ? 4 : 2);
  const first = start?.at.octave ?? 0;
  if (start) {
    // the work and the random draws of the steps done before the interruption
    for (let k = 0; k <= first; k++) {
      const steps = k < first ? s.iterations : start.at.iteration;
      for (let d = 0; d < steps * drawsPerStep(plans[k]); d++) rand();
      doneWork += (work[k] / s.iterations) * steps;
    }
  }

  for (let k = first; k < sizes.length && !cancelled; k++) {
    const { h, w } = sizes[k];
    const plan = plans[k];
    const base = await resizeRgb(photo, w, h);
    src = toPlanar(base, space);
    if (start && k === first) {
      // the interrupted octave's state, from the frame
      const frame = toPlanar(start.frame, space);
      if (k === sizes.length - 1) src = frame;
      else {
        subtractPhoto(frame, photo, space);
        const d = resizeBilinear(frame, h, w);
        for (let i = 0; i < src.data.length; i++) src.data[i] += d.data[i];
        clipChannels(src, lo, hi);
      }
    } else if (detail) {
      const up = resizeBilinear(detail, h, w);
      detail = undefined; // free the small one before the loop allocates the gradient
      for (let i = 0; i < src.data.length; i++) src.data[i] += up.data[i];
    }
    const grad = planar(src.c, h, w);
    const ts = performance.now();
    await grads.retainOnly?.(tileShapes(plan));
    for (const [th, tw] of tileShapes(plan)) await grads.forShape(th, tw, tileCount(plan) > 1);
    const sessionMs = performance.now() - ts;
    // The photo's own objective is measured with the full-size sessions, once they exist.
    if (measure && k === sizes.length - 1) {
      const tm = performance.now();
      objectiveBefore = await gradientOf(toPlanar(photo, space), plan, grads, 0, 0, undefined);
      measureMs += performance.now() - tm;
    }
    const rep: OctaveReport = { width: w, height: h, tiles: tileCount(plan), tileShapes: tileShapes(plan), sessionMs, ms: 0, stepMs: [], objectiveFirst: NaN, objectiveLast: NaN };
    reports.push(rep);

    for (let it = start && k === first ? start.at.iteration : 0; it < s.iterations; it++) {
      if (await control.checkpoint()) { cancelled = true; break; }
      const tStep = performance.now();
      const shift = s.tileShift && tileCount(plan) > 1;
      const oy = randInt(rand, -s.jitter, s.jitter) + (shift ? randInt(rand, 0, s.tileSize - 1) : 0);
      const ox = randInt(rand, -s.jitter, s.jitter) + (shift ? randInt(rand, 0, s.tileSize - 1) : 0);
      const obj = await gradientOf(src, plan, grads, oy, ox, grad, control);
      if (obj === undefined) { cancelled = true; break; } // cancelled mid-step: src is still the last full frame
      const scale = s.step / (meanAbs(grad.data) + 1e-8);
      const plane = h * w;
      for (let c = 0; c < src.c; c++) {
        const f = scale * (s.stepUnit?.[c] ?? 1);
        for (let i = c * plane, end = (c + 1) * plane; i < end; i++) src.data[i] += f * grad.data[i];
      }
      clipChannels(src, lo, hi);
      stepsDone++;
      rep.stepMs.push(performance.now() - tStep);
      if (it === 0) rep.objectiveFirst = obj;
      rep.objectiveLast = obj;
      doneWork += work[k] / s.iterations;
      const elapsedMs = performance.now() - t0;
      const fraction = doneWork / totalWork;
      hooks.onProgress?.({ octave: k, octaves: sizes.length, iteration: it, iterations: s.iterations, fraction, elapsedMs, etaMs: (elapsedMs / fraction) * (1 - fraction), objective: obj });
      if (hooks.onPreview && performance.now() - lastPreview >= previewEvery) {
        lastPreview = performance.now();
        hooks.onPreview(fromPlanar(thumbnail(src, hooks.previewMaxSide ?? 512), space));
      }
      if (hooks.onFullFrame && (hooks.wantsFullFrame?.() ?? true)) hooks.onFullFrame(fullFrame(src, base, photo, space, lo, hi), { octave: k, iteration: it + 1, seed: s.seed });
    }
    rep.ms = performance.now() - ts;
    if (k < sizes.length - 1) {
      // detail = dreamed − base, carried to the next octave (or to full size for a cancelled run's frame)
      subtractPhoto(src, base, space);
      detail = src;
      src = undefined;
    }
  }

  let result: Planar;
  if (src) {
    result = src;
  } else {
    // Cancelled before the last octave finished: the last full frame is the photo plus the detail so far.
    result = toPlanar(photo, space);
    if (detail) {
      const up = resizeBilinear(detail, full.h, full.w);
      for (let i = 0; i < result.data.length; i++) result.data[i] += up.data[i];
      clipChannels(result, lo, hi);
    }
  }
  let objectiveAfter: number | undefined;
  if (measure) {
    const tm = performance.now();
    objectiveAfter = await gradientOf(result, planFor(full.h, full.w, s), grads, 0, 0, undefined);
    measureMs += performance.now() - tm;
  }
  return { status: cancelled ? 'cancelled' : 'done', image: fromPlanar(result, space), octaves: reports, objectiveBefore, objectiveAfter, measureMs, totalMs: performance.now() - t0, stepsDone };
}

/**
 * Why `at` cannot resume a run of these settings (undefined: it can). The recipe asks before choosing to resume
 * at a checkpoint's position (else it dreams on from the frame); the loop refuses what does not fit.
 */
export function startProblem(at: LoopPosition, s: { octaves: number; iterations: number; seed?: number }): string | undefined {
  const { octave, iteration, seed } = at;
  if (!Number.isInteger(octave) || octave < 0 || octave >= s.octaves) return `octave ${octave} is not one of this run's ${s.octaves}`;
  if (!Number.isInteger(iteration) || iteration < 0 || iteration > s.iterations) return `step ${iteration} is not in 0..${s.iterations}`;
  if (s.seed !== undefined && seed !== s.seed) return `the run was seeded ${seed}, these settings ${s.seed}`;
  return undefined;
}

function checkStart(start: LoopStart, photo: Rgb, s: LoopSettings): void {
  const problem = startProblem(start.at, s);
  if (problem) throw new Error(`resume: ${problem}`);
  if (start.frame.width !== photo.width || start.frame.height !== photo.height) throw new Error(`resume: the frame is ${start.frame.width}×${start.frame.height}, the photo ${photo.width}×${photo.height}`);
}

/** The state at the photo's size: `src` itself at full size, else the photo plus (src − base) enlarged, as a cancelled run keeps it. */
function fullFrame(src: Planar, base: Rgb, photo: Rgb, space: PixelSpace, lo: readonly number[], hi: readonly number[]): Rgb {
  if (src.h === photo.height && src.w === photo.width) return fromPlanar(src, space);
  const detail = planar(src.c, src.h, src.w, Float32Array.from(src.data));
  subtractPhoto(detail, base, space);
  const up = resizeBilinear(detail, photo.height, photo.width);
  const out = toPlanar(photo, space);
  for (let i = 0; i < out.data.length; i++) out.data[i] += up.data[i];
  clipChannels(out, lo, hi);
  return fromPlanar(out, space);
}

/**
 * Gradient of the image rolled by (oy, ox), rolled back into `grad`; returns the mean objective over
 * tiles, or undefined when cancelled between tiles. With no `grad`, only the objective is wanted.
 */
async function gradientOf(img: Planar, plan: TilePlan, grads: GradientSource, oy: number, ox: number, grad: Planar | undefined, control?: Pick<PauseGate, 'checkpoint'>): Promise<number | undefined> {
  // One buffer pair per tile shape (onnxruntime gets whole arrays, never views).
  const bufs = new Map<number, { tile: Float32Array; grad: Float32Array }>();
  let sum = 0, count = 0;
  for (const row of plan.rows) {
    for (const col of plan.cols) {
      if (control && count > 0 && (await control.checkpoint())) return undefined;
      const m = img.c * row.size * col.size;
      let b = bufs.get(m);
      if (!b) bufs.set(m, (b = { tile: new Float32Array(m), grad: new Float32Array(m) }));
      const { tile, grad: tileGrad } = b;
      readTile(img, row, col, oy, ox, tile);
      const run = await grads.forShape(row.size, col.size, plan.rows.length * plan.cols.length > 1);
      sum += await run(tile, tileGrad);
      count++;
      if (grad) writeTileCore(grad, row, col, oy, ox, tileGrad);
    }
  }
  return sum / count;
}

function validate(s: LoopSettings): void {
  const bad = (name: string, why: string) => { throw new Error(`dream setting ${name}: ${why}`); };
  if (!Number.isInteger(s.octaves) || s.octaves < 1 || s.octaves > 12) bad('octaves', `must be an integer 1..12, got ${s.octaves}`);
  if (!(s.octaveScale > 1 && s.octaveScale <= 4)) bad('octaveScale', `must be in (1, 4], got ${s.octaveScale}`);
  if (!Number.isInteger(s.iterations) || s.iterations < 1 || s.iterations > 1000) bad('iterations', `must be an integer 1..1000, got ${s.iterations}`);
  if (!(s.step > 0 && s.step < 1000)) bad('step', `must be > 0, got ${s.step}`);
  if (!Number.isInteger(s.jitter) || s.jitter < 0) bad('jitter', `must be a whole number of pixels ≥ 0, got ${s.jitter}`);
  if (!Number.isInteger(s.tileSize) || s.tileSize < 16) bad('tileSize', `must be an integer ≥ 16, got ${s.tileSize}`);
  if (!Number.isInteger(s.tileMargin) || s.tileMargin < 0) bad('tileMargin', `must be an integer ≥ 0, got ${s.tileMargin}`);
}
