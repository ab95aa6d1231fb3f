import { atom } from '../../state/store';

/** 'model' | 'run' | 'history', or a feature tab's id ([Note: feature tabs] in app/featureTabs.tsx) */
export type MainTab = string;

export const tabAtom = atom<MainTab>('model');
/** the layer activations are shown for (a tensor name from the model's layer list) */
export const selectedLayerAtom = atom<string | null>(null);
/** model id → the layer last picked for it ([Note: selection] in state/selection.ts); part of the saved view */
export const layerByModelAtom = atom<Record<string, string>>({});
/** the run whose result the run panel shows */
export const selectedRunIdAtom = atom<string | null>(null);
/** artifact id → data: URL (activation grids), fetched once */
export const artifactsAtom = atom<Record<string, string>>({});
export const classifyBusyAtom = atom(false);
