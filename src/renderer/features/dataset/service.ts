// Datasets through the contract's dataset:* channels: add a folder (a path, typed or pasted — the browser
// has no folder picker that yields a path), list, index for a model as a job (its card shows progress,
// ETA, pause and cancel), and the images the screens show, fetched once.
import type { DatasetExamples, DatasetHistogram, DatasetInfo, DatasetNeighbour, DatasetEmbeddingPoint, PixelRect } from '../../../shared/dataset';
import { api } from '../../api';
import { store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { attempt, clearArea } from '../notices/service';
import { datasetImagesAtom, datasetsAtom, indexJobsAtom, selectedDatasetIdAtom } from './atoms';

export const AREA = 'dataset';

export async function refreshDatasets(): Promise<DatasetInfo[] | undefined> {
  const list = await attempt(AREA, 'Could not list the datasets', () => api.invoke('dataset:list', {}));
  if (!list) return undefined;
  store.set(datasetsAtom, list);
  const sel = store.get(selectedDatasetIdAtom);
  if (!sel || !list.some((d) => d.id === sel)) store.set(selectedDatasetIdAtom, list[0]?.id ?? null);
  return list;
}

export async function addFolder(path: string): Promise<DatasetInfo | undefined> {
  const info = await attempt(AREA, `Could not add the folder ${path}`, () => api.invoke('dataset:add', { path }));
  if (!info) return undefined;
  clearArea(AREA);
  await refreshDatasets();
  store.set(selectedDatasetIdAtom, info.id);
  return info;
}

export async function removeDataset(datasetId: string): Promise<void> {
  await attempt(AREA, 'Could not remove the dataset', () => api.invoke('dataset:remove', { datasetId }));
  await refreshDatasets();
}

export async function indexDataset(datasetId: string, modelId: string, layers: string[] | undefined): Promise<void> {
  const job = await attempt(AREA, 'Could not start indexing', () =>
    api.invoke('dataset:index', { datasetId, modelId, settings: layers?.length ? { layers } : {} }));
  if (!job) return;
  store.set(indexJobsAtom, (m) => ({ ...m, [job.id]: datasetId }));
  trackJob(job);
}

const inFlight = new Set<string>();

async function loadImage(key: string, fetch: () => Promise<{ mime: string; base64: string }>): Promise<void> {
  if (store.get(datasetImagesAtom)[key] || inFlight.has(key)) return;
  inFlight.add(key);
  try {
    const t = await fetch();
    store.set(datasetImagesAtom, (m) => ({ ...m, [key]: `data:${t.mime};base64,${t.base64}` }));
  } catch {
    // a photo that vanished since indexing shows its name instead; not worth a banner each
  } finally {
    inFlight.delete(key);
  }
}

export const thumbKey = (datasetId: string, photoId: number, size: number) => `${datasetId}/${photoId}@${size}`;
export function loadThumb(datasetId: string, photoId: number, size: number): Promise<void> {
  return loadImage(thumbKey(datasetId, photoId, size), () => api.invoke('dataset:thumbnail', { datasetId, photoId, maxSize: size }));
}

export const patchKey = (datasetId: string, photoId: number, r: PixelRect, size: number) => `${datasetId}/${photoId}#${r.x},${r.y},${r.width},${r.height}@${size}`;
export function loadPatch(datasetId: string, photoId: number, rect: PixelRect, size: number): Promise<void> {
  return loadImage(patchKey(datasetId, photoId, rect, size), () => api.invoke('dataset:patch', { datasetId, photoId, rect, maxSize: size }));
}

// Queries the unit page makes; each answer is small (k photos, a histogram, N points).
export const examples = (datasetId: string, modelId: string, layer: string, channel: number, bottom: boolean, k = 9): Promise<DatasetExamples> =>
  api.invoke('dataset:examples', { datasetId, modelId, layer, channel, k, bottom });
export const histogram = (datasetId: string, modelId: string, layer: string, channel: number): Promise<DatasetHistogram> =>
  api.invoke('dataset:histogram', { datasetId, modelId, layer, channel });
export const neighbours = (datasetId: string, modelId: string, layer: string, photoId: number, k = 8): Promise<DatasetNeighbour[]> =>
  api.invoke('dataset:neighbours', { datasetId, modelId, layer, photoId, k });
export const embedding = async (datasetId: string, modelId: string, layer: string): Promise<DatasetEmbeddingPoint[]> =>
  (await api.invoke('dataset:embedding', { datasetId, modelId, layer })).points;
