// Forward-only passes at a fixed batch size, fetching whichever tensor a target reads: occlusion, top-1
// resolution and IG's f(baseline) all go through here; and what every attribution run shares (timing,
// the run context: the gradient runtime its sessions come from).
import type { ExecutionProviderName } from '../../../shared/contract';
import type { ForwardSession, GradientRuntime, RuntimeModel } from '../gradients/index';
import type { SessionPlacement } from '../runtime/sessions';
import type { ResolvedTarget } from './types';

export interface Timing {
  prepareMs: number;
  runMs: number;
  passes: number;
  /** the providers the sessions that ran were on */
  providers: Set<ExecutionProviderName>;
  /** called after every batch; throwing from it stops the attribution (how jobs cancel) */
  /** after every batch: progress, and the job's checkpoint (it may wait while paused, or throw to cancel) */
  tick?: () => void | Promise<void>;
}
export const newTiming = (): Timing => ({ prepareMs: 0, runMs: 0, passes: 0, providers: new Set() });

/** The tensor a target is read from. */
export function targetTensor(t: ResolvedTarget, logits: string | undefined, label: string): string {
  if (t.kind === 'class') {
    if (!logits) throw new Error(`${label}: a class target needs a classifier output, and the model has none`);
    return logits;
  }
  return t.layer;
}

/**
 * The target's value for item b of a fetched tensor. These definitions match the gradient objectives
 * (class logit, channel spatial mean, single neuron) so f(x) here equals perItem there.
 */
export function scoreOf(t: ResolvedTarget, data: Float32Array, dims: readonly number[], b: number, label: string): number {
  const per = data.length / dims[0]!;
  const base = b * per;
  if (t.kind === 'class') {
    if (t.index >= per) throw new Error(`${label}: class ${t.index} is out of range (the classifier has ${per} outputs)`);
    return data[base + t.index]!;
  }
  if (dims.length !== 4) throw new Error(`${label}: layer "${t.layer}" has shape [${dims.join(',')}]; channel and neuron targets need a [N,C,H,W] layer`);
  const [, c, h, w] = dims as [number, number, number, number];
  if (t.channel >= c) throw new Error(`${label}: layer "${t.layer}" has ${c} channels; channel ${t.channel} does not exist`);
  if (t.kind === 'channel') {
    let s = 0;
    const off = base + t.channel * h * w;
    for (let i = 0; i < h * w; i++) s += data[off + i]!;
    return s / (h * w);
  }
  if (t.y >= h || t.x >= w) throw new Error(`${label}: neuron (${t.y}, ${t.x}) is outside layer "${t.layer}" of size ${h}×${w}`);
  return data[base + t.channel * h * w + t.y * w + t.x]!;
}

/** The smallest batch size that needs as few batches as `batchSize` would. */
export function balancedBatch(count: number, batchSize: number): number {
  const batches = Math.ceil(count / Math.max(1, batchSize));
  return Math.max(1, Math.ceil(count / batches));
}

/**
 * For gradient runs, whose cost per image hardly changes with the batch size (measured on GoogLeNet:
 * ~flat from 1 to 32) while memory grows with it: the batch size in [max(2, ⌈max/2⌉), max] that pads least
 * (25 samples at 8 → 5 batches of 5, not 4 of 7 with 3 thrown away); ties go to the larger batch.
 */
export function leastPaddingBatch(count: number, batchSize: number): number {
  const max = Math.max(1, Math.min(batchSize, count));
  let best = max, bestTotal = Math.ceil(count / max) * max;
  for (let b = max - 1; b >= Math.max(2, Math.ceil(max / 2)); b--) {
    const total = Math.ceil(count / b) * b;
    if (total < bestTotal) { best = b; bestTotal = total; }
  }
  return best;
}

/**
 * What an attributor's runners share: the gradient runtime their sessions come from (and are cached in),
 * the model under its cache key, the input, and what to do with each session taken — its provider goes
 * into the run's timing, its compile and creation time too when it was made now, its fallback reason to the
 * attributor.
 */
export interface RunContext {
  runtime: GradientRuntime;
  model: RuntimeModel;
  inputName: string;
  /** [C, H, W] */
  chw: readonly [number, number, number];
  label: string;
  placement: SessionPlacement;
  took(s: { provider: ExecutionProviderName; fallbackReason?: string; fresh: boolean; prepareMs: number }, timing: Timing): void;
}

export function runContext(o: Omit<RunContext, 'took' | 'placement'> & { placement?: SessionPlacement; onFallback?: (reason: string) => void }): RunContext {
  return {
    ...o,
    placement: o.placement ?? o.runtime.placement(),
    took: (s, timing) => {
      timing.providers.add(s.provider);
      if (s.fresh) timing.prepareMs += s.prepareMs;
      if (s.fallbackReason) o.onFallback?.(s.fallbackReason);
    },
  };
}

/**
 * Forward-only passes at a fixed batch size, fetching whichever tensor a target reads, through the
 * runtime's forward sessions: the compiler's rewritten forward (LRN as 1×1 convs) cut after the fetched
 * tensor, or the model as it is when the compiler cannot take it. Cached per (batch size, fetched tensor),
 * so a second run of the same method costs no session creation.
 */
export class ForwardRunner {
  constructor(private readonly ctx: RunContext) {}

  private session(batch: number, fetch: string): Promise<ForwardSession> {
    const { runtime, model, inputName, chw, placement, label } = this.ctx;
    return runtime.forward({ model, input: inputName, shape: [batch, ...chw], fetch: [fetch], placement, label });
  }

  /** Whether the forward for (batch, fetch) runs the compiler's rewritten graph (for tests and benchmarks). */
  async isCompiled(batch: number, fetch: string): Promise<boolean> {
    const s = await this.session(batch, fetch);
    await s.release();
    return s.compiled;
  }

  /**
   * Run `count` images produced by `fill(i, dst)` in batches of `batchSize` and hand each batch's
   * fetched tensor to `take`. The last batch is padded by repeating its final image, so one
   * session (one batch size) serves every batch; the batch size is evened out over the batches
   * (170 images at 16 → 11 batches of 16 with 6 padded, not a last batch of 10 + 6 wasted… same
   * batch count, least padding).
   */
  async runBatches(
    count: number,
    batchSize: number,
    fetch: string,
    fill: (i: number, dst: Float32Array) => void,
    take: (start: number, n: number, data: Float32Array, dims: readonly number[]) => void,
    timing: Timing,
  ): Promise<void> {
    const B = balancedBatch(count, batchSize);
    const sess = await this.session(B, fetch);
    try {
      this.ctx.took(sess, timing);
      const [c, h, w] = this.ctx.chw;
      const per = c * h * w;
      const buf = new Float32Array(B * per);
      for (let start = 0; start < count; start += B) {
        const n = Math.min(B, count - start);
        for (let j = 0; j < B; j++) fill(start + Math.min(j, n - 1), buf.subarray(j * per, (j + 1) * per));
        const t0 = performance.now();
        const t = (await sess.run(buf))[fetch]!;
        timing.runMs += performance.now() - t0;
        timing.passes += B;
        await timing.tick?.();
        take(start, n, t.data, t.dims);
      }
    } finally {
      await sess.release();
    }
  }

  /** The target's value on each image. */
  async scores(images: Float32Array[], target: ResolvedTarget, logits: string | undefined, batchSize: number, timing: Timing): Promise<number[]> {
    const fetch = targetTensor(target, logits, this.ctx.label);
    const res = new Array<number>(images.length);
    await this.runBatches(images.length, batchSize, fetch, (i, dst) => dst.set(images[i]!), (start, n, data, dims) => {
      for (let j = 0; j < n; j++) res[start + j] = scoreOf(target, data, dims, j, this.ctx.label);
    }, timing);
    return res;
  }

  /** One image's whole output row of `fetch` (the logits, for top-1). */
  async fetchOne(image: Float32Array, fetch: string, timing: Timing): Promise<{ data: Float32Array; dims: readonly number[] }> {
    let row = { data: new Float32Array(), dims: [] as readonly number[] };
    await this.runBatches(1, 1, fetch, (_, dst) => dst.set(image), (_s, _n, data, dims) => { row = { data: Float32Array.from(data), dims: [...dims] }; }, timing);
    return row;
  }

}
