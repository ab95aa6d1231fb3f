// The one loop every image optimization runs (Lucent's render_vis as data):
//   params → parameterization → image01 → this step's transforms → evaluate (the model and objective)
//   → gradient back through the transforms' adjoints, plus the regularizers' gradients on image01
//   → the parameterization's backward → optimizer step.
// The loop maximizes Σ_items (objective − Σ weight·penalty); optimizers that descend (L-BFGS, Adam without
// maximize) get the negated value and gradient. control.checkpoint() runs before every optimizer step, so a
// cancel stops the run after at most the step in flight, and a pause waits inside checkpoint().
import { seededRandom } from '../../../shared/random';
import { createParam, type ParamSpec } from './param';
import { drawTransforms, type TransformSpec } from './transforms';
import { createOptimizer, type Closure, type OptimizerSpec } from './optimizers';
import { applyRegularizer, type RegularizerSpec } from './regularizers';
import type { Dims, Evaluate } from './types';

/** the transform draws use their own stream of the seed, so changing the transforms never changes the init noise */
export const TRANSFORM_STREAM = 0x9e3779b9;

export interface RenderSpec {
  param: ParamSpec;
  /** applied in order every evaluation (one draw per evaluation, shared by the batch); [] for none */
  transforms: TransformSpec[];
  optimizer: OptimizerSpec;
  regularizers?: RegularizerSpec[];
  /** optimizer steps (iterations); for L-BFGS without line search one step = one evaluation */
  steps: number;
  size: { h: number; w: number };
  batch: number;
  seed: number;
}

export interface RenderDeps {
  evaluate: Evaluate;
  /** image01 [3, H, W] or [B, 3, H, W], for param init 'photo' and the l2 regularizer around the photo */
  photo?: Float32Array;
  /** a MACO parameterization's magnitude spectrum (see param/maco.ts) */
  magnitude?: Float32Array;
  /** image01 [B, 3, H, W] the parameters start from (its preimage) instead of the param's init: a run resumed from its last frame */
  start?: Float32Array;
  /**
   * with `start`: the steps the interrupted run had done. The loop goes on at the next one, with the random
   * transforms the run would have drawn there (one draw per evaluation: optimizers that evaluate once a step);
   * the optimizer's own state (Adam's moments) starts afresh.
   */
  startStep?: number;
}

export interface StepInfo {
  /** closure calls so far */
  evaluations: number;
  /** weighted penalties per item at the step's last evaluation */
  penalties: number[];
  /** the transforms drawn for that evaluation */
  draw: string;
}

export interface RenderControl {
  /** called before every step; resolves true to stop (a pause waits inside it) */
  checkpoint(): Promise<boolean>;
  /** once, before the first step: the starting image (what a recipe measures "before" on) */
  onStart?(image: Float32Array, dims: Dims): void;
  /** after every step: 1-based step, per-item objectives at its last evaluation, the image after the step */
  onStep?(step: number, objectives: number[], image: () => Float32Array, info: StepInfo): void;
}

export interface RenderResult {
  /** image01 [B, 3, H, W] after the last step */
  image: Float32Array;
  dims: Dims;
  /** the final parameters */
  params: Float32Array;
  /** history[item][k]: the objective at step k + 1's last evaluation (on the transformed image) */
  history: number[][];
  steps: number;
  evaluations: number;
  cancelled: boolean;
  /** set when the optimizer stopped early (converged, budget spent) */
  stopReason?: string;
}

function validate(spec: RenderSpec): void {
  const whole = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!whole(spec.steps, 0)) throw new Error(`render: steps must be a whole number ≥ 0, got ${spec.steps}`);
  if (!whole(spec.batch, 1)) throw new Error(`render: batch must be a whole number ≥ 1, got ${spec.batch}`);
  if (!whole(spec.size.h, 1) || !whole(spec.size.w, 1)) throw new Error(`render: bad size ${spec.size.h}×${spec.size.w}`);
}

export async function render(spec: RenderSpec, deps: RenderDeps, control: RenderControl): Promise<RenderResult> {
  validate(spec);
  const { batch } = spec;
  const dims: Dims = [batch, 3, spec.size.h, spec.size.w];
  // a resumed run starts from its frame; `photo` stays what an l2 around the photo measures from
  const param = deps.start
    ? createParam({ ...spec.param, init: 'photo' }, dims, { rand: seededRandom(spec.seed), photo: deps.start, magnitude: deps.magnitude })
    : createParam(spec.param, dims, { rand: seededRandom(spec.seed), photo: deps.photo, magnitude: deps.magnitude });
  const optimizer = createOptimizer(spec.optimizer, batch);
  const sign = optimizer.maximizes ? 1 : -1;
  const drawRand = seededRandom((spec.seed ^ TRANSFORM_STREAM) >>> 0);
  const regularizers = spec.regularizers ?? [];
  // a bad transform spec (a crop larger than the image, say) fails here, before the model runs; the
  // throwaway generator leaves the run's own draws untouched
  drawTransforms(spec.transforms, dims, seededRandom(0));
  const first = deps.start ? deps.startStep ?? 0 : 0;
  const problem = startStepProblem(first, spec);
  if (problem) throw new Error(`render: ${problem}`);
  for (let k = 0; k < first; k++) drawTransforms(spec.transforms, dims, drawRand);
  let last: { objectives: number[]; penalties: number[]; draw: string } | undefined;

  const closure: Closure = async (x, grad) => {
    const img = param.render(x instanceof Float32Array ? x : Float32Array.from(x));
    const t = drawTransforms(spec.transforms, dims, drawRand);
    const timg = t.forward(img);
    const tgrad = new Float32Array(timg.length);
    const objectives = await deps.evaluate(timg, t.outDims, tgrad);
    if (objectives.length !== batch) throw new Error(`render: evaluate returned ${objectives.length} objectives for a batch of ${batch}`);
    if (!objectives.every(Number.isFinite)) throw new Error(`render: evaluate returned a non-finite objective (${objectives.join(', ')})`);
    const gimg = t.adjoint(tgrad);
    const penalties = new Array<number>(batch).fill(0);
    if (regularizers.length) {
      const pgrad = new Float32Array(img.length);
      for (const r of regularizers) applyRegularizer(r, img, dims, pgrad, deps.photo).forEach((v, b) => (penalties[b] += v));
      for (let i = 0; i < gimg.length; i++) gimg[i] -= pgrad[i];
    }
    for (let i = 0; i < gimg.length; i++) gimg[i] *= sign;
    grad.set(param.backward(gimg));
    last = { objectives, penalties, draw: t.draw };
    let total = 0;
    for (let b = 0; b < batch; b++) total += objectives[b] - penalties[b];
    return sign * total;
  };

  const params = param.params;
  control.onStart?.(param.image(params), dims);
  const history: number[][] = Array.from({ length: batch }, () => []);
  let steps = first;
  let cancelled = false;
  let stopReason: string | undefined;
  for (let k = first; k < spec.steps; k++) {
    if (await control.checkpoint()) { cancelled = true; break; }
    const r = await optimizer.step(params, closure);
    param.project?.(params);
    if (r.evaluations > 0 && last) {
      steps++;
      const { objectives, penalties, draw } = last;
      objectives.forEach((v, b) => history[b].push(v));
      if (control.onStep) {
        const snapshot = params.slice();
        control.onStep(steps, objectives.slice(), () => param.image(snapshot), { evaluations: optimizer.evaluations, penalties, draw });
      }
    }
    if (r.done) { stopReason = r.reason; break; }
  }
  return { image: param.image(params), dims, params, history, steps, evaluations: optimizer.evaluations, cancelled, stopReason };
}

/**
 * Why a run of `spec` cannot go on at step `step` (undefined: it can). The feature-visualization recipe asks
 * before resuming at a checkpoint's step (else it starts over from the frame); render refuses what does not fit.
 */
export function startStepProblem(step: number, spec: Pick<RenderSpec, 'steps' | 'optimizer'>): string | undefined {
  if (!Number.isInteger(step) || step < 0 || step > spec.steps) return `startStep ${step} is not in 0..${spec.steps}`;
  if (step > 0 && spec.optimizer.kind !== 'adam') return `going on at a step needs an optimizer that evaluates once a step (adam), not ${spec.optimizer.kind}`;
  return undefined;
}

/** the objectives of an image as it is (no transforms): Lucent measures the final image this way */
export async function measureObjectives(evaluate: Evaluate, image: Float32Array, dims: Dims): Promise<number[]> {
  return evaluate(image, dims, new Float32Array(image.length));
}

/** a control that never pauses or stops */
export const RUN_TO_END: RenderControl = { checkpoint: async () => false };
