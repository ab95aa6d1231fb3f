import type { EventMap, JobInfo } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { attempt, report } from '../notices/service';
import { showRun } from '../run/service';
import { jobPreviewsAtom, jobsAtom } from './atoms';

function upsert(job: JobInfo): void {
  store.set(jobsAtom, (jobs) => {
    const i = jobs.findIndex((j) => j.id === job.id);
    if (i < 0) return [job, ...jobs];
    const next = jobs.slice();
    next[i] = job;
    return next;
  });
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
  if (run) void showRun(run);
}

export async function refreshJobs(): Promise<void> {
  const jobs = await attempt('run', 'Could not list jobs', () => api.invoke('job:list', {}));
  if (jobs) store.set(jobsAtom, jobs);
}

export async function cancelJob(jobId: string): Promise<void> {
  await attempt('run', 'Could not cancel the job', () => api.invoke('job:cancel', { jobId }));
}

export function clearFinished(): void {
  store.set(jobsAtom, (jobs) => jobs.filter((j) => j.state === 'queued' || j.state === 'running' || j.state === 'paused'));
}
