// Whose settings the form holds: the person's once they change one (editForm), until then the settings a
// layer or unit was last rendered with, so a reopened project shows its images at once.
import type { ModelRecord, ProjectState } from '../../../shared/contract';
import { store } from '../../state/store';
import { fvFormAtom, fvFormTouchedAtom } from './atoms';
import { indexRuns } from './cache';
import { formFromSettings, formKey, type FvForm, type KeySettings } from './form';
import { featurevisRuns, preprocessUsed } from './project';

/** A setting the person changed: from now on the form is theirs (no settings adopted from saved runs). */
export function editForm(patch: Partial<FvForm>): void {
  store.set(fvFormAtom, (f) => ({ ...f, ...patch }));
  store.set(fvFormTouchedAtom, true);
}

/** Load a saved run's settings into the form when they are exactly expressible for this model; false if not. */
export function loadRunSettings(settings: KeySettings & { preset: string }, key: string, model: ModelRecord, o: { touch: boolean }): boolean {
  const next = formFromSettings(settings, store.get(fvFormAtom));
  let nextKey: string | null = null;
  try {
    nextKey = next && formKey(next, preprocessUsed(model));
  } catch {
    // an invalid form cannot come from a saved run; treat it as not loadable
  }
  if (!next || nextKey !== key) return false;
  store.set(fvFormAtom, next);
  if (o.touch) store.set(fvFormTouchedAtom, true);
  return true;
}

/**
 * Until the person changes a setting, a layer (or a unit, with `channel`) that has nothing rendered with the
 * form's settings but has saved images shows the newest of them: their settings are loaded into the form.
 */
export function adoptSavedSettings(project: ProjectState, model: ModelRecord, layer: string, channel?: number): void {
  if (store.get(fvFormTouchedAtom)) return;
  let key: string | null = null;
  try {
    key = formKey(store.get(fvFormAtom), preprocessUsed(model));
  } catch {
    return;
  }
  const runs = featurevisRuns(project);
  const mine = indexRuns(runs).filter((img) => img.modelId === model.id && img.layer === layer && (channel === undefined ? img.variant === 'channel' : img.channel === channel));
  if (mine.length === 0 || mine.some((img) => img.key === key)) return;
  const newest = mine[0]!;
  const run = runs.find((r) => r.id === newest.runId);
  if (run) loadRunSettings(run.settings, newest.key, model, { touch: false });
}
