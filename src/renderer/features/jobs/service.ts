// Jobs: the one place the renderer pauses, resumes and cancels a job (the Jobs panel, the Dream tab and
// the Attribution tab all call these), and keeps the job list the engine's events describe.
import type { EventMap, JobInfo } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { attempt, report } from '../notices/service';
import { showRun } from '../run/service';
import { jobPreviewsAtom, jobsAtom } from './atoms';
import { isActive } from './state';

function upsert(job: JobInfo): void {
  store.set(jobsAtom, (jobs) => {
    const i = jobs.findIndex((j) => j.id === job.id);
    if (i < 0) return [job, ...jobs];
    const next = jobs.slice();
    next[i] = job;
    return next;
  });
}

/** Jobs whose finished run stays where it was asked for, instead of opening in its kind's tab. */
const stayPut = new Set<string>();

/**
 * A job a tab just started (the reply to its start request). The engine's `job:update` for it may have
 * arrived first and is newer than this snapshot, so a job already listed is left as the events put it.
 * `show: false`: the caller shows the run itself (e.g. the unit page's activation map), so its tab is not opened.
 */
export function trackJob(job: JobInfo, o: { show?: boolean } = {}): void {
  if (o.show === false) stayPut.add(job.id);
  store.set(jobsAtom, (jobs) => (jobs.some((j) => j.id === job.id) ? jobs : [job, ...jobs]));
}

export function onJobUpdate(job: JobInfo): void {
  upsert(job);
}

export function onJobPreview(p: EventMap['job:preview']): void {
  store.set(jobPreviewsAtom, (m) => ({ ...m, [p.jobId]: `data:${p.mime};base64,${p.base64}` }));
}

export function onJobDone({ job, run }: EventMap['job:done']): void {
  upsert(job);
  if (job.state === 'failed') report('run', job.error ?? 'unknown error', `${job.title} failed`);
  if (run && !stayPut.delete(job.id)) void showRun(run);
  else stayPut.delete(job.id);
}

export async function refreshJobs(): Promise<void> {
  const jobs = await attempt('run', 'Could not list jobs', () => api.invoke('job:list', {}));
  if (jobs) store.set(jobsAtom, jobs);
}

// The engine answers these at once and reports the new state through 'job:update'; a running job
// actually stops at its next checkpoint (between optimizer steps or batches).
export async function pauseJob(jobId: string): Promise<void> {
  await attempt('run', 'Could not pause the job', () => api.invoke('job:pause', { jobId }));
}

export async function resumeJob(jobId: string): Promise<void> {
  await attempt('run', 'Could not resume the job', () => api.invoke('job:resume', { jobId }));
}

export async function cancelJob(jobId: string): Promise<void> {
  await attempt('run', 'Could not cancel the job', () => api.invoke('job:cancel', { jobId }));
}

export function clearFinished(): void {
  store.set(jobsAtom, (jobs) => jobs.filter((j) => isActive(j.state)));
}
