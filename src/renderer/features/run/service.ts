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
import { artifactsAtom, classifyBusyAtom, selectedLayerAtom, selectedRunIdAtom, tabAtom } from './atoms';

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

export async function activations(): Promise<void> {
  const sel = selection();
  if (!sel) return;
  const layer = store.get(selectedLayerAtom);
  if (!layer) return report('run', 'Choose a layer (Model tab → layer list, or the layer box) first.');
  const job = await attempt('run', `Could not start activations for "${layer}"`, () =>
    api.invoke('run:activations', { ...sel, layer, maxChannels: 64 }),
  );
  if (!job) return;
  clearArea('run');
  store.set(jobsAtom, (jobs) => [job, ...jobs.filter((j) => j.id !== job.id)]);
}

export async function showRun(run: RunRecord): Promise<void> {
  await refreshProject();
  store.set(selectedRunIdAtom, run.id);
  store.set(tabAtom, tabForRunKind(run.kind));
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
