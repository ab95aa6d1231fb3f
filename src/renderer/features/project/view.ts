// [Note: saved view] What the person was looking at (model, photo, layer per model, tab, run) is stored
// in the project file through `project:saveView`, and put back when the project is opened again. Only
// ids and layers that still exist in the project are restored.
import type { ProjectState } from '../../../shared/contract';
import { isKnownTab } from '../../app/featureTabs';
import { store } from '../../state/store';
import { selectedModelIdAtom } from '../models/atoms';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { layerByModelAtom, selectedLayerAtom, selectedRunIdAtom, tabAtom, type MainTab } from '../run/atoms';

export interface SavedView {
  modelId?: string | null;
  photoId?: string | null;
  /** the selected model's layer (kept for files saved before `layers`) */
  layer?: string | null;
  /** model id → its remembered layer */
  layers?: Record<string, string>;
  tab?: MainTab;
  runId?: string | null;
}

export function currentView(): SavedView {
  return {
    modelId: store.get(selectedModelIdAtom),
    photoId: store.get(selectedPhotoIdAtom),
    layer: store.get(selectedLayerAtom),
    layers: store.get(layerByModelAtom),
    tab: store.get(tabAtom),
    runId: store.get(selectedRunIdAtom),
  };
}

/** The saved per-model layers that still name a layer of a model in the project. */
export function validLayers(project: ProjectState, saved: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!saved || typeof saved !== 'object') return out;
  for (const [modelId, layer] of Object.entries(saved as Record<string, unknown>)) {
    const m = project.models.find((x) => x.id === modelId);
    if (typeof layer === 'string' && m?.description.layers.some((l) => l.name === layer)) out[modelId] = layer;
  }
  return out;
}

export function applyView(project: ProjectState): void {
  const v = project.view as SavedView;
  const model = project.models.find((m) => m.id === v.modelId) ?? project.models[0];
  const photo = project.photos.find((p) => p.id === v.photoId) ?? project.photos[0];
  const run = project.runs.find((r) => r.id === v.runId);
  const layers = validLayers(project, v.layers);
  const layer = typeof v.layer === 'string' && model?.description.layers.some((l) => l.name === v.layer) ? v.layer : model ? layers[model.id] ?? null : null;
  if (model && layer) layers[model.id] = layer;
  // the per-model memory first: a model switch restores its layer from it (state/selection.ts)
  store.set(layerByModelAtom, layers);
  store.set(selectedModelIdAtom, model?.id ?? null);
  store.set(selectedPhotoIdAtom, photo?.id ?? null);
  store.set(selectedLayerAtom, layer);
  store.set(tabAtom, isKnownTab(v.tab) ? v.tab : 'model');
  store.set(selectedRunIdAtom, run?.id ?? null);
}

export const viewAtoms = [selectedModelIdAtom, selectedPhotoIdAtom, selectedLayerAtom, layerByModelAtom, tabAtom, selectedRunIdAtom] as const;
