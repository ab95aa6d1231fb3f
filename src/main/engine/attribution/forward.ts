// Forward-only passes of the unchanged model at a fixed batch size, fetching whichever tensor a target
// reads. Occlusion, top-1 resolution and IG's f(baseline) all go through here. Sessions are cached per
// (batch size, fetched tensor) so a second run of the same method costs no session creation.
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../../shared/contract';
import { compileGradient } from '../autodiff/index';
import { encodeModel, type Model } from '../onnx/model';
import { keepOutputs } from './prune';
import type { AttributionSessions } from './sessions';
import type { ResolvedTarget } from './types';

export interface Timing {
  prepareMs: number;
  runMs: number;
  passes: number;
  /** the providers the sessions that ran were on */
  providers: Set<ExecutionProviderName>;
  /** called after every batch; throwing from it stops the attribution (how jobs cancel) */
  tick?: () => void;
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

/** A forward session and the name its graph gives the fetched tensor. */
interface ForwardSession {
  session: ort.InferenceSession;
  output: string;
  /** false when the model runs as it is (the compiler could not take it) */
  compiled: boolean;
}

export class ForwardRunner {
  private cache = new Map<string, Promise<ForwardSession>>();

  constructor(
    private readonly model: Model,
    private readonly inputName: string,
    /** [C, H, W] */
    private readonly chw: readonly [number, number, number],
    private readonly label: string,
    private readonly sessions: AttributionSessions,
  ) {}

  private session(batch: number, fetch: string, timing: Timing): Promise<ForwardSession> {
    const key = `${batch}|${fetch}`;
    let s = this.cache.get(key);
    if (s) {
      this.cache.delete(key);
      this.cache.set(key, s);
    } else {
      const t0 = performance.now();
      s = (async () => {
        const { bytes, output, compiled } = await this.forwardGraph(batch, fetch);
        const session = await this.sessions.create(bytes);
        timing.prepareMs += performance.now() - t0;
        return { session, output, compiled };
      })();
      s.catch(() => this.cache.delete(key));
      this.cache.set(key, s);
      // forward sessions are small next to gradient ones, but each batch size and fetched layer is one more
      while (this.cache.size > 4) {
        const [oldKey, old] = this.cache.entries().next().value as [string, Promise<ForwardSession>];
        this.cache.delete(oldKey);
        void old.then((x) => x.session.release(), () => undefined);
      }
    }
    return s;
  }

  /**
   * The graph to run: the forward part of what the gradient compiler emits, cut after `fetch`. It is the
   * same function as the source model, but LRN is rewritten as 1×1 convolutions (onnxruntime's LRN
   * kernel is slow: GoogLeNet's forward takes about half the time) and nothing after `fetch` runs
   * (onnxruntime runs the whole graph whatever is fetched). Models the compiler cannot take (ops it has
   * no rule for) run as they are.
   */
  private async forwardGraph(batch: number, fetch: string): Promise<{ bytes: Uint8Array; output: string; compiled: boolean }> {
    const plain = this.specialized(batch, fetch);
    if (fetch === this.inputName) return { bytes: plain, output: fetch, compiled: false };
    try {
      const g = await compileGradient(this.model, {
        input: this.inputName, shape: [batch, ...this.chw], objective: { kind: 'l2', layer: fetch }, activations: [fetch], label: this.label,
      });
      const output = g.outputs.activations[fetch]!;
      const m = keepOutputs(g.model, [output]);
      const read = new Set(m.graph.nodes.flatMap((n) => n.inputs));
      return { bytes: encodeModel({ ...m, graph: { ...m.graph, inputs: m.graph.inputs.filter((i) => read.has(i.name)) } }), output, compiled: true };
    } catch {
      return { bytes: plain, output: fetch, compiled: false };
    }
  }

  /** Whether the forward for (batch, fetch) runs the compiler's rewritten graph (for tests and benchmarks). */
  async isCompiled(batch: number, fetch: string): Promise<boolean> {
    return (await this.session(batch, fetch, newTiming())).compiled;
  }

  /** A shallow copy whose input has the concrete batch shape and whose outputs include `fetch`. */
  private specialized(batch: number, fetch: string): Uint8Array {
    const g = this.model.graph;
    if (!g.nodes.some((n) => n.outputs.includes(fetch)) && fetch !== this.inputName) {
      throw new Error(`${this.label}: no tensor named "${fetch}" in the model`);
    }
    const inputs = g.inputs.map((i) => (i.name === this.inputName ? { ...i, shape: [batch, ...this.chw] } : i));
    const outputs = g.outputs.some((o) => o.name === fetch) ? g.outputs.filter((o) => o.name === fetch) : [{ name: fetch, dtype: 'float32' as const }];
    return encodeModel({ ...this.model, graph: { ...g, inputs, outputs } });
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
    const { session: sess, output } = await this.session(B, fetch, timing);
    timing.providers.add(this.sessions.provider(sess));
    const per = this.chw[0] * this.chw[1] * this.chw[2];
    const buf = new Float32Array(B * per);
    for (let start = 0; start < count; start += B) {
      const n = Math.min(B, count - start);
      for (let j = 0; j < B; j++) fill(start + Math.min(j, n - 1), buf.subarray(j * per, (j + 1) * per));
      const t0 = performance.now();
      const out = await sess.run({ [this.inputName]: new ort.Tensor('float32', buf, [B, ...this.chw]) }, [output]);
      timing.runMs += performance.now() - t0;
      timing.passes += B;
      timing.tick?.();
      const t = out[output]!;
      take(start, n, t.data as Float32Array, t.dims);
    }
  }

  /** The target's value on each image. */
  async scores(images: Float32Array[], target: ResolvedTarget, logits: string | undefined, batchSize: number, timing: Timing): Promise<number[]> {
    const fetch = targetTensor(target, logits, this.label);
    const res = new Array<number>(images.length);
    await this.runBatches(images.length, batchSize, fetch, (i, dst) => dst.set(images[i]!), (start, n, data, dims) => {
      for (let j = 0; j < n; j++) res[start + j] = scoreOf(target, data, dims, j, this.label);
    }, timing);
    return res;
  }

  /** One image's whole output row of `fetch` (the logits, for top-1). */
  async fetchOne(image: Float32Array, fetch: string, timing: Timing): Promise<{ data: Float32Array; dims: readonly number[] }> {
    let row = { data: new Float32Array(), dims: [] as readonly number[] };
    await this.runBatches(1, 1, fetch, (_, dst) => dst.set(image), (_s, _n, data, dims) => { row = { data: Float32Array.from(data), dims: [...dims] }; }, timing);
    return row;
  }

  async release(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const s of all) await s.then((x) => x.session.release(), () => undefined);
  }
}
