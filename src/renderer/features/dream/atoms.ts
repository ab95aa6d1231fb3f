import { atom } from '../../state/store';

/**
 * The Dream form as typed (strings where a field may be left empty). Classic google/deepdream defaults.
 * The layer is not here: it is the model's selected layer ([Note: selection] in state/selection.ts), or
 * the model's default, named before the run (layers.ts).
 */
export interface DreamForm {
  weight: string;
  /** comma-separated channel numbers, empty for all */
  channels: string;
  octaves: string;
  octaveScale: string;
  iterations: string;
  step: string;
  jitter: string;
  /** empty: a random seed, recorded with the result */
  seed: string;
  guidePhotoId: string;
}

export const DEFAULT_FORM: DreamForm = {
  weight: '1', channels: '', octaves: '4', octaveScale: '1.4', iterations: '10', step: '1.5', jitter: '32', seed: '', guidePhotoId: '',
};

export const dreamFormAtom = atom<DreamForm>(DEFAULT_FORM);
/** the dream job this window started last, with the model and photo it dreams on: its preview, progress
 * and controls show only while that model and photo are selected (else a line says which it is) */
export const dreamJobAtom = atom<{ jobId: string; modelId: string; photoId: string } | null>(null);
export const dreamBusyAtom = atom(false);
