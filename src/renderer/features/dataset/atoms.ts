// The Dataset tab's state: the project's datasets (as dataset:list answers), which one is chosen (the unit
// page reads it too), and images fetched from the engine (thumbnails, patches) by key.
import type { DatasetInfo } from '../../../shared/dataset';
import { atom } from '../../state/store';

export const datasetsAtom = atom<DatasetInfo[] | null>(null);
export const selectedDatasetIdAtom = atom<string | null>(null);
/** data: URLs by `${datasetId}/${photoId}@${size}` or `${datasetId}/${photoId}#x,y,w,h@${size}` */
export const datasetImagesAtom = atom<Record<string, string>>({});
/** the photo chosen for nearest neighbours (the unit page and the map share it) */
export const chosenPhotoAtom = atom<{ datasetId: string; photoId: number; path?: string } | null>(null);
/** datasetIndex jobs this window started: job id → dataset id */
export const indexJobsAtom = atom<Record<string, string>>({});
