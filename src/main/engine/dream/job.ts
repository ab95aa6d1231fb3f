// Run one dream in its own worker thread: progress and preview callbacks, pause / resume / cancel,
// and the result (cancel still yields the last full frame).
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DreamProgress } from './loop';
import type { Rgb } from './pixels';
import type { DreamJobRequest, DreamSummary, FromDreamWorker, ToDreamWorker } from './worker-protocol';

export interface DreamJobHooks {
  onProgress?(p: DreamProgress): void;
  onPreview?(jpeg: Uint8Array, width: number, height: number): void;
}

export interface DreamJob {
  pause(): void;
  resume(): void;
  cancel(): void;
  readonly done: Promise<{ summary: DreamSummary; image: Rgb }>;
}

/** From TypeScript sources the worker loads itself through tsx; a bundle has dream-worker.js next to this file. */
function startWorker(): Worker {
  const override = process.env.FEATURESCOPE_DREAM_WORKER;
  if (override) return new Worker(override);
  const ts = path.join(__dirname, 'dream-worker.ts');
  if (fs.existsSync(ts)) return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(ts)});`, { eval: true });
  return new Worker(path.join(__dirname, 'dream-worker.js'));
}

export function startDreamJob(req: DreamJobRequest, hooks: DreamJobHooks = {}): DreamJob {
  const worker = startWorker();
  const send = (m: ToDreamWorker) => worker.postMessage(m);
  const done = new Promise<{ summary: DreamSummary; image: Rgb }>((resolve, reject) => {
    worker.on('message', (m: FromDreamWorker) => {
      if (m.type === 'progress') hooks.onProgress?.(m.progress);
      else if (m.type === 'preview') hooks.onPreview?.(m.jpeg, m.width, m.height);
      else if (m.type === 'done') {
        resolve({ summary: m.summary, image: { width: m.width, height: m.height, data: m.rgb } });
        void worker.terminate();
      } else if (m.type === 'error') {
        reject(new Error(m.message));
        void worker.terminate();
      }
    });
    worker.on('error', (e) => reject(new Error(`dream worker crashed: ${e.message}`)));
    worker.on('exit', (code) => reject(new Error(`dream worker stopped (exit code ${code})`)));
  });
  send({ type: 'start', req });
  return { pause: () => send({ type: 'pause' }), resume: () => send({ type: 'resume' }), cancel: () => send({ type: 'cancel' }), done };
}
