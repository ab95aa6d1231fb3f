// Crash recovery in the UI ([Note: unfinished runs] in src/shared/jobs/runs.ts): when the engine or the
// server goes away, job cards stop saying "running"; the project's interrupted and failed runs are listed
// with their last frame, to Resume (into the same run) or Discard; deletes name the runs the window showed.
import type { JobInfo } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { attempt } from '../notices/service';
import { projectAtom } from '../project/atoms';
import { refreshProject } from '../project/service';
import { jobsAtom } from './atoms';
import { trackJob } from './service';
import { isActive } from './state';

/** The engine died or the connection went: no active job of that engine will report again. */
export function markJobsStopped(reason: string): void {
  store.set(jobsAtom, (jobs) =>
    jobs.some((j) => isActive(j.state))
      ? jobs.map((j): JobInfo => (isActive(j.state) ? { ...j, state: 'failed', message: 'interrupted', error: `${reason} The run is kept as interrupted; resume it once the engine is back.` } : j))
      : jobs,
  );
}

export async function resumeRun(runId: string): Promise<void> {
  const job = await attempt('run', 'Could not resume the run', () => api.invoke('run:resume', { runId }));
  if (job) trackJob(job);
  await refreshProject();
}

export async function discardRun(runId: string): Promise<void> {
  const ok = await attempt('run', 'Could not discard the run', () => api.invoke('run:remove', { runId }));
  if (ok !== undefined) await refreshProject();
}

/**
 * The runs of a model or photo this window has shown (finished and unfinished): sent with a delete, so
 * runs made meanwhile in another window or server make the engine refuse instead of deleting them unseen.
 */
export function seenRunIds(item: { modelId: string } | { photoId: string }): string[] {
  const p = store.get(projectAtom);
  if (!p) return [];
  const of = (r: { modelId: string; photoId?: string }) => ('modelId' in item ? r.modelId === item.modelId : r.photoId === item.photoId);
  return [...p.runs.filter(of), ...(p.unfinishedRuns ?? []).filter(of)].map((r) => r.id);
}
