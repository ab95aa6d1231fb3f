// Reading an index back: a channel's top / bottom photos with their receptive-field patches, its histogram,
// a photo's nearest neighbours and a 2-D map of the dataset in a layer's feature space. No model runs here:
// everything comes from what indexing stored, so the answers are quick and work offline of the model file.
import * as fs from 'node:fs';
import sharp from 'sharp';
import type { DatasetEmbeddingPoint, DatasetExamples, DatasetHistogram, DatasetNeighbour, PixelRect } from '../../../shared/dataset';
import { EngineError } from '../../../shared/errors';
import type { DatasetStore, StoredIndex, StoredLayer } from '../../store/dataset';
import { imageInfo, MAX_PIXELS, thumbnail } from '../image/image';
import { startThread } from '../runtime/threads';
import { clipRect, fitMap, patchRect } from './receptive-field';
import { LayerStats } from './stats';

export interface LayerQuery { datasetId: string; modelId: string; layer: string }

/** The index of (dataset, model) that holds `layer`, its stored layer and statistics; clear errors when not indexed. */
export function indexedLayer(ds: DatasetStore, q: LayerQuery): { index: StoredIndex; layer: StoredLayer; stats: LayerStats } {
  const index = ds.indexWith(q.datasetId, q.modelId, q.layer);
  if (!index) {
    const known = ds.indexesOf(q.datasetId, q.modelId).filter((x) => x.indexed > 0).flatMap((x) => x.layers.map((l) => l.name));
    throw new EngineError('not-indexed', `The dataset is not indexed for this model at layer "${q.layer}"${known.length ? ` (indexed layers: ${[...new Set(known)].join(', ')})` : ': index it first'}.`);
  }
  const layer = ds.layer(index.id, q.layer);
  if (!layer.stats) throw new EngineError('not-indexed', `Layer "${q.layer}" has no indexed photos yet.`);
  return { index, layer, stats: LayerStats.fromBlob({ channels: layer.channels, height: layer.height, width: layer.width }, index.k, index.bins, layer.stats) };
}

function checkChannel(layer: StoredLayer, channel: number): void {
  if (channel >= layer.channels) throw new EngineError('bad-args', `channel ${channel} is out of range: layer "${layer.name}" has channels 0 to ${layer.channels - 1}.`);
}

export function examples(ds: DatasetStore, q: LayerQuery & { channel: number; k: number; bottom: boolean }): DatasetExamples {
  const { index, layer, stats } = indexedLayer(ds, q);
  checkChannel(layer, q.channel);
  const pre = index.preprocess;
  const items = stats.extremes(q.channel, q.bottom).slice(0, q.k).map((e) => {
    const photo = ds.photo(q.datasetId, e.photoId);
    const fit = fitMap(photo.width, photo.height, pre.width, pre.height, pre.resize);
    const r = patchRect(layer.field, fit, e.x, e.y);
    const patch: PixelRect = { x: r.x, y: r.y, width: r.width, height: r.height };
    return {
      photoId: photo.id, path: photo.path, file: photo.file, width: photo.width, height: photo.height, value: e.value,
      map: { x: e.x, y: e.y }, patch, patchClipped: clipRect(patch, photo.width, photo.height), center: { x: r.cx, y: r.cy },
    };
  });
  return {
    datasetId: q.datasetId, modelId: q.modelId, layer: q.layer, channel: q.channel, bottom: q.bottom, items,
    mapSize: { width: layer.width, height: layer.height }, field: layer.field, indexed: stats.photos,
  };
}

export function histogram(ds: DatasetStore, q: LayerQuery & { channel: number }): DatasetHistogram {
  const { layer, stats } = indexedLayer(ds, q);
  checkChannel(layer, q.channel);
  return { layer: q.layer, channel: q.channel, ...stats.histogramOf(q.channel) };
}

function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * The k photos whose pooled features are nearest to the photo's by cosine similarity, itself first (ties
 * — an identical duplicate — keep the photo itself in front). A photo whose features are all zero has no
 * direction: every similarity with it is 0.
 */
export function neighbours(ds: DatasetStore, q: LayerQuery & { photoId: number; k: number }): DatasetNeighbour[] {
  const { index } = indexedLayer(ds, q);
  const v = ds.feature(index.id, q.layer, q.photoId);
  if (!v) throw new EngineError('not-indexed', `Photo ${ds.photo(q.datasetId, q.photoId).path} is not indexed yet (it is pending or unreadable).`);
  const nv = norm(v);
  const best: { photoId: number; similarity: number }[] = [];
  const before = (a: { photoId: number; similarity: number }, b: { photoId: number; similarity: number }) =>
    a.similarity !== b.similarity ? a.similarity > b.similarity : a.photoId === q.photoId ? true : b.photoId === q.photoId ? false : a.photoId < b.photoId;
  for (const f of ds.features(index.id, q.layer)) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * f.vec[i]!;
    const nf = norm(f.vec);
    const cand = { photoId: f.photoId, similarity: nv > 0 && nf > 0 ? Math.max(-1, Math.min(1, dot / (nv * nf))) : 0 };
    // bounded: keep the k best only
    if (best.length === q.k && !before(cand, best[best.length - 1]!)) continue;
    let j = best.length;
    if (best.length < q.k) best.push(cand);
    else j = best.length - 1;
    while (j > 0 && before(cand, best[j - 1]!)) { best[j] = best[j - 1]!; j--; }
    best[j] = cand;
  }
  return best.map((b) => {
    const p = ds.photo(q.datasetId, b.photoId);
    return { photoId: b.photoId, path: p.path, file: p.file, similarity: b.similarity };
  });
}

/** UMAP of n L2-normalized rows on a thread of its own (umap-worker.ts); from a bundle the worker sits next to this code. */
function umapOffThread(vecs: Float32Array, n: number, d: number, seed: number): Promise<Float64Array> {
  const w = startThread(__dirname, 'umap-worker', { vecs, n, d, seed });
  return new Promise((resolve, reject) => {
    w.once('message', (m: Float64Array) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new EngineError('umap-failed', `the 2-D map's UMAP thread stopped (exit code ${code})`)); });
  });
}

/**
 * Every indexed photo in 2-D by UMAP (umap-js) on the L2-normalized pooled features (so Euclidean distance
 * ranks like cosine), seeded so the same index gives the same map; computed off the calling thread. Fewer
 * than 3 photos: placed on a line (UMAP needs neighbours).
 */
export async function embedding(ds: DatasetStore, q: LayerQuery & { seed: number }): Promise<DatasetEmbeddingPoint[]> {
  const { index, layer } = indexedLayer(ds, q);
  const ids: number[] = [];
  const d = layer.channels;
  const count = ds.indexedCount(index.id);
  const vecs = new Float32Array(count * d);
  for (const f of ds.features(index.id, q.layer)) {
    const n = norm(f.vec) || 1;
    for (let i = 0; i < d; i++) vecs[ids.length * d + i] = f.vec[i]! / n;
    ids.push(f.photoId);
  }
  const xy = ids.length < 3 ? Float64Array.from(ids.flatMap((_, i) => [i, 0])) : await umapOffThread(vecs.subarray(0, ids.length * d), ids.length, d, q.seed);
  return ids.map((id, i) => ({ photoId: id, path: ds.photo(q.datasetId, id).path, x: xy[2 * i]!, y: xy[2 * i + 1]! }));
}

function readPhoto(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new EngineError('not-found', `${what} ${file} cannot be read: ${(e as Error).message}`);
  }
}

export async function photoThumbnail(file: string, maxSize: number): Promise<{ mime: string; base64: string; width: number; height: number }> {
  const t = await thumbnail(readPhoto(file, 'The dataset photo'), maxSize, file);
  return { mime: t.mime, base64: Buffer.from(t.bytes).toString('base64'), width: t.width, height: t.height };
}

/** A rectangle of a photo (photo pixels, EXIF-rotated; clipped to the photo) as a JPEG, long side ≤ maxSize. */
export async function photoPatch(file: string, rect: PixelRect, maxSize: number): Promise<{ mime: string; bytes: Uint8Array; width: number; height: number }> {
  const bytes = readPhoto(file, 'The dataset photo');
  const meta = await imageInfo(bytes, file);
  const c = clipRect(rect, meta.width, meta.height);
  if (c.width === 0 || c.height === 0) throw new EngineError('bad-args', `the patch ${JSON.stringify(rect)} lies outside the ${meta.width}×${meta.height} photo ${file}`);
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).rotate().extract({ left: c.x, top: c.y, width: c.width, height: c.height })
    .resize(maxSize, maxSize, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 88 }).toBuffer({ resolveWithObject: true });
  return { mime: 'image/jpeg', bytes: new Uint8Array(data), width: info.width, height: info.height };
}
