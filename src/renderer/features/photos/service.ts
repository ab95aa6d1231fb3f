import type { FileSource } from '../../../shared/contract';
import { seenRunIds } from '../jobs/recovery';
import { api, fileSource } from '../../api';
import { store } from '../../state/store';
import { attempt, clearArea } from '../notices/service';
import { refreshProject } from '../project/service';
import { addingPhotosAtom, selectedPhotoIdAtom, thumbnailsAtom } from './atoms';

export const PHOTO_TYPES = /\.(jpe?g|png|webp)$/i;

async function addOne(source: FileSource, name: string): Promise<string | undefined> {
  const rec = await attempt('photos', `Could not add photo "${name}"`, () => api.invoke('photo:add', { source }));
  return rec?.id;
}

export async function addPhotoFiles(files: File[]): Promise<void> {
  store.set(addingPhotosAtom, (n) => n + files.length);
  let last: string | undefined;
  try {
    for (const file of files) {
      try {
        if (!PHOTO_TYPES.test(file.name)) {
          await attempt('photos', `Could not add "${file.name}"`, () =>
            Promise.reject(new Error('only JPEG, PNG and WebP photos can be added')),
          );
          continue;
        }
        const source = await attempt('photos', `Could not read "${file.name}"`, () => fileSource(file));
        if (source) last = (await addOne(source, file.name)) ?? last;
      } finally {
        store.set(addingPhotosAtom, (n) => n - 1);
      }
    }
  } finally {
    if (last) {
      clearArea('photos');
      store.set(selectedPhotoIdAtom, last);
    }
    await refreshProject();
  }
}

export async function pickAndAddPhoto(): Promise<boolean> {
  if (!api.pickFile) return false;
  const path = await api.pickFile('photo');
  if (path) {
    const id = await addOne({ kind: 'path', path }, path);
    if (id) store.set(selectedPhotoIdAtom, id);
    await refreshProject();
  }
  return true;
}

export async function removePhoto(photoId: string): Promise<void> {
  const ok = await attempt('photos', 'Could not remove the photo', () => api.invoke('photo:remove', { photoId, seenRunIds: seenRunIds({ photoId }) }));
  if (ok === undefined) return;
  if (store.get(selectedPhotoIdAtom) === photoId) store.set(selectedPhotoIdAtom, null);
  const state = await refreshProject();
  if (state && !store.get(selectedPhotoIdAtom)) store.set(selectedPhotoIdAtom, state.photos[0]?.id ?? null);
}

const inFlight = new Set<string>();

/** Fetches a thumbnail once; components call this from an effect and read thumbnailsAtom. */
export async function loadThumbnail(photoId: string, maxSize = 256): Promise<void> {
  const key = `${photoId}@${maxSize}`;
  if (store.get(thumbnailsAtom)[key] || inFlight.has(key)) return;
  inFlight.add(key);
  try {
    const t = await api.invoke('photo:thumbnail', { photoId, maxSize });
    store.set(thumbnailsAtom, (m) => ({ ...m, [key]: `data:${t.mime};base64,${t.base64}` }));
  } catch {
    // A missing thumbnail is not worth a banner; the tile shows the file name instead.
  } finally {
    inFlight.delete(key);
  }
}
