// The 2-D map's UMAP on its own thread: thousands of photos take seconds to minutes of pure JS, which must
// not stall the engine host (it answers every request, pause and cancel) nor the engine worker (it runs
// the jobs). One thread per map request; queries.ts starts it and reads its one answer.
import { parentPort, workerData } from 'node:worker_threads';
import { UMAP } from 'umap-js';
import { seededRandom } from '../../../shared/random';

export interface UmapRequest {
  /** n rows of d values, L2-normalized */
  vecs: Float32Array;
  n: number;
  d: number;
  seed: number;
}

if (parentPort && workerData) {
  const { vecs, n, d, seed } = workerData as UmapRequest;
  const rows = Array.from({ length: n }, (_, i) => Array.from(vecs.subarray(i * d, (i + 1) * d)));
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, n - 1), minDist: 0.1, random: seededRandom(seed) });
  const xy = umap.fit(rows);
  const out = new Float64Array(2 * n);
  xy.forEach(([x, y], i) => { out[2 * i] = x!; out[2 * i + 1] = y!; });
  parentPort.postMessage(out, [out.buffer]);
}
