// What a job's state means for the UI: which jobs are still active (and so get Pause / Resume / Cancel),
// and the one-line status every view shows for a job.
import type { JobInfo } from '../../../shared/contract';
import { formatDuration } from '../../components/format';

export type JobState = JobInfo['state'];

const ACTIVE: ReadonlySet<JobState> = new Set<JobState>(['queued', 'running', 'paused']);

/** queued, running or paused: not finished, so it can still be paused, resumed or cancelled */
export function isActive(state: JobState): boolean {
  return ACTIVE.has(state);
}

/**
 * "42% · 12 s left · message": the ETA only while it runs (a paused or queued job's ETA means nothing).
 * `withState` leads with the state, for views that show no state label of their own; a message that
 * only repeats the state ("paused") is then left out.
 */
export function jobStatusText(job: JobInfo, o: { withState?: boolean } = {}): string {
  const eta = job.etaMs !== undefined && job.state === 'running' ? ` · ${formatDuration(job.etaMs)} left` : '';
  const message = job.message && !(o.withState && job.message === job.state) ? ` · ${job.message}` : '';
  return `${o.withState ? `${job.state} · ` : ''}${Math.round(job.progress * 100)}%${eta}${message}`;
}
