import type { RunRecord } from '../../../shared/contract';
import { api } from '../../api';
import { tabForRunKind } from '../../app/featureTabs';
import { store } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea, report } from '../notices/service';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { projectAtom } from '../project/atoms';
import { refreshProject } from '../project/service';
import { selectRun } from '../../state/selection';
import { joinComparison } from '../attribution/service';
import { artifactsAtom, classifyBusyAtom, selectedRunIdAtom, tabAtom } from './atoms';

function selection(): { modelId: string; photoId: string } | null {
  const modelId = store.get(selectedModelIdAtom);
  const photoId = store.get(selectedPhotoIdAtom);
  if (!modelId) return report('run', 'Add or select a model first.'), null;
  if (!photoId) return report('run', 'Add or select a photo first.'), null;
  return { modelId, photoId };
}

export async function classify(): Promise<void> {
  const sel = selection();
  if (!sel) return;
  store.set(classifyBusyAtom, true);
  try {
    const run = await attempt('run', 'Classification failed', () => api.invoke('run:classify', { ...sel, top: 5 }));
    if (!run) return;
    clearArea('run');
    await showRun(run);
  } finally {
    store.set(classifyBusyAtom, false);
  }
}

/** Activations of `layer` (the Run tab names it: the selected feature map or the model's default). */
export async function activations(layer: string): Promise<void> {
  const sel = selection();
  if (!sel) return;
  const info = store.get(projectAtom)?.models.find((m) => m.id === sel.modelId)?.description.layers.find((l) => l.name === layer);
  if (!info) return report('run', `"${layer}" is not a layer of the selected model: pick one from the list.`);
  // every channel, so the grid can page through all of them (the engine's limit is 4096)
  const maxChannels = Math.max(1, Math.min(4096, Number(info.shape[1]) || 64));
  const job = await attempt('run', `Could not start activations for "${layer}"`, () =>
    api.invoke('run:activations', { ...sel, layer, maxChannels }),
  );
  if (!job) return;
  clearArea('run');
  store.set(jobsAtom, (jobs) => [job, ...jobs.filter((j) => j.id !== job.id)]);
}

/** Kinds whose views show only the selected model's and photo's runs ([Note: selection]). */
const PER_PHOTO: readonly RunRecord['kind'][] = ['classify', 'activations', 'dream', 'attribution'];

/**
 * A run that just finished (its job's `job:done`, or a classification's reply). It opens — with its model,
 * photo and layer selected — unless the person has moved on to another model or photo meanwhile: then
 * it stays in History and the Jobs panel rather than pulling the view back.
 */
export async function showRun(run: RunRecord): Promise<void> {
  const state = await refreshProject();
  const fresh = state?.runs.find((r) => r.id === run.id) ?? run;
  if (fresh.kind === 'attribution') joinComparison(fresh.id);
  const moved = store.get(selectedModelIdAtom) !== fresh.modelId || (!!fresh.photoId && store.get(selectedPhotoIdAtom) !== fresh.photoId);
  if (moved && PER_PHOTO.includes(fresh.kind)) return;
  if (PER_PHOTO.includes(fresh.kind)) return selectRun(fresh);
  // other kinds (feature visualization, style…) manage their own model and inputs: open their tab only
  store.set(selectedRunIdAtom, fresh.id);
  store.set(tabAtom, tabForRunKind(fresh.kind));
}

export function selectedRun(): RunRecord | undefined {
  const id = store.get(selectedRunIdAtom);
  return store.get(projectAtom)?.runs.find((r) => r.id === id);
}

export async function removeRun(runId: string): Promise<void> {
  const ok = await attempt('run', 'Could not delete the run', () => api.invoke('run:remove', { runId }));
  if (ok === undefined) return;
  if (store.get(selectedRunIdAtom) === runId) store.set(selectedRunIdAtom, null);
  await refreshProject();
}

const inFlight = new Set<string>();

export async function loadArtifact(artifactId: string): Promise<void> {
  if (store.get(artifactsAtom)[artifactId] || inFlight.has(artifactId)) return;
  inFlight.add(artifactId);
  try {
    const a = await attempt('run', 'Could not load the result image', () => api.invoke('artifact:get', { artifactId }));
    if (a) store.set(artifactsAtom, (m) => ({ ...m, [artifactId]: `data:${a.mime};base64,${a.base64}` }));
  } finally {
    inFlight.delete(artifactId);
  }
}
