import { atom } from '../../state/store';

/** The Dream form as typed (strings where a field may be left empty). Classic google/deepdream defaults. */
export interface DreamForm {
  layer: string;
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
  layer: '', weight: '1', channels: '', octaves: '4', octaveScale: '1.4', iterations: '10', step: '1.5', jitter: '32', seed: '', guidePhotoId: '',
};

export const dreamFormAtom = atom<DreamForm>(DEFAULT_FORM);
/** the dream job this window started last (its preview, progress and controls are shown) */
export const dreamJobIdAtom = atom<string | null>(null);
export const dreamBusyAtom = atom(false);
