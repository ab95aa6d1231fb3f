// Which saved run a view shows (pure; node:test covers it). A view shows results of the selected model
// and photo only: the run picked (History, a thumbnail, a finished job) when it is of that model and
// photo, else that selection's newest run, else none — never the previous photo's or model's result.
// A run made without a photo (a CLI dream from a tensor) is shown when picked, flagged as such.
import type { RunRecord } from '../../../shared/contract';

export interface Selection {
  modelId: string | null;
  photoId: string | null;
}

export function ofSelection(run: RunRecord, sel: Selection): boolean {
  return run.modelId === sel.modelId && (run.photoId ?? null) === sel.photoId;
}

/** The selection's runs, newest first. */
export function runsOfSelection<R extends RunRecord>(runs: readonly R[], sel: Selection): R[] {
  return runs.filter((r) => ofSelection(r, sel)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export interface Shown<R extends RunRecord> {
  run: R | undefined;
  /** set when the run shown is not of the selected photo: say so, and which */
  elsewhere?: 'no-photo';
}

export function runToShow<R extends RunRecord>(runs: readonly R[], sel: Selection, pickedId: string | null): Shown<R> {
  const picked = pickedId ? runs.find((r) => r.id === pickedId) : undefined;
  if (picked && ofSelection(picked, sel)) return { run: picked };
  if (picked && picked.modelId === sel.modelId && !picked.photoId) return { run: picked, elsewhere: 'no-photo' };
  return { run: runsOfSelection(runs, sel)[0] };
}
