// Host-side handle on the compute worker: typed request/response over postMessage.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineStatus } from '../../../shared/contract';
import type { ComputeRequest, ComputeResults, FromWorker, ModelRef } from './compute-protocol';

/**
 * Start the worker. From TypeScript sources (tests, tsx, the bridge) the worker registers tsx itself;
 * from a bundle, the built `compute-worker.js` sits next to this file. FEATURESCOPE_COMPUTE_WORKER overrides.
 */
function startWorker(): Worker {
  const override = process.env.FEATURESCOPE_COMPUTE_WORKER;
  if (override) return new Worker(override);
  const ts = path.join(__dirname, 'compute-worker.ts');
  if (fs.existsSync(ts)) {
    return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(ts)});`, { eval: true });
  }
  return new Worker(path.join(__dirname, 'compute-worker.js'));
}

/** A model as the host names it: like ModelRef, but embedded bytes can be fetched lazily. */
export type ModelSource = Omit<ModelRef, 'bytes'> & { bytes?: Uint8Array | (() => Uint8Array) };

export class ComputeError extends Error {
  constructor(message: string, public code?: string) {
    super(message);
    this.name = 'ComputeError';
  }
}

export class Compute {
  private worker!: Worker;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** shas whose bytes the worker already holds (embedded models are sent once) */
  private sent = new Set<string>();
  private setting: Extract<ComputeRequest, { op: 'setProvider' }>['setting'] = 'auto';
  private stopping = false;
  onStatus?: (s: EngineStatus) => void;

  constructor() {
    this.spawn();
  }

  /**
   * Start (or restart) the worker. A crash inside onnxruntime takes only the worker down: pending
   * requests fail with a clear error and the next request gets a fresh worker with the same provider.
   */
  private spawn(): void {
    const w = startWorker();
    this.worker = w;
    this.sent.clear();
    w.on('message', (m: FromWorker) => {
      if ('event' in m) {
        this.onStatus?.(m.status);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new ComputeError(m.error.message, m.error.code));
    });
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new ComputeError(`the compute worker stopped (${why}); try again`, 'worker-crashed'));
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

  private call<K extends ComputeRequest['op']>(req: Extract<ComputeRequest, { op: K }>, transfer: ArrayBuffer[] = []): Promise<ComputeResults[K]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  /**
   * Send bytes only when the worker does not hold the model yet (and once more if it forgot them after
   * a restart). `bytes` may be a function so embedded weights are read from the project only when needed.
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
      if ((e as ComputeError).code === 'need-model' && ref.bytes && !first.bytes) {
        const r = await f(full());
        this.sent.add(ref.sha);
        return r;
      }
      throw e;
    }
  }

  status() { return this.call({ op: 'status' }); }
  setProvider(setting: Extract<ComputeRequest, { op: 'setProvider' }>['setting']) {
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

  async terminate(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}
