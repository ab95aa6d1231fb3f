import type { LayerInfo } from '../../../shared/contract';
import { atom } from '../../state/store';

export const selectedModelIdAtom = atom<string | null>(null);
export const layerSearchAtom = atom('');
/** model add in flight: the name of the file being read (shown instead of the Add button's label) */
export const addingModelAtom = atom<string | null>(null);

/** `${modelId}@${w}x${h}` → the layer list at that input size (when it differs from the stored inspection) */
export const inspectionsAtom = atom<Record<string, { layers: LayerInfo[] } | { error: string }>>({});
/** the "Embed in project" checkbox of Add model (Electron/CLI paths; uploads are always kept in the project) */
export const embedNewModelAtom = atom(false);
/** the default-model failure message the person dismissed (shown once) */
export const defaultNoticeDismissedAtom = atom<string | null>(null);
/** model:addDefault in flight */
export const addingDefaultAtom = atom(false);
/** a model file that is already in the project (same sha256): its name and the model to use instead */
export const duplicateModelAtom = atom<{ fileName: string; modelId: string; modelName: string } | null>(null);
