// The attack loop: PGD (iterative gradient sign in an L∞ ε-box, Madry et al.) and CS231n's fooling loop
// (unconstrained L2-normalized gradient ascent until the target is top-1), on a photo's pixels in 0..255
// — the model sees them through its own preprocessing (the one affine map of src/shared/pixels.ts), so ε
// and the step mean pixel levels on every model. Pure TypeScript on typed arrays: the model and its
// gradient come through `evaluate`, so the loop is the same for the engine worker, the CLI and tests.
//
// [Note: lagged direction] The objective is a direction over the logits (one-hot, or a difference of two
// one-hots for the margin) fed to one compiled gradient session. Which runner-up class the margin names
// depends on the logits at the current image, which only the run at that image returns; choosing it from
// the previous image's logits (the original's for the first step) costs one run per step instead of two.
// The runner-up rarely changes between two steps of ≤ 1 pixel level.
import type { PixelSpace } from '../../../shared/pixels';
import { affine } from '../../../shared/pixels';
import { seededRandom } from '../../../shared/random';
import type { AdversarialRunSettings } from '../../../shared/jobs/adversarial';
import { toProbabilities } from '../runtime/classify';

/** Pixels as the attack holds them: planar RGB (plane 0 = R), [3, H, W], 0..255. */
export interface PixelImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Evaluation {
  /** the class scores at this image (a copy the loop may keep) */
  logits: Float32Array;
  /** d (direction · logits) / d model input, [1, 3, H, W] in the model's channel order */
  grad: Float32Array;
}

/**
 * One model run: the model input (NCHW, the model's own values) and the direction over the logits to
 * differentiate; without one only the scores are wanted (the gradient may be anything).
 */
export type Evaluate = (modelInput: Float32Array, direction?: Float32Array) => Promise<Evaluation>;

export interface StepInfo {
  /** which attack of a min-ε search (0-based) and how many there will be at most */
  attack: number;
  attacks: number;
  eps: number;
  step: number;
  steps: number;
  /** the image the model just saw (lazy: only built when asked for) */
  image: () => PixelImage;
  targetProbability: number;
  fooled: boolean;
}

export interface AttackInput {
  /** the photo at the model's size: the ε-box is around it, and "before" means it */
  original: PixelImage;
  /** where the optimization starts (default: the original), e.g. an earlier run's result */
  start?: PixelImage;
  space: PixelSpace;
  settings: AdversarialRunSettings;
  evaluate: Evaluate;
  /** resolves true once the attack should stop (cancel); may wait while paused */
  checkpoint?: () => Promise<boolean>;
  onStep?: (s: StepInfo) => void;
}

export interface CurvePoint {
  step: number;
  /** softmax confidence of the target (untargeted: of the strongest class other than the original) */
  target: number;
  original: number;
  top1: number;
}

export interface AttackRun {
  eps: number;
  /** the kept image as the model saw it (whole levels in 8-bit space) and its scores */
  image: PixelImage;
  logits: Float32Array;
  fooled: boolean;
  fooledAtStep?: number;
  /** the step whose image is kept: the one with the largest margin (PGD's iterates oscillate) */
  keptStep: number;
  stepsDone: number;
  curve: CurvePoint[];
  cancelled: boolean;
}

export interface AttackOutcome {
  /** the kept attack: the only one, or the smallest ε of a search that fooled (else the last) */
  kept: AttackRun;
  originalLogits: Float32Array;
  originalClass: number;
  /** the class climbed toward; undefined for 'any' */
  target?: number;
  /** every attack of a min-ε search, in order */
  search?: { runs: { eps: number; fooled: boolean; stepsDone: number }[]; found?: number };
  /** the step actually used (8-bit PGD rounds it to whole levels, at least 1) */
  stepSizeUsed: number;
  runs: number;
  runMs: number;
  cancelled: boolean;
}

export class AttackError extends Error {
  override name = 'AttackError';
}

/** The pixel ↔ model-input maps of one preprocessing (NCHW, 3 channels). */
export class PixelMap {
  private readonly a: ReturnType<typeof affine>;
  constructor(space: PixelSpace, readonly width: number, readonly height: number) {
    this.a = affine(space);
  }

  /** pixels (planar RGB) → the model's input values, model channel order */
  toModel(x: Float32Array, out = new Float32Array(x.length)): Float32Array {
    const hw = this.width * this.height;
    const { scale, offset, source } = this.a;
    for (let c = 0; c < 3; c++) {
      const s = scale[c]!, o = offset[c]!, from = source[c]! * hw, to = c * hw;
      for (let i = 0; i < hw; i++) out[to + i] = x[from + i]! * s + o;
    }
    return out;
  }

  /** d/d model input → d/d pixels (the chain rule through the affine map) */
  toPixelGrad(g: Float32Array, out = new Float32Array(g.length)): Float32Array {
    const hw = this.width * this.height;
    const { scale, source } = this.a;
    for (let c = 0; c < 3; c++) {
      const s = scale[c]!, from = c * hw, to = source[c]! * hw;
      for (let i = 0; i < hw; i++) out[to + i] = g[from + i]! * s;
    }
    return out;
  }
}

/** The index of the largest value, `skip` left out. */
export function argmax(v: ArrayLike<number>, skip = -1): number {
  let best = -1;
  for (let i = 0; i < v.length; i++) if (i !== skip && (best < 0 || v[i]! > v[best]!)) best = i;
  return best;
}

/** The change from `a` to `b` in pixel levels. */
export function change(a: Float32Array, b: Float32Array): { linf: number; l2: number } {
  let linf = 0, ss = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b[i]! - a[i]!;
    linf = Math.max(linf, Math.abs(d));
    ss += d * d;
  }
  return { linf, l2: Math.sqrt(ss) };
}

/**
 * Runs the attack(s) the settings ask for: one PGD or fooling run, or with `minEps` a bisection of ε in
 * (0, eps]: a PGD run at eps, then `searchRuns` more, each halving the interval between the largest ε
 * that did not fool and the smallest that did (whole levels in 8-bit space).
 */
export async function attack(i: AttackInput): Promise<AttackOutcome> {
  const s = i.settings;
  const { width, height } = i.original;
  const n = 3 * width * height;
  for (const [name, img] of [['original', i.original], ['start', i.start]] as const) {
    if (img && (img.data.length !== n || img.width !== width || img.height !== height)) throw new AttackError(`the ${name} image is not ${width}×${height}×3`);
  }
  const map = new PixelMap(i.space, width, height);
  const stats = { runs: 0, runMs: 0 };
  const evaluate = async (x: Float32Array, d?: Float32Array): Promise<Evaluation> => {
    const t0 = performance.now();
    const r = await i.evaluate(map.toModel(x), d);
    stats.runMs += performance.now() - t0;
    stats.runs++;
    return r;
  };

  // the original's scores: top-5 before, the original class, the first step's direction
  const first = await evaluate(i.original.data);
  const originalLogits = first.logits;
  const classes = originalLogits.length;
  const originalClass = argmax(originalLogits);
  const target = s.target === 'any' ? undefined : s.target;
  if (target !== undefined && target >= classes) throw new AttackError(`target: class ${target} is out of range: the model has ${classes} classes (0–${classes - 1})`);
  if (target !== undefined && target === originalClass) {
    throw new AttackError(`target: the photo is already classified as ${s.targetLabel ? `"${s.targetLabel}" ` : ''}(class ${target}); pick another class or "any"`);
  }
  const eightBit = s.space === '8bit';
  const stepSizeUsed = eightBit && s.method === 'pgd' ? Math.max(1, Math.round(s.stepSize)) : s.stepSize;
  const attacks = s.method === 'pgd' && s.minEps ? 1 + s.searchRuns : 1;

  const once = (eps: number, index: number) => runOne({
    input: i, map, evaluate, eps, attack: index, attacks, originalLogits, originalClass, target, stepSize: stepSizeUsed, classes,
  });

  let kept = await once(s.eps, 0);
  let search: AttackOutcome['search'];
  if (attacks > 1) {
    search = { runs: [{ eps: kept.eps, fooled: kept.fooled, stepsDone: kept.stepsDone }] };
    if (kept.fooled) {
      let lo = 0, hi = s.eps;
      for (let k = 1; k < attacks && !kept.cancelled; k++) {
        const mid = eightBit ? Math.floor((lo + hi) / 2) : (lo + hi) / 2;
        // whole levels: nothing left between lo and hi
        if (eightBit && (mid <= lo || mid < 1)) break;
        const r = await once(mid, k);
        search.runs.push({ eps: r.eps, fooled: r.fooled, stepsDone: r.stepsDone });
        if (r.cancelled) break;
        if (r.fooled) { hi = mid; kept = r; } else lo = mid;
      }
      search.found = hi;
    }
  }
  return {
    kept, originalLogits, originalClass, ...(target !== undefined ? { target } : {}), ...(search ? { search } : {}),
    stepSizeUsed, runs: stats.runs, runMs: stats.runMs, cancelled: kept.cancelled,
  };
}

interface OneInput {
  input: AttackInput;
  map: PixelMap;
  evaluate: (x: Float32Array, d?: Float32Array) => Promise<Evaluation>;
  eps: number;
  attack: number;
  attacks: number;
  originalLogits: Float32Array;
  originalClass: number;
  target: number | undefined;
  stepSize: number;
  classes: number;
}

/** One PGD or fooling run at budget `eps`: evaluate, record, step — until the steps are done (or, fooling, the model is). */
async function runOne(o: OneInput): Promise<AttackRun> {
  const { input: i, map, target, originalClass: orig, classes } = o;
  const s = i.settings;
  const x0 = i.original.data;
  const n = x0.length;
  const pgd = s.method === 'pgd';
  const eightBit = s.space === '8bit';
  // the box every iterate stays in: [0, 255], and for PGD the ε-box around the original
  const lo = new Float32Array(n), hi = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    lo[k] = pgd ? Math.max(0, x0[k]! - o.eps) : 0;
    hi[k] = pgd ? Math.min(255, x0[k]! + o.eps) : 255;
    // whole levels inside the box (the original's own levels are whole, so it always holds one)
    if (eightBit) { lo[k] = Math.ceil(lo[k]!); hi[k] = Math.floor(hi[k]!); }
  }
  // the iterate: in 8-bit space a float accumulator whose rounding the model sees, so steps under one
  // level still add up; in float space what the model sees
  const x = Float32Array.from((i.start ?? i.original).data);
  if (pgd && s.randomStart) {
    const rand = seededRandom(s.seed + o.attack);
    for (let k = 0; k < n; k++) x[k] = x[k]! + (2 * rand() - 1) * o.eps;
  }
  const seen = new Float32Array(n);
  const view = () => {
    for (let k = 0; k < n; k++) {
      const v = eightBit ? Math.round(x[k]!) : x[k]!;
      seen[k] = v < lo[k]! ? lo[k]! : v > hi[k]! ? hi[k]! : v;
    }
  };
  const clampX = () => {
    for (let k = 0; k < n; k++) x[k] = x[k]! < lo[k]! ? lo[k]! : x[k]! > hi[k]! ? hi[k]! : x[k]!;
  };
  clampX();

  // > 0 exactly when the model is fooled: the target over the strongest other class (untargeted: the
  // strongest other class over the original), whatever loss the steps climb
  const margin = (l: ArrayLike<number>) => (target !== undefined ? l[target]! - l[argmax(l, target)]! : l[argmax(l, orig)]! - l[orig]!);
  const isFooled = (logits: ArrayLike<number>) => (target !== undefined ? argmax(logits) === target : argmax(logits) !== orig);
  const direction = (logits: ArrayLike<number>): Float32Array => {
    const d = new Float32Array(classes);
    if (target !== undefined) {
      d[target] = 1;
      if (s.loss === 'margin') d[argmax(logits, target)]! -= 1;
    } else {
      d[orig] = -1;
      if (s.loss === 'margin') d[argmax(logits, orig)]! += 1;
    }
    return d;
  };

  const curve: CurvePoint[] = [];
  const g = new Float32Array(n);
  let prev: Float32Array = o.originalLogits; // [Note: lagged direction]
  let last: { image: Float32Array; logits: Float32Array } | undefined;
  let best: { image: Float32Array; logits: Float32Array; step: number; margin: number } | undefined;
  let fooledAtStep: number | undefined;
  let cancelled = false;
  let step = 0;
  for (; ; step++) {
    if (i.checkpoint && (await i.checkpoint())) { cancelled = true; break; }
    view();
    const r = await o.evaluate(seen, direction(prev));
    const probs = toProbabilities(r.logits).probs;
    const top1 = argmax(r.logits);
    const fooled = isFooled(r.logits);
    if (fooled && fooledAtStep === undefined) fooledAtStep = step;
    const t = target ?? argmax(r.logits, orig);
    curve.push({ step, target: probs[t]!, original: probs[orig]!, top1 });
    last = { image: Float32Array.from(seen), logits: r.logits };
    const m = margin(r.logits);
    if (!best || m > best.margin) best = { ...last, step, margin: m };
    const { width, height } = i.original;
    i.onStep?.({ attack: o.attack, attacks: o.attacks, eps: o.eps, step, steps: s.steps, image: () => ({ width, height, data: last!.image }), targetProbability: probs[t]!, fooled });
    if (step >= s.steps || (!pgd && fooled)) break;
    map.toPixelGrad(r.grad, g);
    if (pgd) {
      for (let k = 0; k < n; k++) x[k] = x[k]! + o.stepSize * Math.sign(g[k]!);
    } else {
      let ss = 0;
      for (let k = 0; k < n; k++) ss += g[k]! * g[k]!;
      const norm = Math.sqrt(ss);
      if (norm === 0 || !Number.isFinite(norm)) throw new AttackError(`the gradient of the class score is ${norm === 0 ? 'zero' : 'not finite'} at step ${step}: the model gives fooling no direction to go`);
      const k0 = o.stepSize / norm;
      for (let k = 0; k < n; k++) x[k] = x[k]! + k0 * g[k]!;
    }
    clampX();
    prev = r.logits;
  }
  if (!best) {
    // cancelled before the first look: the start, unscored
    view();
    return { eps: o.eps, image: { ...i.original, data: Float32Array.from(seen) }, logits: o.originalLogits, fooled: false, keptStep: 0, stepsDone: 0, curve, cancelled: true };
  }
  return {
    eps: o.eps, image: { width: i.original.width, height: i.original.height, data: best.image }, logits: best.logits,
    fooled: isFooled(best.logits), ...(fooledAtStep !== undefined ? { fooledAtStep } : {}), keptStep: best.step,
    stepsDone: Math.max(0, curve.length - 1), curve, cancelled,
  };
}
