// Host-side handle on the attribution worker. From TypeScript sources the worker registers tsx
// itself; from a bundle, `attribution-worker.js` sits next to the host bundle (or set
// FEATURESCOPE_ATTRIBUTION_WORKER).
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AttributionResult } from './types';
import type { AttributeRequest, FromAttributionWorker, ToAttributionWorker } from './worker-protocol';

function startWorker(): Worker {
  const override = process.env.FEATURESCOPE_ATTRIBUTION_WORKER;
  if (override) return new Worker(override);
  const ts = path.join(__dirname, 'attribution-worker.ts');
  if (fs.existsSync(ts)) return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(ts)});`, { eval: true });
  return new Worker(path.join(__dirname, 'attribution-worker.js'));
}

export class AttributionWorkerError extends Error {
  constructor(message: string, public code?: string) {
    super(message);
    this.name = 'AttributionWorkerError';
  }
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending { resolve: (v: AttributionResult | null) => void; reject: (e: Error) => void; progress?: (f: number) => void }

export class AttributionWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** Started on first use; a crash fails what was pending and the next request gets a fresh worker. */
  private get w(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker();
    w.on('message', (m: FromAttributionWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('progress' in m) { p.progress?.(m.progress); return; }
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(new AttributionWorkerError(m.error.message, m.error.code));
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new AttributionWorkerError(`the attribution worker stopped (${why})`, 'worker-crashed'));
      this.pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    w.unref();
    this.worker = w;
    return w;
  }

  private send(msg: WithoutId<ToAttributionWorker>, p: Omit<Pending, 'resolve' | 'reject'> = {}, transfer: ArrayBuffer[] = []): { id: number; done: Promise<AttributionResult | null> } {
    const id = this.nextId++;
    const done = new Promise<AttributionResult | null>((resolve, reject) => this.pending.set(id, { resolve, reject, ...p }));
    // keep the process alive only while something is pending; an idle worker must not hold it open
    this.w.ref();
    this.w.postMessage({ ...msg, id } as ToAttributionWorker, transfer);
    return { id, done };
  }

  /** Runs one attribution; `handle.cancel()` stops it after its current batch (the promise rejects with code 'cancelled'). */
  attribute(req: AttributeRequest, onProgress?: (f: number) => void): { result: Promise<AttributionResult>; cancel: () => void } {
    const { id, done } = this.send({ op: 'attribute', req }, { progress: onProgress });
    return {
      result: done.then((r) => r!),
      cancel: () => { if (this.pending.has(id)) void this.send({ op: 'cancel', target: id }).done.catch(() => undefined); },
    };
  }

  /** Drop the compiled sessions of one model (removed from the project), or of all models. */
  async release(sha?: string): Promise<void> {
    if (!this.worker) return; // never started: nothing is held
    await this.send({ op: 'release', ...(sha !== undefined ? { sha } : {}) }).done;
  }

  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
