// The indexing thread's handle on reduce-worker.ts: one batch at a time, its statistics and pooled features
// back in order. The batch's maps are moved to the thread, not copied, where onnxruntime's buffers allow it.
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../../../shared/errors';
import { startThread } from '../runtime/threads';
import type { ReduceInit, ReduceReply, ReduceRequest } from './reduce-worker';

export interface Reduced {
  /** per layer: the statistics blob after this batch */
  blobs: Buffer[];
  /** per layer: one row of C pooled values per photo */
  features: Float32Array[];
}

export class ReduceThread {
  private readonly worker: Worker;
  private waiting?: { resolve: (r: Reduced) => void; reject: (e: Error) => void };
  private failed?: Error;

  constructor(init: ReduceInit) {
    this.worker = startThread(__dirname, 'reduce-worker', init);
    this.worker.on('message', (m: ReduceReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (!w) return;
      if (m.ok) w.resolve({ blobs: m.blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)), features: m.features });
      else w.reject(new EngineError('index-failed', `reducing a batch's activations failed: ${m.message}`));
    });
    const fail = (e: Error) => {
      this.failed = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    this.worker.on('error', (e) => fail(new EngineError('index-failed', `the indexing statistics thread failed: ${e.message}`)));
    this.worker.on('exit', (code) => { if (code !== 0) fail(new EngineError('index-failed', `the indexing statistics thread stopped (exit code ${code})`)); });
  }

  /** Reduce one batch; the previous one must have been answered. `maps` are given away (moved when possible). */
  reduce(photoIds: number[], maps: Float32Array[]): Promise<Reduced> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error('ReduceThread.reduce: the previous batch is still being reduced'));
    return new Promise<Reduced>((resolve, reject) => {
      this.waiting = { resolve, reject };
      const req: ReduceRequest = { photoIds, maps };
      try {
        // whole buffers only: a view into a larger buffer would move its neighbours too
        const movable = maps.every((m) => m.byteOffset === 0 && m.byteLength === m.buffer.byteLength);
        this.worker.postMessage(req, movable ? maps.map((m) => m.buffer as ArrayBuffer) : []);
      } catch {
        // a buffer that cannot be transferred (an external one; onnxruntime-node 1.30's outputs can be) is copied
        this.worker.postMessage(req);
      }
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
