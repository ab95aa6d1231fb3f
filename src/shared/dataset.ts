// Datasets: a folder of photos in a project, indexed for a model (src/main/engine/dataset). What the
// contract's dataset:* channels take and answer, shared by engine, CLI and renderer.
//
// An index is one (dataset, model, layers, k, bins): per layer and channel the top-k and bottom-k photos
// with the position of their maximum (minimum), a histogram of every activation value, and per photo a
// pooled (spatial-mean) feature vector. Nothing else is kept: no activation maps.
import { z } from 'zod';

/** Files a dataset takes (by extension, case-insensitive); others are listed as unreadable. */
export const DATASET_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

/**
 * Layer presets when no layers are named: `default` three spatial layers (15% and half of the way through
 * the model's block outputs — Concats, else ReLUs — and its last one; GoogLeNet: inception_3b, 4c, 5b);
 * `last` the last spatial layer; `blocks` every Concat output (Inception blocks), at most 12.
 */
export const DATASET_PRESETS = ['default', 'last', 'blocks'] as const;
export type DatasetPreset = (typeof DATASET_PRESETS)[number];

export const DATASET_DEFAULTS = { k: 16, bins: 64, batch: 16 } as const;

/** The settings of an index job (defaults filled in by `parseDatasetIndexSettings`). */
export const datasetIndexSettingsSchema = z.object({
  /** layer tensor names; absent: the preset's layers */
  layers: z.array(z.string().min(1).max(1000)).min(1).max(32).optional(),
  preset: z.enum(DATASET_PRESETS).default('default'),
  /** how many top and bottom photos per channel */
  k: z.number().int().min(1).max(64).default(DATASET_DEFAULTS.k),
  /** histogram bins per channel (even: re-binning merges pairs) */
  bins: z.number().int().min(8).max(256).refine((n) => n % 2 === 0, 'bins must be even').default(DATASET_DEFAULTS.bins),
  /** photos per forward pass */
  batch: z.number().int().min(1).max(128).default(DATASET_DEFAULTS.batch),
}).strict();
export type DatasetIndexSettingsInput = z.input<typeof datasetIndexSettingsSchema>;
export type DatasetIndexSettings = z.output<typeof datasetIndexSettingsSchema>;

export function parseDatasetIndexSettings(s: unknown): DatasetIndexSettings {
  const r = datasetIndexSettingsSchema.safeParse(s ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`dataset index setting ${i?.path.join('.') || '(root)'}: ${i?.message}`);
  }
  return r.data;
}

/** One file of a dataset folder. `id` is stable for the dataset's life. */
export interface DatasetPhoto {
  id: number;
  /** path relative to the dataset folder, '/'-separated */
  path: string;
  /** the absolute path on this machine */
  file: string;
  /** pixel size after EXIF rotation, once it was decoded (0 before) */
  width: number;
  height: number;
  /** why it cannot be used (not an image, damaged, vanished…); absent for readable photos */
  unreadable?: string;
}

/** One index of a dataset: a model, its layers, and how far indexing got. */
export interface DatasetIndexInfo {
  id: string;
  modelId: string;
  layers: DatasetLayerInfo[];
  k: number;
  bins: number;
  /** photos indexed so far (each exactly once) */
  indexed: number;
  /** readable photos of the dataset not indexed yet (after a cancel, crash, or new files) */
  pending: number;
  updatedAt: string;
}

export interface DatasetLayerInfo {
  name: string;
  channels: number;
  /** the layer's map size at the model's preprocessing size */
  height: number;
  width: number;
  /** receptive field in model-input pixels: side, step between positions, centre of position 0 (per axis: [y, x]) */
  field: ReceptiveFieldInfo;
}

export interface ReceptiveFieldInfo {
  size: [number, number];
  stride: [number, number];
  /** model-input pixel coordinate of the centre of map position 0 (may be negative or fractional) */
  offset: [number, number];
}

export interface DatasetInfo {
  id: string;
  name: string;
  /** the folder, absolute */
  folder: string;
  photos: number;
  unreadable: number;
  /** a few unreadable files with their reasons (all of them: dataset:photos with `unreadable: true`) */
  unreadableSample: { path: string; reason: string }[];
  addedAt: string;
  /** the last folder scan */
  scannedAt: string;
  indexes: DatasetIndexInfo[];
}

/** A rectangle in a photo's own pixels (after EXIF rotation); may reach past the photo's edge. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DatasetExample {
  photoId: number;
  path: string;
  file: string;
  /** photo size (after EXIF rotation) */
  width: number;
  height: number;
  /** the channel's maximum (top) or minimum (bottom) over the photo's map */
  value: number;
  /** where it is in the layer's map (column x, row y) */
  map: { x: number; y: number };
  /** the receptive field of that position in the photo's pixels (unclipped), and clipped to the photo */
  patch: PixelRect;
  patchClipped: PixelRect;
  /** the same position's centre in photo pixels (for a marker on the whole photo) */
  center: { x: number; y: number };
}

export interface DatasetExamples {
  datasetId: string;
  modelId: string;
  layer: string;
  channel: number;
  bottom: boolean;
  /** strongest first (top: largest values; bottom: most negative first) */
  items: DatasetExample[];
  mapSize: { width: number; height: number };
  field: ReceptiveFieldInfo;
  /** photos the index covers */
  indexed: number;
}

export interface DatasetHistogram {
  layer: string;
  channel: number;
  /** bins cover [lo, hi) evenly; the last bin includes hi */
  lo: number;
  hi: number;
  counts: number[];
  /** every value counted: photos × map height × map width */
  count: number;
  min: number;
  max: number;
  mean: number;
}

export interface DatasetNeighbour {
  photoId: number;
  path: string;
  file: string;
  /** cosine similarity of pooled features, -1..1 (the photo itself: 1) */
  similarity: number;
}

export interface DatasetEmbeddingPoint {
  photoId: number;
  path: string;
  x: number;
  y: number;
}

const id = z.string().min(1).max(200);
const photoId = z.number().int().min(1);
const layer = z.string().min(1).max(1000);

/** Argument schemas of the dataset:* channels (spread into the contract's requestSchemas). */
export const datasetRequestSchemas = {
  /** add a folder (recursive) to the open project, or rescan it when it is already there; lists unreadable files */
  'dataset:add': z.object({ path: z.string().min(1).max(4096) }),
  'dataset:list': z.object({}),
  /** forget a dataset and its indexes (the photos stay where they are) */
  'dataset:remove': z.object({ datasetId: id }),
  /** the dataset's files, paged; `unreadable: true` lists only the unreadable ones with their reasons */
  'dataset:photos': z.object({ datasetId: id, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10000).default(500), unreadable: z.boolean().default(false) }),
  /** index (or go on indexing) for a model: a 'datasetIndex' job; the folder is rescanned first so new photos are included */
  'dataset:index': z.object({ datasetId: id, modelId: id, settings: datasetIndexSettingsSchema.partial().default({}) }),
  /** top (or bottom) photos of a channel, with the map position and its receptive-field patch */
  'dataset:examples': z.object({ datasetId: id, modelId: id, layer, channel: z.number().int().min(0), k: z.number().int().min(1).max(64).default(9), bottom: z.boolean().default(false) }),
  /** a patch (photo pixels, clipped to the photo) as a JPEG at most maxSize on its long side */
  'dataset:patch': z.object({ datasetId: id, photoId, rect: z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() }), maxSize: z.number().int().min(16).max(2048).default(256) }),
  'dataset:histogram': z.object({ datasetId: id, modelId: id, layer, channel: z.number().int().min(0) }),
  /** nearest photos by cosine similarity of pooled features; the photo itself comes first */
  'dataset:neighbours': z.object({ datasetId: id, modelId: id, layer, photoId, k: z.number().int().min(1).max(200).default(8) }),
  /** every indexed photo placed in 2-D from its pooled features (UMAP via umap-js), seeded */
  'dataset:embedding': z.object({ datasetId: id, modelId: id, layer, method: z.enum(['umap']).default('umap'), seed: z.number().int().default(1) }),
  'dataset:thumbnail': z.object({ datasetId: id, photoId, maxSize: z.number().int().min(16).max(4096).default(256) }),
};

/** What the dataset:* channels answer (merged into the contract's ResultMap). `JobInfo` comes from the contract. */
export interface DatasetResultMap<JobInfo> {
  'dataset:add': DatasetInfo;
  'dataset:list': DatasetInfo[];
  'dataset:remove': null;
  'dataset:photos': { total: number; photos: DatasetPhoto[] };
  'dataset:index': JobInfo;
  'dataset:examples': DatasetExamples;
  'dataset:patch': { mime: string; base64: string; width: number; height: number };
  'dataset:histogram': DatasetHistogram;
  'dataset:neighbours': DatasetNeighbour[];
  'dataset:embedding': { layer: string; method: 'umap'; points: DatasetEmbeddingPoint[] };
  'dataset:thumbnail': { mime: string; base64: string; width: number; height: number };
}

/** The job spec args of kind 'datasetIndex' (src/shared/jobs/index.ts). */
export const datasetIndexJobArgs = z.object({ datasetId: id, modelId: id, settings: z.record(z.string(), z.unknown()).default({}) });

/** A datasetIndex run's record (src/shared/jobs/runs.ts, version 1). */
export const datasetIndexRunSettingsSchema = z.object({
  datasetId: z.string(), indexId: z.string(), folder: z.string(),
  layers: z.array(z.string()), k: z.number().int(), bins: z.number().int(), batch: z.number().int(),
});
export const datasetIndexRunResultSchema = z.object({
  /** photos indexed by this job, photos indexed in all, readable photos still pending, unreadable ones met by this job */
  indexedNow: z.number().int(), indexed: z.number().int(), pending: z.number().int(), unreadableNow: z.number().int(),
  imagesPerSecond: z.number(),
  timings: z.object({ decodeWaitMs: z.number(), forwardMs: z.number(), reduceMs: z.number(), writeMs: z.number() }),
});
