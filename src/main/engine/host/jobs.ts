// Long-running work (activations now; DeepDream, attribution later) as jobs with progress, ETA and
// cancel. A job's body calls `step()` between pieces of work; cancel takes effect at the next step
// (a model run in the compute worker cannot be interrupted mid-run, so its result is discarded).
import type { JobInfo, RunRecord } from '../../../shared/contract';
import { newId } from '../../store/project';

export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

export interface JobControl {
  readonly id: string;
  /** report progress (0..1) and check for cancel; throws Cancelled when the job was cancelled */
  step(progress: number, message?: string, etaMs?: number): void;
  readonly cancelled: boolean;
}

export interface JobEvents {
  update(job: JobInfo): void;
  done(job: JobInfo, run?: RunRecord): void;
}

/** Jobs finished longer than this ago are dropped from job:list. */
const KEEP_DONE = 50;

export class Jobs {
  private jobs = new Map<string, JobInfo & { cancelRequested?: boolean; startedAt?: number }>();

  constructor(private events: JobEvents) {}

  list(): JobInfo[] {
    return [...this.jobs.values()].map(publicJob);
  }

  start(kind: string, title: string, body: (ctl: JobControl) => Promise<RunRecord | undefined>): JobInfo {
    const job: JobInfo & { cancelRequested?: boolean; startedAt?: number } = { id: newId('j'), kind, title, state: 'running', progress: 0, startedAt: performance.now() };
    this.jobs.set(job.id, job);
    const ctl: JobControl = {
      id: job.id,
      get cancelled() { return !!job.cancelRequested; },
      step: (progress, message, etaMs) => {
        if (job.cancelRequested) throw new Cancelled();
        job.progress = Math.max(job.progress, Math.min(1, progress));
        if (message !== undefined) job.message = message;
        if (etaMs !== undefined) job.etaMs = Math.max(0, Math.round(etaMs));
        else if (job.progress > 0.05) job.etaMs = Math.round(((performance.now() - job.startedAt!) / job.progress) * (1 - job.progress));
        this.events.update(publicJob(job));
      },
    };
    queueMicrotask(() => {
      this.events.update(publicJob(job));
      body(ctl).then(
        (run) => {
          // A cancel that arrives after the run was saved is too late: the job is done.
          if (job.cancelRequested && !run) return this.finish(job, 'cancelled');
          job.progress = 1;
          if (run) job.runId = run.id;
          this.finish(job, 'done', run);
        },
        (e) => {
          if (e instanceof Cancelled || job.cancelRequested) return this.finish(job, 'cancelled');
          job.error = (e as Error).message;
          this.finish(job, 'failed');
        },
      );
    });
    return publicJob(job);
  }

  cancel(id: string): void {
    const job = this.jobs.get(id);
    if (!job) throw Object.assign(new Error(`No job with id "${id}".`), { code: 'no-such-item' });
    if (job.state === 'running' || job.state === 'queued') {
      job.cancelRequested = true;
      job.message = 'cancelling…';
      this.events.update(publicJob(job));
    }
  }

  private finish(job: JobInfo & { startedAt?: number }, state: JobInfo['state'], run?: RunRecord) {
    job.state = state;
    delete job.etaMs;
    job.message = state === 'done' ? 'done' : state === 'cancelled' ? 'cancelled' : 'failed';
    this.events.done(publicJob(job), run);
    const done = [...this.jobs.values()].filter((j) => j.state !== 'running' && j.state !== 'queued');
    for (const j of done.slice(0, Math.max(0, done.length - KEEP_DONE))) this.jobs.delete(j.id);
  }
}

function publicJob(j: JobInfo & { cancelRequested?: boolean; startedAt?: number }): JobInfo {
  const { cancelRequested: _c, startedAt: _s, ...rest } = j;
  return { ...rest };
}
