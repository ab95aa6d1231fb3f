// Starting one of the engine's worker threads (`<name>-worker.ts`, bundled as `<name>-worker.js` next to the
// code that starts it, see electron.vite.config.ts). From TypeScript sources (tests, tsx, the bridge) the
// thread registers tsx itself first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/** `dir`: the caller's __dirname (the worker's source or bundle sits there); `name`: without `.ts` / `.js` */
export function startThread(dir: string, name: string, workerData: unknown): Worker {
  const ts = path.join(dir, `${name}.ts`);
  if (fs.existsSync(ts)) return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(ts)});`, { eval: true, workerData });
  return new Worker(path.join(dir, `${name}.js`), { workerData });
}
