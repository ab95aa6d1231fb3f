// [Note: saved view] What the person was looking at (model, photo, layer, tab, run) is stored in the
// project file through `project:saveView`, and put back when the project is opened again. Only ids
// that still exist in the project are restored.
import type { ProjectState } from '../../../shared/contract';
import { isKnownTab } from '../../app/featureTabs';
import { store } from '../../state/store';
import { selectedModelIdAtom } from '../models/atoms';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { selectedLayerAtom, selectedRunIdAtom, tabAtom, type MainTab } from '../run/atoms';

export interface SavedView {
  modelId?: string | null;
  photoId?: string | null;
  layer?: string | null;
  tab?: MainTab;
  runId?: string | null;
}

export function currentView(): SavedView {
  return {
    modelId: store.get(selectedModelIdAtom),
    photoId: store.get(selectedPhotoIdAtom),
    layer: store.get(selectedLayerAtom),
    tab: store.get(tabAtom),
    runId: store.get(selectedRunIdAtom),
  };
}

export function applyView(project: ProjectState): void {
  const v = project.view as SavedView;
  const model = project.models.find((m) => m.id === v.modelId) ?? project.models[0];
  const photo = project.photos.find((p) => p.id === v.photoId) ?? project.photos[0];
  const run = project.runs.find((r) => r.id === v.runId);
  store.set(selectedModelIdAtom, model?.id ?? null);
  store.set(selectedPhotoIdAtom, photo?.id ?? null);
  store.set(selectedLayerAtom, typeof v.layer === 'string' && model?.description.layers.some((l) => l.name === v.layer) ? v.layer : null);
  store.set(tabAtom, isKnownTab(v.tab) ? v.tab : 'model');
  store.set(selectedRunIdAtom, run?.id ?? null);
}

export const viewAtoms = [selectedModelIdAtom, selectedPhotoIdAtom, selectedLayerAtom, tabAtom, selectedRunIdAtom] as const;
