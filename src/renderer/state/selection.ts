// [Note: selection] The ONE way to change what the person is looking at. Every view shows results for
// the selected model and photo, so anything that opens a run or a layer (History, thumbnails, job cards,
// the model graph, the unit page) goes through these functions instead of setting atoms one by one —
// selecting a run alone would leave its model and photo behind ("not a layer of this model").
//
// Layers are remembered per model: switching models brings back that model's last layer (never another
// model's), and the map is part of the saved view ([Note: saved view] in features/project/view.ts).
import type { ModelRecord, RunRecord } from '../../shared/contract';
import { tabForRunKind } from '../app/featureTabs';
import { selectedModelIdAtom } from '../features/models/atoms';
import { selectedPhotoIdAtom } from '../features/photos/atoms';
import { projectAtom } from '../features/project/atoms';
import { layerByModelAtom, selectedLayerAtom, selectedRunIdAtom, tabAtom, type MainTab } from '../features/run/atoms';
import { store } from './store';

function model(modelId: string | null): ModelRecord | undefined {
  return modelId ? store.get(projectAtom)?.models.find((m) => m.id === modelId) : undefined;
}

/** true when `layer` is a tensor in the model's layer list */
export function isLayerOf(m: ModelRecord | undefined, layer: string | null | undefined): boolean {
  return !!m && !!layer && m.description.layers.some((l) => l.name === layer);
}

/** Select a model: its remembered layer comes back with it. */
export function selectModel(modelId: string | null): void {
  store.set(selectedModelIdAtom, modelId);
}

export function selectPhoto(photoId: string | null): void {
  store.set(selectedPhotoIdAtom, photoId);
}

/**
 * Select `layer` of model `modelId` (the model too, when another is selected). A name that is not one
 * of that model's layers is refused (returns false) — a layer of another model must never stick.
 */
export function selectLayer(modelId: string, layer: string | null): boolean {
  if (layer !== null && !isLayerOf(model(modelId), layer)) return false;
  store.set(layerByModelAtom, (m) => {
    const next = { ...m };
    if (layer === null) delete next[modelId];
    else next[modelId] = layer;
    return next;
  });
  if (store.get(selectedModelIdAtom) !== modelId) store.set(selectedModelIdAtom, modelId);
  store.set(selectedLayerAtom, layer);
  return true;
}

/** The layer a run looked at, when it names one (activations, a dream's first layer). */
function runLayer(run: RunRecord): string | undefined {
  if (run.kind === 'activations') return run.settings.layer;
  if (run.kind === 'dream') return run.settings.layers[0]?.name;
  return undefined;
}

/**
 * Show a saved run: its model, its photo (when it has one), its layer, and the tab its kind opens in.
 * `tab` overrides the kind's tab (e.g. a run shown where it was asked for).
 */
export function selectRun(run: RunRecord, o: { tab?: MainTab } = {}): void {
  if (model(run.modelId)) store.set(selectedModelIdAtom, run.modelId);
  if (run.photoId && store.get(projectAtom)?.photos.some((p) => p.id === run.photoId)) store.set(selectedPhotoIdAtom, run.photoId);
  const layer = runLayer(run);
  if (layer) selectLayer(run.modelId, layer);
  store.set(selectedRunIdAtom, run.id);
  store.set(tabAtom, o.tab ?? tabForRunKind(run.kind));
}

/** `selectRun` for callers that hold only the run's id (a job card's `job.runId`); false when the project has no such run. */
export function selectRunById(runId: string, o: { tab?: MainTab } = {}): boolean {
  const run = store.get(projectAtom)?.runs.find((r) => r.id === runId);
  if (run) selectRun(run, o);
  return !!run;
}

/** Switch tabs (the selection stays). */
export function selectTab(tab: MainTab): void {
  store.set(tabAtom, tab);
}

/**
 * Keeps the per-model layer memory in step with writes that bypass `selectLayer` (older code that sets
 * `selectedLayerAtom` or `selectedModelIdAtom` directly): a model switch restores that model's layer,
 * a valid layer write is remembered for the selected model. Called once at startup.
 */
export function watchSelection(): () => void {
  const offModel = store.sub(selectedModelIdAtom, () => {
    const id = store.get(selectedModelIdAtom);
    const remembered = id ? store.get(layerByModelAtom)[id] : undefined;
    const layer = isLayerOf(model(id), remembered) ? remembered! : null;
    if (store.get(selectedLayerAtom) !== layer) store.set(selectedLayerAtom, layer);
  });
  const offLayer = store.sub(selectedLayerAtom, () => {
    const id = store.get(selectedModelIdAtom);
    const layer = store.get(selectedLayerAtom);
    if (id && layer && isLayerOf(model(id), layer) && store.get(layerByModelAtom)[id] !== layer) {
      store.set(layerByModelAtom, (m) => ({ ...m, [id]: layer }));
    }
  });
  return () => {
    offModel();
    offLayer();
  };
}
