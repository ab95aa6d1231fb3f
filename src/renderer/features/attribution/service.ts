// Attribution in the UI: start a job (paused, resumed and cancelled through the jobs feature), fetch a
// saved run's map and photo for drawing, export files.
import type { RunRecord } from '../../../shared/contract';
import { api } from '../../api';
import { base64Bytes, downloadBase64, downloadBlob } from '../../components/download';
import { store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea, report } from '../notices/service';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { projectAtom } from '../project/atoms';
// the CLI's parser (shared, pure): the box accepts exactly what --target does
import { parseTarget } from '../../../shared/attribution-target';
import { photoStem } from '../../../shared/attribution-names';
import { sheetFileName } from './draw';
import { composeSheet } from './sheet';
import { attrJobIdAtom, compareIdsAtom, displayAtom, formAtom, mapsAtom, photosAtom, shownRunIdAtom, type AttributionForm } from './atoms';

/** The form → the engine's settings: only the fields the chosen method reads. */
export function formSettings(f: AttributionForm, target: unknown): Record<string, unknown> {
  const s: Record<string, unknown> = { method: f.method, target };
  const ig = { steps: f.steps, baseline: f.baseline };
  switch (f.method) {
    case 'smoothgrad': Object.assign(s, { samples: f.samples, noiseLevel: f.noiseLevel, inner: f.inner }, f.inner === 'ig' ? ig : {}); break;
    case 'ig': Object.assign(s, ig); break;
    case 'gradcam': case 'guided-gradcam': if (f.layer.trim()) s.layer = f.layer.trim(); break;
    case 'occlusion': Object.assign(s, { window: f.window, stride: f.stride, baselineValue: f.baselineValue }); break;
  }
  return s;
}

export async function runAttribution(): Promise<void> {
  const modelId = store.get(selectedModelIdAtom);
  const photoId = store.get(selectedPhotoIdAtom);
  if (!modelId) return report('run', 'Add or select a model first.');
  if (!photoId) return report('run', 'Add or select a photo first.');
  const model = store.get(projectAtom)?.models.find((m) => m.id === modelId);
  const form = store.get(formAtom);
  let target: unknown;
  try {
    target = parseTarget(form.target, model?.labels);
  } catch (e) {
    return report('run', e, 'Target');
  }
  const job = await attempt('run', `Could not start ${form.method}`, () =>
    // a Grad-CAM layer typed for another model is not sent: this model's default instead
    api.invoke('run:attribute', { modelId, photoId, settings: formSettings(model?.description.layers.some((l) => l.name === form.layer) ? form : { ...form, layer: '' }, target) }),
  );
  if (!job) return;
  clearArea('run');
  store.set(attrJobIdAtom, job.id);
  trackJob(job);
}

export async function loadMap(runId: string): Promise<void> {
  if (store.get(mapsAtom)[runId]) return;
  const m = await attempt('run', 'Could not load the map', () => api.invoke('attribution:map', { runId }));
  if (!m) return;
  const data = new Float32Array(base64Bytes(m.base64).buffer, 0, m.width * m.height);
  store.set(mapsAtom, (all) => ({ ...all, [runId]: { width: m.width, height: m.height, data } }));
}

export async function loadPhoto(photoId: string): Promise<void> {
  if (store.get(photosAtom)[photoId]) return;
  const t = await attempt('run', 'Could not load the photo', () => api.invoke('photo:thumbnail', { photoId, maxSize: 768 }));
  if (t) store.set(photosAtom, (all) => ({ ...all, [photoId]: `data:${t.mime};base64,${t.base64}` }));
}

export function showAttribution(run: RunRecord): void {
  store.set(shownRunIdAtom, run.id);
}

/** A new run joins the comparison by itself (untick it to leave it out). */
export function joinComparison(runId: string): void {
  store.set(compareIdsAtom, (ids) => (ids.includes(runId) ? ids : [...ids, runId]));
}

export function toggleCompare(runId: string): void {
  store.set(compareIdsAtom, (ids) => (ids.includes(runId) ? ids.filter((i) => i !== runId) : [...ids, runId]));
}

/** Export a run as a file the browser downloads (Electron saves it through the same download path). */
export async function exportRun(runId: string, format: 'png' | 'npy' | 'csv'): Promise<void> {
  const d = store.get(displayAtom);
  const file = await attempt('run', `Could not export ${format.toUpperCase()}`, () =>
    api.invoke('attribution:export', {
      runId, format,
      ...(d.signMode !== 'auto' ? { signMode: d.signMode } : {}),
      ...(d.colormap !== 'auto' ? { colormap: d.colormap } : {}),
      opacity: d.opacity,
      outlierPercent: d.clip,
    }),
  );
  if (file) downloadBase64(file);
}

/** The comparison (or the one map shown) as one PNG, drawn from the canvases on screen. */
export async function exportSheet(container: HTMLElement | null, photoName: string | undefined, modelName: string | undefined, methods: string[]): Promise<void> {
  const canvases = container ? [...container.querySelectorAll<HTMLCanvasElement>('canvas[data-testid="attr-canvas"]')].filter((c) => Number(c.dataset.drawn) > 0) : [];
  if (canvases.length === 0) return report('run', 'Nothing drawn yet to export: wait for the maps to appear.');
  const sheet = composeSheet(canvases, [photoName, modelName, `${canvases.length} attribution map${canvases.length === 1 ? '' : 's'}`].filter(Boolean).join(' · '));
  const blob = await new Promise<Blob | null>((res) => sheet.toBlob(res, 'image/png'));
  if (!blob) return report('run', 'Could not encode the comparison sheet as PNG (canvas too large?).');
  downloadBlob(blob, sheetFileName(photoStem(photoName), methods));
}
