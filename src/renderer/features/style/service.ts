// Style actions: start a style job from the form (or continue from a result), put a run's settings back in
// the form, add photos as style images, export; and the fast-style job over photos. Pause / Resume / Cancel
// go through the jobs feature like every other job's; progress, previews and the run come with its events.
import type { RunOf } from '../../../shared/contract';
import type { StyleSettingsInput } from '../../../shared/jobs/style';
import { api, fileSource } from '../../api';
import { downloadBase64 } from '../../components/download';
import { store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea, report } from '../notices/service';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { PHOTO_TYPES } from '../photos/service';
import { projectAtom } from '../project/atoms';
import { refreshProject } from '../project/service';
import { styleFormAtom, styleJobIdAtom, styleLayersOpenAtom, styleShownIdAtom, stylizeFormAtom, stylizeJobIdAtom, stylizeShownIdAtom } from './atoms';
import { continueSettings, formSettings, runForm } from './form';

/** the Style tab's banners */
export const AREA = 'style';

async function start(args: { modelId: string; photoId?: string; fromRunId?: string; settings: StyleSettingsInput }): Promise<void> {
  const job = await attempt(AREA, 'Could not start the style transfer', () => api.invoke('job:start', { kind: 'style', ...args }));
  if (!job) return;
  clearArea(AREA);
  store.set(styleJobIdAtom, job.id);
  trackJob(job);
}

/** The content photo the form means: the one picked in it while it is in the project, else the sidebar's. */
export function contentPhotoId(): string | null {
  const picked = store.get(styleFormAtom).contentPhotoId;
  // a pick from another project (the form outlives closing one) means nothing here
  return picked && store.get(projectAtom)?.photos.some((p) => p.id === picked) ? picked : store.get(selectedPhotoIdAtom);
}

export async function startStyle(): Promise<void> {
  const modelId = store.get(selectedModelIdAtom);
  if (!modelId) return report(AREA, 'Add or select a loss network (a model) first.');
  const form = store.get(styleFormAtom);
  const photoId = contentPhotoId();
  if (form.mode !== 'texture' && !photoId) return report(AREA, 'Add or select a content photo first.');
  let settings: StyleSettingsInput;
  try {
    settings = formSettings(form);
  } catch (e) {
    return report(AREA, (e as Error).message);
  }
  await start({ modelId, ...(form.mode !== 'texture' && photoId ? { photoId } : {}), settings });
}

/** Go on from a result's image with its own settings for `iterations` more (the form's Iterations). */
export async function continueStyle(run: RunOf<'style'>): Promise<void> {
  const n = Number(store.get(styleFormAtom).iterations);
  if (!Number.isInteger(n) || n < 1) return report(AREA, `Iterations must be a whole number of at least 1 to continue (got "${store.get(styleFormAtom).iterations}")`);
  await start({ modelId: run.modelId, ...(run.photoId ? { photoId: run.photoId } : {}), fromRunId: run.id, settings: continueSettings(run.settings, n) });
}

export function loadRunSettings(run: RunOf<'style'>): void {
  const form = runForm(run.settings, run.photoId);
  store.set(styleFormAtom, form);
  store.set(styleLayersOpenAtom, form.contentLayers.length > 0 || form.styleLayers.length > 0);
}

export function showStyleRun(runId: string): void {
  store.set(styleShownIdAtom, runId);
}

/** Photos picked in the Style tab join the project and the form's style images (weight 1). */
export async function addStylePhotos(files: File[]): Promise<void> {
  const added: string[] = [];
  for (const file of files) {
    if (!PHOTO_TYPES.test(file.name)) {
      report(AREA, `"${file.name}": only JPEG, PNG and WebP photos can be added`);
      continue;
    }
    const rec = await attempt(AREA, `Could not add "${file.name}"`, async () => api.invoke('photo:add', { source: await fileSource(file) }));
    if (rec) added.push(rec.id);
  }
  await refreshProject();
  addStyleImages(added);
}

/** Electron: the native dialog picks one photo for a style image. */
export async function pickStylePhoto(): Promise<boolean> {
  if (!api.pickFile) return false;
  const path = await api.pickFile('photo');
  if (path) {
    const rec = await attempt(AREA, 'Could not add the photo', () => api.invoke('photo:add', { source: { kind: 'path', path } }));
    await refreshProject();
    if (rec) addStyleImages([rec.id]);
  }
  return true;
}

export function addStyleImages(photoIds: string[]): void {
  store.set(styleFormAtom, (f) => {
    const have = new Set(f.styles.map((s) => s.photoId));
    return { ...f, styles: [...f.styles, ...photoIds.filter((id) => !have.has(id)).map((photoId) => ({ photoId, weight: '1' }))] };
  });
}

/**
 * Through the engine's export: PNG as stored (its text chunk "featurescope:style" holds the settings as they
 * ran, the model, the photos and the final losses) or JPEG (the same in its XMP packet). The browser downloads
 * it; Electron saves it.
 */
export async function exportStyle(run: RunOf<'style'>, format: 'png' | 'jpeg'): Promise<void> {
  const file = await attempt(AREA, `Could not export the ${format.toUpperCase()}`, () => api.invoke('style:export', { runId: run.id, format }));
  if (file) downloadBase64(file);
}

// ---- fast style ----------------------------------------------------------------------------------

/** The photos the fast-style form means: those ticked, else the sidebar's. */
export function stylizePhotoIds(): string[] {
  const ticked = store.get(stylizeFormAtom).photoIds;
  const selected = store.get(selectedPhotoIdAtom);
  return ticked.length ? ticked : selected ? [selected] : [];
}

export async function startStylize(): Promise<void> {
  const modelId = store.get(selectedModelIdAtom);
  if (!modelId) return report(AREA, 'Add or select a fast-style model first.');
  const photoIds = stylizePhotoIds();
  if (photoIds.length === 0) return report(AREA, 'Add or select a photo first.');
  const f = store.get(stylizeFormAtom);
  const size = f.size.trim() ? Number(f.size) : undefined;
  const overlap = Number(f.overlap);
  if (size !== undefined && !(Number.isInteger(size) && size >= 16)) return report(AREA, `Size must be a whole number of pixels, at least 16, or empty for each photo's own size (got "${f.size}")`);
  if (!f.overlap.trim() || !Number.isInteger(overlap) || overlap < 0) return report(AREA, `Tile overlap must be a whole number of pixels (got "${f.overlap}")`);
  const job = await attempt(AREA, 'Could not start stylizing', () =>
    api.invoke('job:start', { kind: 'stylize', modelId, photoIds, settings: { overlap, ...(size !== undefined ? { size } : {}) } }),
  );
  if (!job) return;
  clearArea(AREA);
  store.set(stylizeJobIdAtom, job.id);
  trackJob(job);
}

export function showStylizeRun(runId: string): void {
  store.set(stylizeShownIdAtom, runId);
}

/** One stylized photo, PNG as stored or JPEG, its settings embedded (text chunk / XMP "featurescope:stylize"). */
export async function exportStylized(run: RunOf<'stylize'>, item: number, format: 'png' | 'jpeg'): Promise<void> {
  const file = await attempt(AREA, `Could not export the ${format.toUpperCase()}`, () => api.invoke('stylize:export', { runId: run.id, item, format }));
  if (file) downloadBase64(file);
}
