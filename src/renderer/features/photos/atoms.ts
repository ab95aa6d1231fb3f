import { atom } from '../../state/store';

export const selectedPhotoIdAtom = atom<string | null>(null);
/** photo id → data: URL of its thumbnail */
export const thumbnailsAtom = atom<Record<string, string>>({});
export const addingPhotosAtom = atom(0);
