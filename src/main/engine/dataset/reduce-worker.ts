// The index's statistics on a thread of their own. onnxruntime's run() holds the indexing thread for the
// whole batch, so reducing batch n there (top-k, histograms, pooled features: ≈ 5 ms a photo of GoogLeNet's
// default layers) stalled the next forward pass; here it runs while batch n + 1 is in the model.
// reduce.ts starts it and is its only client: one request at a time, answered in order.
import { parentPort, workerData } from 'node:worker_threads';
import { LayerStats, type LayerShape } from './stats';

export interface ReduceInit {
  shapes: LayerShape[];
  k: number;
  bins: number;
  /** the stored statistics per layer (a resumed index), or null for a fresh one */
  blobs: (Uint8Array | null)[];
}

export interface ReduceRequest {
  photoIds: number[];
  /** per layer: photoIds.length maps of C·H·W values, back to back (an NCHW batch's first items) */
  maps: Float32Array[];
}

export type ReduceReply =
  | { ok: true; blobs: Uint8Array[]; features: Float32Array[] }
  | { ok: false; message: string };

if (parentPort && workerData) {
  const port = parentPort;
  const init = workerData as ReduceInit;
  const stats = init.shapes.map((shape, li) => {
    const blob = init.blobs[li];
    return blob ? LayerStats.fromBlob(shape, init.k, init.bins, blob) : new LayerStats(shape, init.k, init.bins);
  });
  port.on('message', (req: ReduceRequest) => {
    try {
      // features: per layer one row of C spatial means per photo
      const features = stats.map((s, li) => {
        const { channels: C, height: H, width: W } = s.shape, size = C * H * W;
        const maps = req.maps[li]!;
        if (maps.length !== req.photoIds.length * size) throw new Error(`layer ${li}: ${maps.length} values for ${req.photoIds.length} maps of ${size}`);
        const rows = new Float32Array(req.photoIds.length * C);
        req.photoIds.forEach((id, j) => s.add(id, maps, j * size, rows.subarray(j * C, (j + 1) * C)));
        return rows;
      });
      const blobs = stats.map((s) => new Uint8Array(s.toBlob()));
      port.postMessage({ ok: true, blobs, features } satisfies ReduceReply, [...blobs.map((b) => b.buffer as ArrayBuffer), ...features.map((f) => f.buffer as ArrayBuffer)]);
    } catch (e) {
      port.postMessage({ ok: false, message: (e as Error).message } satisfies ReduceReply);
    }
  });
}
