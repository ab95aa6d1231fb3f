// Dream actions: start (or continue from a result), export. Writes atoms through `store`; the job's
// progress and preview frames arrive through the jobs feature's events, and pause / resume / cancel go
// through the jobs feature's service like every other job's.
import type { RunOf, RunRecord } from '../../../shared/contract';
import { api } from '../../api';
import { downloadBase64 } from '../../components/download';
import { store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea, report } from '../notices/service';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { projectAtom } from '../project/atoms';
import { selectedLayerAtom } from '../run/atoms';
import { selectLayer, selectPhoto, selectRun, selectTab } from '../../state/selection';
import { dreamBusyAtom, dreamFormAtom, dreamJobAtom, type DreamForm } from './atoms';
import { dreamLayerFor } from './layers';

// Dream messages share the Run area's banners (the notices feature's areas are fixed).
const AREA = 'run' as const;

/** Form + the layer named in the tab → engine settings. Errors name the field; the engine checks ranges again. */
export function formSettings(f: DreamForm, layer: string): Record<string, unknown> {
  const num = (label: string, v: string, integer: boolean): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new Error(`${label} must be ${integer ? 'a whole number' : 'a number'} (got "${v}")`);
    return n;
  };
  const channels = f.channels.trim() ? f.channels.split(',').map((c) => num('Channels', c.trim(), true)) : undefined;
  return {
    // always the layer the tab named (its default included), so what the person read is what runs
    layers: [{ name: layer, weight: num('Weight', f.weight, false), ...(channels ? { channels } : {}) }],
    octaves: num('Octaves', f.octaves, true),
    octaveScale: num('Octave scale', f.octaveScale, false),
    iterations: num('Iterations', f.iterations, true),
    step: num('Step', f.step, false),
    jitter: num('Jitter', f.jitter, true),
    ...(f.seed.trim() ? { seed: num('Seed', f.seed, true) } : {}),
  };
}

export async function startDream(fromRun?: RunOf<'dream'>): Promise<void> {
  const modelId = fromRun?.modelId ?? store.get(selectedModelIdAtom);
  const photoId = fromRun?.photoId ?? store.get(selectedPhotoIdAtom);
  if (!modelId) return report(AREA, 'Add or select a model first.');
  if (!photoId) return report(AREA, 'Add or select a photo first.');
  const form = store.get(dreamFormAtom);
  const model = store.get(projectAtom)?.models.find((m) => m.id === modelId);
  const { layer } = dreamLayerFor(model, store.get(selectedLayerAtom));
  if (!layer) return report(AREA, `${model?.name ?? 'This model'} has no feature map ([1,C,H,W] layer) to dream on.`);
  let settings: Record<string, unknown>;
  try {
    settings = formSettings(form, layer);
  } catch (e) {
    return report(AREA, (e as Error).message);
  }
  store.set(dreamBusyAtom, true);
  try {
    const job = await attempt(AREA, 'Could not start the dream', () =>
      api.invoke('run:dream', {
        modelId, photoId, settings,
        ...(fromRun ? { fromRunId: fromRun.id } : {}),
        ...(form.guidePhotoId ? { guidePhotoId: form.guidePhotoId } : {}),
      }),
    );
    if (!job) return;
    clearArea(AREA);
    store.set(dreamJobAtom, { jobId: job.id, modelId, photoId });
    trackJob(job);
  } finally {
    store.set(dreamBusyAtom, false);
  }
}

/** Full-resolution export: the browser downloads it (Electron shows its save dialog). */
export async function exportDream(run: RunRecord, format: 'png' | 'jpeg'): Promise<void> {
  const r = await attempt(AREA, `Could not export the ${format.toUpperCase()}`, () => api.invoke('dream:export', { runId: run.id, format }));
  if (r?.base64) downloadBase64({ fileName: r.fileName, mime: r.mime, base64: r.base64 });
}

/** Put a dream's settings back into the form (to run it again or tweak it). */
export function loadSettings(run: RunOf<'dream'>): void {
  const s = run.settings;
  // the form holds one layer; a dream of several (CLI) loads its first
  const layer: (typeof s.layers)[number] | undefined = s.layers[0];
  if (layer) selectLayer(run.modelId, layer.name);
  store.set(dreamFormAtom, (f) => ({
    ...f,
    weight: String(layer?.weight ?? 1), channels: layer?.channels?.join(',') ?? '',
    octaves: String(s.octaves), octaveScale: String(s.octaveScale), iterations: String(s.iterations),
    step: String(s.step), jitter: String(s.jitter), seed: String(s.seed),
  }));
}

/** The dream strip picks runs through the one selection (its model, photo and layer come with it). */
export function showDreamRun(run: RunOf<'dream'>): void {
  selectRun(run, { tab: 'dream' });
}

/** "Dream this channel" (activation tiles): the layer and channel in the form, the Dream tab open. */
export function dreamChannel(modelId: string, photoId: string | undefined, layer: string, channel: number): void {
  selectLayer(modelId, layer);
  if (photoId) selectPhoto(photoId);
  store.set(dreamFormAtom, (f) => ({ ...f, channels: String(channel) }));
  selectTab('dream');
}
