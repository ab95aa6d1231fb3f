import { atom } from '../../state/store';

export const selectedModelIdAtom = atom<string | null>(null);
export const layerSearchAtom = atom('');
/** model add in flight: the name of the file being read (shown instead of the Add button's label) */
export const addingModelAtom = atom<string | null>(null);
