// A whole layer renders as several jobs (one per batch of channels, run one after another by the engine's
// queue); the layer's progress bar and ETA are these jobs added up.
import type { JobInfo } from '../../../shared/contract';

export type LayerState = 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';

export interface LayerProgress {
  jobs: number;
  /** jobs that ended (done, cancelled or failed) */
  finished: number;
  /** 0..1 over all jobs */
  progress: number;
  state: LayerState;
  /** while running: the running jobs' ETAs plus, for each job not started yet, the running job's estimated total */
  etaMs?: number;
}

const ENDED = new Set<JobInfo['state']>(['done', 'cancelled', 'failed']);

/** `jobs` in queue order; undefined: a job no longer listed (the Jobs panel's "Clear finished"), so it ended. */
export function layerProgress(jobs: readonly (JobInfo | undefined)[]): LayerProgress {
  const n = jobs.length;
  const listed = jobs.filter((j): j is JobInfo => j !== undefined);
  const finished = n - listed.filter((j) => !ENDED.has(j.state)).length;
  const progress = n ? jobs.reduce((sum, j) => sum + (!j || ENDED.has(j.state) ? 1 : j.progress), 0) / n : 1;
  const has = (s: JobInfo['state']) => listed.some((j) => j.state === s);
  const state: LayerState = has('running') ? 'running' : has('paused') ? 'paused' : has('queued') ? 'queued' : has('failed') ? 'failed' : has('cancelled') ? 'cancelled' : 'done';
  if (state !== 'running') return { jobs: n, finished, progress, state };
  const running = listed.filter((j) => j.state === 'running');
  // one job's whole duration, from the running job with an estimate: the time it has left over the share it has left
  const estimate = running.find((j) => j.etaMs !== undefined && j.progress < 1);
  if (!estimate) return { jobs: n, finished, progress, state };
  const perJob = estimate.etaMs! / (1 - estimate.progress);
  const waiting = listed.filter((j) => (j.state === 'queued' || j.state === 'paused') && j.progress === 0).length;
  const etaMs = running.reduce((sum, j) => sum + (j.etaMs ?? perJob * (1 - j.progress)), 0) + waiting * perJob;
  return { jobs: n, finished, progress, state, etaMs };
}
