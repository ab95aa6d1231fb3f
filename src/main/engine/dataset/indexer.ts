// The worker half of indexing: batches of pending photos through one forward session that fetches every
// indexed layer, reduced into the layers' statistics and pooled features, each batch committed in one
// transaction (store/dataset.ts). Memory is bounded by two batches of input tensors, two batches of
// activations and the fixed-size statistics, whatever the folder holds: pending photos are read from the
// project `batch` at a time, so a resumed or grown index continues exactly where the file says.
//
// Three things overlap, because onnxruntime's run() holds this thread for a whole batch: while batch n runs
// in the model, batch n + 1's files are read and decoded by sharp (libuv's thread pool) and batch n − 1's
// activations are reduced on the statistics thread (reduce-worker.ts), then committed here.
import * as fs from 'node:fs/promises';
import type { Preprocess } from '../../../shared/contract';
import type { DatasetLayerInfo, DatasetPhoto } from '../../../shared/dataset';
import { EngineError } from '../../../shared/errors';
import { DatasetStore, type BatchWrite } from '../../store/dataset';
import { runtimeModel } from '../gradients/index';
import sharp from 'sharp';
import { imageInfo, MAX_PIXELS } from '../image/image';
import type { JobControl } from '../jobs/control';
import type { ModelRef } from '../jobs/protocol';
import { affine } from '../pixels/index';
import type { WorkerEnv } from '../recipes/types';
import { ReduceThread } from './reduce';

export interface IndexInput {
  projectFile: string;
  indexId: string;
  model: ModelRef;
  input: string;
  /** image channels the model takes (1: luma) */
  channels: 1 | 3;
  preprocess: Preprocess;
  layers: DatasetLayerInfo[];
  k: number;
  bins: number;
  batch: number;
}

export interface IndexOutput {
  status: 'done' | 'cancelled';
  indexedNow: number;
  unreadableNow: number;
  indexed: number;
  pending: number;
  imagesPerSecond: number;
  /**
   * waits and work on the indexing thread: reduceMs is the wait for the statistics thread (its work overlaps the
   * next batch's forward pass); loopCpuMs is the whole process's CPU time over the batch loop (every thread)
   */
  timings: { decodeWaitMs: number; forwardMs: number; reduceMs: number; writeMs: number; totalMs: number; loopCpuMs: number };
  provider: string;
  fallbackReason?: string;
}

interface Decoded {
  photo: DatasetPhoto;
  data?: Float32Array;
  width: number;
  height: number;
  error?: string;
}

const FIT = { stretch: 'fill', 'center-crop': 'cover', pad: 'contain' } as const;

/**
 * A photo file → the model's input values (planar, at the preprocessing's size) and its own size. The same
 * sharp pipeline and pixel map as image.ts's decodeResized + pixels' imageToTensor (the brute-force test
 * compares them value for value), but straight from 8-bit pixels into the planar tensor: one pass over the
 * pixels instead of three, and the header read once.
 */
export async function decodePhoto(p: DatasetPhoto, pre: Preprocess, channels: 1 | 3): Promise<Decoded> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(p.file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { photo: p, width: 0, height: 0, error: code === 'ENOENT' ? `vanished: ${p.path} was removed while the dataset was being indexed` : `could not be read: ${(e as Error).message}` };
  }
  try {
    const info = await imageInfo(bytes, p.path);
    let out;
    try {
      out = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate()
        .resize(pre.width, pre.height, { fit: FIT[pre.resize], background: { r: 0, g: 0, b: 0 } })
        .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      return { photo: p, width: 0, height: 0, error: `${p.path} could not be decoded: ${(e as Error).message}` };
    }
    const { data: px, info: o } = out;
    const hw = pre.width * pre.height, k = o.channels;
    if (o.width !== pre.width || o.height !== pre.height) throw new Error(`${p.path} decoded at ${o.width}×${o.height}, not ${pre.width}×${pre.height}`);
    const { scale, offset, source } = affine(pre);
    const data = new Float32Array(hw * channels);
    if (channels === 1) {
      for (let i = 0; i < hw; i++) {
        const r = px[i * k]!, g = px[i * k + (k >= 3 ? 1 : 0)]!, b = px[i * k + (k >= 3 ? 2 : 0)]!;
        data[i] = (0.299 * r + 0.587 * g + 0.114 * b) * scale[0] + offset[0];
      }
    } else {
      for (let c = 0; c < 3; c++) {
        const src = k >= 3 ? source[c]! : 0, sc = scale[c]!, off = offset[c]!, at = c * hw;
        for (let i = 0; i < hw; i++) data[at + i] = px[i * k + src]! * sc + off;
      }
    }
    return { photo: p, data, width: info.width, height: info.height };
  } catch (e) {
    return { photo: p, width: 0, height: 0, error: (e as Error).message };
  }
}

export async function runIndex(i: IndexInput, ctl: JobControl, env: WorkerEnv): Promise<IndexOutput> {
  const t0 = performance.now();
  const store = DatasetStore.open(i.projectFile);
  const timings = { decodeWaitMs: 0, forwardMs: 0, reduceMs: 0, writeMs: 0, totalMs: 0, loopCpuMs: 0 };
  let indexedNow = 0, unreadableNow = 0, status: IndexOutput['status'] = 'done';
  let session: Awaited<ReturnType<WorkerEnv['gradients']['forward']>> | undefined;
  let reducer: ReduceThread | undefined;
  let inFlight: Promise<void> | undefined;
  const settle = async () => {
    if (!inFlight) return;
    const t = performance.now();
    try {
      await inFlight;
    } finally {
      inFlight = undefined;
      timings.reduceMs += performance.now() - t;
    }
  };
  try {
    const stored = store.layers(i.indexId);
    const before = store.indexedCount(i.indexId);
    const total = before + store.pendingCount(i.indexId);
    const pre = i.preprocess, B = i.batch;
    const per = i.channels * pre.height * pre.width;
    ctl.progress(total ? before / total : 1, `${before} of ${total} photos indexed; loading ${i.model.fileName}`);

    let after = 0;
    const next = (): DatasetPhoto[] => {
      const ps = store.pending(i.indexId, after, B);
      if (ps.length) after = ps[ps.length - 1]!.id;
      return ps;
    };
    const decode = (ps: DatasetPhoto[]) => Promise.all(ps.map((p) => decodePhoto(p, pre, i.channels)));
    let cur = next();
    let curDecoded = cur.length ? decode(cur) : undefined;
    if (cur.length) {
      const lm = env.model(i.model);
      session = await env.gradients.forward({
        model: runtimeModel(lm.model, i.model.sha), input: i.input, shape: [B, i.channels, pre.height, pre.width],
        fetch: i.layers.map((l) => l.name), label: i.model.fileName,
        // between batches the statistics thread and sharp's decoding need the cores that spinning threads would hold
        spinning: false,
      });
      reducer = new ReduceThread({
        shapes: i.layers.map((l) => ({ channels: l.channels, height: l.height, width: l.width })), k: i.k, bins: i.bins,
        blobs: i.layers.map((l) => stored.find((x) => x.name === l.name)?.stats ?? null),
      });
    }
    const x = new Float32Array(B * per);
    const tLoop = performance.now(), cpuLoop = process.cpuUsage();
    // A batch's statistics are reduced on their own thread while the next batch runs in the model, and the
    // batch is committed when they come back: batches land in order, each whole (one transaction).
    const commit = (write: BatchWrite) => {
      const t = performance.now();
      store.commitBatch(write);
      timings.writeMs += performance.now() - t;
      indexedNow += write.indexed.length;
      unreadableNow += write.unreadable.length;
      const done = before + indexedNow;
      const rate = indexedNow / ((performance.now() - tLoop) / 1000);
      const left = Math.max(0, total - done - unreadableNow);
      ctl.progress(total ? (done + unreadableNow) / total : 1, `${done} of ${total} photos indexed${unreadableNow ? `, ${unreadableNow} unreadable` : ''}`, rate > 0 ? (left / rate) * 1000 : undefined);
    };
    while (cur.length && curDecoded) {
      if (await ctl.checkpoint()) { status = 'cancelled'; await curDecoded; break; }
      let t = performance.now();
      const decoded = await curDecoded;
      timings.decodeWaitMs += performance.now() - t;
      // the next batch decodes while this one runs
      const upcoming = next();
      const upcomingDecoded = upcoming.length ? decode(upcoming) : undefined;
      const ok = decoded.filter((d) => d.data);
      const write: BatchWrite = {
        indexId: i.indexId,
        indexed: ok.map((d) => ({ photoId: d.photo.id, width: d.width, height: d.height })),
        unreadable: decoded.filter((d) => d.error).map((d) => ({ photoId: d.photo.id, reason: d.error! })),
        features: [], stats: [],
      };
      let maps: Float32Array[] = [];
      if (ok.length) {
        x.fill(0);
        ok.forEach((d, j) => x.set(d.data!, j * per));
        t = performance.now();
        const out = await session!.run(x);
        timings.forwardMs += performance.now() - t;
        maps = i.layers.map((l) => {
          const o = out[l.name]!;
          const [n, c, h, w] = o.dims;
          if (c !== l.channels || h !== l.height || w !== l.width || n !== B) {
            throw new EngineError('layer-shape', `layer "${l.name}" came out [${o.dims.join(', ')}], not [${B}, ${l.channels}, ${l.height}, ${l.width}] as computed from the model at ${pre.width}×${pre.height}`);
          }
          const data = o.data as Float32Array;
          return ok.length === B ? data : data.subarray(0, ok.length * c * h * w);
        });
      }
      // the previous batch's statistics must be in before this batch's are reduced on top of them
      await settle();
      if (ok.length) {
        const photoIds = ok.map((d) => d.photo.id);
        inFlight = reducer!.reduce(photoIds, maps).then((r) => {
          write.stats = i.layers.map((l, li) => ({ layer: l.name, blob: r.blobs[li]! }));
          write.features = i.layers.map((l, li) => ({ layer: l.name, vecs: photoIds.map((_, j) => r.features[li]!.subarray(j * l.channels, (j + 1) * l.channels)) }));
          commit(write);
        });
        // awaited by settle(); until then a failure must not count as unhandled (it would end the process)
        inFlight.catch(() => undefined);
      } else commit(write);
      cur = upcoming;
      curDecoded = upcomingDecoded;
    }
    await settle();
    timings.totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpuLoop);
    timings.loopCpuMs = (cpu.user + cpu.system) / 1000;
    const loopS = (performance.now() - tLoop) / 1000;
    return {
      status, indexedNow, unreadableNow, indexed: store.indexedCount(i.indexId), pending: store.pendingCount(i.indexId),
      imagesPerSecond: loopS > 0 ? indexedNow / loopS : 0, timings, provider: session?.provider ?? env.placement().provider,
      ...(session?.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
    };
  } finally {
    // a failure elsewhere (the model, a shape) still lets the batch already reduced land
    await settle().catch(() => undefined);
    await reducer?.close();
    await session?.release();
    store.close();
  }
}
