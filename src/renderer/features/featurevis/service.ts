// Features tab actions: render a layer's channels as jobs of `batch` channels each, render a unit's
// images, pause / resume / cancel a whole layer, export an image, read a model's first-layer filters, and
// an activation map for the unit page. Writes atoms through `store`;
// the jobs' progress arrives through the jobs feature's events and their runs through the project
// (cache.ts finds the images in the saved runs, so nothing here keeps results of its own).
import type { FeatureItem } from '../../../shared/jobs/featurevis';
import type { JobInfo, LayerInfo, ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { api } from '../../api';
import { downloadBase64 } from '../../components/download';
import { store } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { cancelJob, pauseJob, resumeJob, trackJob } from '../jobs/service';
import { isActive } from '../jobs/state';
import { attempt, clearArea, report } from '../notices/service';
import type { UnitAddress } from './address';
import { fvActivationJobsAtom, fvFiltersAtom, fvFormAtom, fvJobsAtom, fvLayerRendersAtom, fvQueueingAtom, type FvJob } from './atoms';
import { gridTiles, indexRuns, type CachedImage, type Variant } from './cache';
import { chunk, formatChannels, parseChannels } from './channels';
import { formKey, formRender, formSeed, formSettings } from './form';
import { channelCount, featurevisRuns, preprocessUsed } from './project';

export const AREA = 'featurevis';

/** Lucid's diversity weight (its tutorials' `- 1e2 * diversity(layer)`; the engine maximizes + weight · diversity). */
export const DIVERSITY_WEIGHT = 100;
export const DIVERSITY_ITEMS = 4;

/** The layer render a grid follows: one per model, layer and settings key. */
export function renderId(modelId: string, layer: string, key: string): string {
  return `${modelId}\n${layer}\n${key}`;
}

function unitItem(variant: Exclude<Variant, 'diversity'>, layer: string, channel: number): FeatureItem {
  if (variant === 'neuron') return { terms: [{ target: { kind: 'neuron', layer, channel }, weight: 1 }] };
  return { terms: [{ target: { kind: 'channel', layer, channel }, weight: variant === 'negative' ? -1 : 1 }] };
}

/** The form as this model's jobs would send it, or a message naming the bad field. */
function formFor(model: ModelRecord): { settings: ReturnType<typeof formSettings>; key: string; seed?: number; batch: number } | string {
  const form = store.get(fvFormAtom);
  try {
    const settings = formSettings(form);
    const seed = formSeed(form);
    return { settings, key: formKey(form, preprocessUsed(model)), batch: formRender(form)!.batch, ...(seed !== undefined ? { seed } : {}) };
  } catch (e) {
    return (e as Error).message;
  }
}

async function startJob(model: ModelRecord, meta: Omit<FvJob, 'modelId'>, settings: Record<string, unknown>, failure: string): Promise<JobInfo | undefined> {
  const job = await attempt(AREA, failure, () => api.invoke('job:start', { kind: 'featurevis', modelId: model.id, settings }));
  if (!job) return undefined;
  store.set(fvJobsAtom, (m) => ({ ...m, [job.id]: { modelId: model.id, ...meta } }));
  trackJob(job);
  return job;
}

/** Active jobs of this window that render these images. */
export function activeJobsFor(q: { modelId: string; layer: string; key: string; variant: Variant; channel?: number }): JobInfo[] {
  const metas = store.get(fvJobsAtom);
  return store.get(jobsAtom).filter((j) => {
    const m = metas[j.id];
    return !!m && isActive(j.state) && m.modelId === q.modelId && m.layer === q.layer && m.key === q.key && m.variant === q.variant && (q.channel === undefined || m.channels.includes(q.channel));
  });
}

/**
 * "Render layer": the channels of the Channels field not already in the project (with these settings) or
 * in a job of this window, as jobs of `batch` channels each, queued in channel order. A render started while
 * the layer's previous one still runs joins it (one progress bar, paused if that one is); otherwise it starts
 * a new bar.
 */
export async function renderLayer(project: ProjectState, model: ModelRecord, layer: LayerInfo): Promise<void> {
  const count = channelCount(model, layer);
  if (count === null) return report(AREA, `Layer "${layer.name}" has shape [${layer.shape.join(',')}]: a channel grid needs a [1,C,H,W] feature map.`);
  const f = formFor(model);
  if (typeof f === 'string') return report(AREA, f);
  let channels: number[];
  try {
    channels = parseChannels(store.get(fvFormAtom).channels, count);
  } catch (e) {
    return report(AREA, (e as Error).message);
  }
  clearArea(AREA);
  const q = { modelId: model.id, layer: layer.name, key: f.key, ...(f.seed !== undefined ? { seed: f.seed } : {}) };
  const cached = gridTiles(indexRuns(featurevisRuns(project)), q);
  const queued = new Set(activeJobsFor({ ...q, variant: 'channel' }).flatMap((j) => store.get(fvJobsAtom)[j.id]!.channels));
  const todo = channels.filter((c) => !cached.has(c) && !queued.has(c));
  if (todo.length === 0) return;
  const id = renderId(model.id, layer.name, f.key);
  const previous = store.get(fvLayerRendersAtom)[id] ?? [];
  const jobs = store.get(jobsAtom);
  const joining = previous.some((j) => { const job = jobs.find((x) => x.id === j); return !!job && isActive(job.state); });
  const ids = joining ? [...previous] : [];
  if (!joining) held.delete(id);
  store.set(fvQueueingAtom, true);
  try {
    for (const group of chunk(todo, f.batch)) {
      const items = group.map((c) => unitItem('channel', layer.name, c));
      const job = await startJob(model, { layer: layer.name, variant: 'channel', channels: group, key: f.key, ...(f.seed !== undefined ? { seed: f.seed } : {}) }, { ...f.settings, items }, `Could not queue channels ${formatChannels(group)} of ${layer.name}`);
      if (!job) break;
      ids.push(job.id);
      store.set(fvLayerRendersAtom, (m) => ({ ...m, [id]: [...ids] }));
      const h = held.get(id);
      if (h === 'cancelled') {
        await cancelJob(job.id);
        break;
      }
      if (h === 'paused') await pauseJob(job.id);
    }
  } finally {
    store.set(fvQueueingAtom, false);
  }
}

/** One of a unit page's images: the channel, its negative, its centre neuron, or a diversity set of 4. */
export async function renderUnit(model: ModelRecord, unit: UnitAddress, variant: Variant): Promise<void> {
  const f = formFor(model);
  if (typeof f === 'string') return report(AREA, f);
  if (activeJobsFor({ modelId: model.id, layer: unit.layer, key: f.key, variant, channel: unit.channel }).length) return;
  clearArea(AREA);
  const settings: Record<string, unknown> =
    variant === 'diversity'
      ? // the engine renders a diversity set's items in one batch (the term compares the items of a batch)
        { ...f.settings, diversity: { weight: DIVERSITY_WEIGHT }, items: Array.from({ length: DIVERSITY_ITEMS }, () => unitItem('channel', unit.layer, unit.channel)) }
      : { ...f.settings, items: [unitItem(variant, unit.layer, unit.channel)] };
  await startJob(model, { layer: unit.layer, variant, channels: [unit.channel], key: f.key, ...(f.seed !== undefined ? { seed: f.seed } : {}) }, settings, `Could not start the ${variant} visualization of channel ${unit.channel}`);
}

function layerJobs(id: string): JobInfo[] {
  const ids = store.get(fvLayerRendersAtom)[id] ?? [];
  const jobs = store.get(jobsAtom);
  // latest first: the running job is the earliest, so the queued ones are held before it stops and none starts in between
  return ids.map((j) => jobs.find((x) => x.id === j)).filter((j): j is JobInfo => !!j && isActive(j.state)).reverse();
}

// The person's last layer-wide Pause or Cancel of a render: "Render layer" may still be queueing its jobs
// (one job:start each), and the jobs it queues after the click must follow it too.
const held = new Map<string, 'paused' | 'cancelled'>();

export async function pauseLayer(id: string): Promise<void> {
  held.set(id, 'paused');
  for (const j of layerJobs(id)) if (j.state !== 'paused') await pauseJob(j.id);
}

export async function resumeLayer(id: string): Promise<void> {
  held.delete(id);
  // earliest first, so the layer goes on in channel order
  for (const j of layerJobs(id).reverse()) if (j.state === 'paused') await resumeJob(j.id);
}

export async function cancelLayer(id: string): Promise<void> {
  held.set(id, 'cancelled');
  for (const j of layerJobs(id)) await cancelJob(j.id);
}

/** One image as a PNG with its settings in the text chunk: the browser downloads it (Electron shows its save dialog). */
export async function exportImage(img: CachedImage): Promise<void> {
  const r = await attempt(AREA, 'Could not export the PNG', () => api.invoke('featurevis:export', { runId: img.runId, item: img.item }));
  if (r) downloadBase64(r);
}

const filtersInFlight = new Set<string>();

/** The model's first-convolution filters, read once per model (null: no convolution reads the image). */
export async function loadFilters(modelId: string): Promise<void> {
  if (modelId in store.get(fvFiltersAtom) || filtersInFlight.has(modelId)) return;
  filtersInFlight.add(modelId);
  try {
    const r = await api.invoke('model:filters', { modelId });
    store.set(fvFiltersAtom, (m) => ({ ...m, [modelId]: r }));
  } catch (err) {
    store.set(fvFiltersAtom, (m) => ({ ...m, [modelId]: { error: (err as Error).message } }));
  } finally {
    filtersInFlight.delete(modelId);
  }
}

/**
 * The photo's activations of the unit's layer, every channel of it (so the unit's map is in the grid). The
 * map belongs on the unit page, so the run is not opened in the Run tab when it arrives.
 */
export async function runActivations(model: ModelRecord, photo: PhotoRecord, layer: LayerInfo): Promise<void> {
  const count = channelCount(model, layer) ?? 64;
  const job = await attempt(AREA, `Could not compute the activations of ${layer.name} on ${photo.name}`, () =>
    api.invoke('job:start', { kind: 'activations', modelId: model.id, photoId: photo.id, layer: layer.name, maxChannels: Math.min(count, 4096) }),
  );
  if (!job) return;
  store.set(fvActivationJobsAtom, (m) => ({ ...m, [job.id]: { modelId: model.id, photoId: photo.id, layer: layer.name } }));
  trackJob(job, { show: false });
}

