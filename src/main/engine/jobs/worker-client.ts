// The host's handle on the one engine worker ([Note: one engine worker] in protocol.ts): typed calls, jobs
// with progress / preview / control, and crash handling — when the worker dies (a crash inside
// onnxruntime, out of memory) every pending call and job fails with the reason and the next request gets
// a fresh worker with the same provider setting. The engine process itself keeps serving.
import { Worker } from 'node:worker_threads';
import { startThread } from '../runtime/threads';
import type { EngineStatus } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { JobProgress } from './control';
import type { CallRequest, CallResults, FromWorker, ModelRef, WireError, WorkerOptions } from './protocol';

/**
 * The one place a worker thread is started. From TypeScript sources (tests, tsx, the bridge) the worker
 * registers tsx itself; from a bundle, `engine-worker.js` sits next to this file. FEATURESCOPE_ENGINE_WORKER overrides.
 */
function startWorker(options: WorkerOptions): Worker {
  const override = process.env.FEATURESCOPE_ENGINE_WORKER;
  if (override) return new Worker(override, { workerData: options });
  return startThread(__dirname, 'engine-worker', options);
}

/** A model as the host names it: like ModelRef, but embedded bytes can be fetched lazily. */
export type ModelSource = Omit<ModelRef, 'bytes'> & { bytes?: Uint8Array | (() => Uint8Array) };

export interface JobHooks {
  progress?(p: JobProgress): void;
  preview?(mime: string, bytes: Uint8Array): void;
  /** the job's full-resolution checkpoint image (lossless) */
  checkpoint?(mime: string, bytes: Uint8Array): void;
  /** a sweep's finished item */
  item?(name: string, mime: string, bytes: Uint8Array): void;
}

export interface WorkerJob {
  pause(): void;
  resume(): void;
  cancel(): void;
  /** the recipe's output; rejects with the recipe's error (code 'cancelled' when it stopped on cancel) or 'worker-crashed' */
  readonly done: Promise<unknown>;
}

const fromWire = (e: WireError) => new EngineError(e.code ?? 'engine-error', e.message);

export class EngineWorker {
  private worker!: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; hooks?: JobHooks }>();
  /** shas whose bytes the worker already holds (embedded models are sent once) */
  private sent = new Set<string>();
  private setting: Extract<CallRequest, { op: 'setProvider' }>['setting'] = 'auto';
  private stopping = false;
  onStatus?: (s: EngineStatus) => void;

  constructor(private readonly options: WorkerOptions = {}) {
    this.spawn();
  }

  private spawn(): void {
    const w = startWorker(this.options);
    this.worker = w;
    this.sent.clear();
    w.on('message', (m: FromWorker) => this.onMessage(m));
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new EngineError('worker-crashed', `the engine worker stopped (${why}); the engine has restarted it`));
      this.pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => {
      if (this.stopping || this.worker !== w) return;
      fail(`exit code ${code}`);
      this.spawn();
      if (this.setting !== 'auto') void this.setProvider(this.setting).catch(() => undefined);
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'status') return this.onStatus?.(m.status);
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress': return p.hooks?.progress?.(m.progress);
      case 'preview': return p.hooks?.preview?.(m.mime, m.bytes);
      case 'checkpoint': return p.hooks?.checkpoint?.(m.mime, m.bytes);
      case 'item': return p.hooks?.item?.(m.name, m.mime, m.bytes);
      case 'answer':
        this.pending.delete(m.id);
        return m.ok ? p.resolve(m.result) : p.reject(fromWire(m.error));
      case 'done':
        this.pending.delete(m.id);
        return p.resolve(m.output);
      case 'failed':
        this.pending.delete(m.id);
        return p.reject(fromWire(m.error));
    }
  }

  private call<K extends CallRequest['op']>(req: Extract<CallRequest, { op: K }>): Promise<CallResults[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type: 'call', id, req });
    });
  }

  /** Runs a recipe's worker half. `transfer` moves big input buffers to the worker instead of copying them. */
  job(kind: string, input: unknown, hooks: JobHooks = {}, o: { transfer?: ArrayBuffer[]; previewEveryMs?: number; checkpointEveryMs?: number } = {}): WorkerJob {
    const id = this.nextId++;
    const w = this.worker;
    const done = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject, hooks }));
    w.postMessage({ type: 'job', id, kind, input, ...(o.previewEveryMs !== undefined ? { previewEveryMs: o.previewEveryMs } : {}), ...(o.checkpointEveryMs !== undefined ? { checkpointEveryMs: o.checkpointEveryMs } : {}) }, o.transfer ?? []);
    const control = (action: 'pause' | 'resume' | 'cancel') => { if (this.pending.has(id) && this.worker === w) w.postMessage({ type: 'control', id, action }); };
    return { pause: () => control('pause'), resume: () => control('resume'), cancel: () => control('cancel'), done };
  }

  /**
   * Send bytes only when the worker does not hold the model yet (and once more if it forgot them after a
   * restart). `bytes` may be a function so embedded weights are read from the project only when needed.
   */
  private async withModel<T>(ref: ModelSource, f: (r: ModelRef) => Promise<T>): Promise<T> {
    const base: ModelRef = { sha: ref.sha, fileName: ref.fileName, ...(ref.path ? { path: ref.path } : {}) };
    const full = (): ModelRef => (ref.bytes ? { ...base, bytes: typeof ref.bytes === 'function' ? ref.bytes() : ref.bytes } : base);
    const first = this.sent.has(ref.sha) ? base : full();
    try {
      const r = await f(first);
      this.sent.add(ref.sha);
      return r;
    } catch (e) {
      if ((e as EngineError).code === 'need-model' && ref.bytes && !first.bytes) {
        const r = await f(full());
        this.sent.add(ref.sha);
        return r;
      }
      throw e;
    }
  }

  status() { return this.call({ op: 'status' }); }
  setProvider(setting: Extract<CallRequest, { op: 'setProvider' }>['setting']) {
    this.setting = setting;
    return this.call({ op: 'setProvider', setting });
  }
  inspect(model: ModelSource, width?: number, height?: number) {
    return this.withModel(model, (m) => this.call({ op: 'inspect', model: m, ...(width ? { width } : {}), ...(height ? { height } : {}) }));
  }
  run(model: ModelSource, input: string, data: Float32Array, dims: number[], fetch: string[]) {
    // not transferred: a retry with bytes may need the data again
    return this.withModel(model, (m) => this.call({ op: 'run', model: m, input, data, dims, fetch }));
  }
  async release(sha: string) {
    this.sent.delete(sha);
    await this.call({ op: 'release', sha });
  }

  /**
   * Stop the worker: asked to exit between two onnxruntime runs (see ToWorker 'stop'), so a job in the
   * middle of a run ends when that run returns; forced after `graceMs` (a run that long may abort the process).
   */
  async terminate(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<boolean>((resolve) => {
      w.once('exit', () => resolve(true));
      timer = setTimeout(() => resolve(false), graceMs);
    });
    w.postMessage({ type: 'stop' });
    const clean = await exited;
    clearTimeout(timer);
    if (!clean) await w.terminate();
  }
}
