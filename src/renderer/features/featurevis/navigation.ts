// Where the Features tab is: the layer grid or a unit page, the unit's address in the URL (#unit/…), and
// featurevis runs picked elsewhere (History, the saved view) shown here.
import type { ProjectState } from '../../../shared/contract';
import { store } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { selectedModelIdAtom } from '../models/atoms';
import { selectedLayerAtom, tabAtom } from '../run/atoms';
import { parseUnitHash, sameUnit, unitHash, type UnitAddress } from './address';
import { fvJobsAtom, fvUnitAtom } from './atoms';
import { runImages } from './cache';
import { loadRunSettings } from './formState';
import { featurevisRuns } from './project';
import { runsOf } from '../run/runOf';
import { followTuningRun } from './tuningService';

export const TAB = 'features';

export function openUnit(u: UnitAddress): void {
  store.set(selectedModelIdAtom, u.modelId);
  store.set(selectedLayerAtom, u.layer);
  store.set(fvUnitAtom, u);
  if (location.hash !== unitHash(u)) location.hash = unitHash(u);
}

/** Back to the layer grid; the address loses its #unit part (a history entry, so Back returns to the unit). */
export function closeUnit(): void {
  store.set(fvUnitAtom, null);
  if (parseUnitHash(location.hash)) history.pushState(null, '', `${location.pathname}${location.search}`);
}

/** The URL changed (Back / Forward, a typed or pasted #unit/… address). */
export function onHashChange(): void {
  const u = parseUnitHash(location.hash);
  if (sameUnit(u, store.get(fvUnitAtom))) return;
  if (!u) return void store.set(fvUnitAtom, null);
  openUnit(u);
  store.set(tabAtom, TAB);
}

let followed: string | null = null;

/**
 * A featurevis run was picked elsewhere (History, or the project's saved view): show it — its unit page
 * when it renders one channel, else its layer's grid — with its settings in the form, so the grid and
 * page find its images. Runs of this window's own jobs arrive the same way as they finish; those leave
 * the page as it is.
 */
export function followRun(project: ProjectState, runId: string | null): void {
  if (!runId || runId === followed) return;
  followed = runId;
  const tuning = runsOf(project.runs, 'tuning').find((r) => r.id === runId);
  if (tuning) return openUnit(followTuningRun(tuning));
  const mine = store.get(jobsAtom).some((j) => j.runId === runId && store.get(fvJobsAtom)[j.id]);
  const run = featurevisRuns(project).find((r) => r.id === runId);
  if (mine || !run) return;
  const images = runImages(run);
  if (images.length === 0) return;
  const model = project.models.find((m) => m.id === run.modelId);
  if (model) loadRunSettings(run.settings, images[0]!.key, model, { touch: false });
  const channels = new Set(images.map((i) => i.channel));
  const { layer } = images[0]!;
  if (channels.size === 1) return openUnit({ modelId: run.modelId, layer, channel: images[0]!.channel });
  store.set(selectedModelIdAtom, run.modelId);
  store.set(selectedLayerAtom, layer);
  closeUnit();
}
