// The one job runtime. Every kind of job (src/shared/jobs) goes through here: its recipe's host half
// prepares it, heavy jobs wait in a queue (one runs at a time: onnxruntime already uses every core), the
// worker half runs in the engine worker, and the result is saved as a typed run. Every kind gets progress,
// an ETA, preview frames, pause / resume / cancel (queued jobs too) and a clear failure when the worker
// dies — without writing any of it.
import type { JobInfo, RunRecord } from '../../../shared/contract';
import type { JobSpec } from '../../../shared/jobs/index';
import { EngineError, errorCode } from '../../../shared/errors';
import { newId } from '../../store/project';
import type { ProjectStore } from '../../store/project';
import type { Prepared, Recipe, RecipeHost } from '../recipes/types';
import type { JobProgress } from './control';
import type { EngineWorker, WorkerJob } from './worker-client';

export interface JobEvents {
  update(job: JobInfo): void;
  preview(jobId: string, mime: string, base64: string): void;
  done(job: JobInfo, run?: RunRecord): void;
}

type AnyRecipe = Recipe<JobSpec['kind'], unknown, unknown>;

interface Entry {
  info: JobInfo;
  spec: JobSpec;
  recipe: AnyRecipe;
  prepared: Prepared<unknown>;
  /** the project the job belongs to: its run is saved there or nowhere */
  store: ProjectStore;
  handle?: WorkerJob;
  cancelRequested?: boolean;
  /** active time, for the ETA: paused time does not count */
  activeMs: number;
  runningSince?: number;
}

/** Finished jobs kept for job:list. */
const KEEP_DONE = 50;

export interface JobRuntimeOptions {
  worker: () => EngineWorker;
  host: RecipeHost;
  recipes: Record<string, AnyRecipe>;
  events: JobEvents;
  /** preview frames at most this often (ms) */
  previewEveryMs?: number;
}

export class JobRuntime {
  private jobs = new Map<string, Entry>();
  private queue: Entry[] = [];
  private heavyRunning: Entry | undefined;

  constructor(private readonly o: JobRuntimeOptions) {}

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => ({ ...e.info }));
  }

  /** Prepare (errors refuse the job), then queue or start it. Returns the job as it is now. */
  async start(spec: JobSpec): Promise<JobInfo> {
    const recipe = this.o.recipes[spec.kind];
    if (!recipe) throw new EngineError('bad-args', `no recipe for jobs of kind "${spec.kind}"`);
    const store = this.o.host.project();
    const prepared = await recipe.prepare(spec as never, this.o.host);
    const e: Entry = { info: { id: newId('j'), kind: spec.kind, title: prepared.title, state: 'queued', progress: 0 }, spec, recipe, prepared, store, activeMs: 0 };
    this.jobs.set(e.info.id, e);
    if (recipe.heavy) {
      this.queue.push(e);
      if (this.heavyRunning) e.info.message = `waiting for "${this.heavyRunning.info.title}"`;
      this.update(e);
      queueMicrotask(() => this.next());
    } else {
      queueMicrotask(() => this.run(e));
    }
    return { ...e.info };
  }

  pause(jobId: string): void {
    const e = this.get(jobId);
    if (e.info.state === 'running') {
      this.account(e);
      e.handle?.pause();
      e.info.state = 'paused';
      e.info.message = 'paused';
      delete e.info.etaMs;
      this.update(e);
    } else if (e.info.state === 'queued') {
      // a paused queued job keeps its place but is skipped until resumed
      e.info.state = 'paused';
      e.info.message = 'paused (queued)';
      this.update(e);
    } else if (e.info.state !== 'paused') {
      throw new EngineError('not-running', `Job "${e.info.title}" is ${e.info.state}; only running or queued jobs can be paused.`);
    }
  }

  resume(jobId: string): void {
    const e = this.get(jobId);
    if (e.info.state !== 'paused') return;
    if (e.handle) {
      e.handle.resume();
      e.info.state = 'running';
      e.runningSince = performance.now();
      e.info.message = 'resumed';
    } else {
      e.info.state = 'queued';
      e.info.message = 'queued';
    }
    this.update(e);
    this.next();
  }

  cancel(jobId: string): void {
    const e = this.get(jobId);
    if (e.info.state === 'done' || e.info.state === 'failed' || e.info.state === 'cancelled') return;
    e.cancelRequested = true;
    if (!e.handle) {
      // never started: nothing ran, nothing to save
      this.queue = this.queue.filter((q) => q !== e);
      return this.finish(e, 'cancelled');
    }
    e.handle.cancel();
    if (e.info.state === 'paused') e.handle.resume(); // a paused job must wake up to stop
    e.info.message = 'cancelling…';
    this.update(e);
  }

  private get(jobId: string): Entry {
    const e = this.jobs.get(jobId);
    if (!e) throw new EngineError('no-such-item', `No job with id "${jobId}".`);
    return e;
  }

  /** Start the first queued heavy job that is not paused, when none is running. */
  private next(): void {
    if (this.heavyRunning) return;
    const e = this.queue.find((q) => q.info.state === 'queued');
    if (!e) return;
    this.queue = this.queue.filter((q) => q !== e);
    this.heavyRunning = e;
    void this.run(e);
  }

  private account(e: Entry): void {
    if (e.runningSince !== undefined) e.activeMs += performance.now() - e.runningSince;
    delete e.runningSince;
  }

  private async run(e: Entry): Promise<void> {
    e.info.state = 'running';
    e.info.message = 'starting';
    e.runningSince = performance.now();
    this.update(e);
    const handle = this.o.worker().job(e.spec.kind, e.prepared.input, {
      progress: (p) => this.progress(e, p),
      preview: (mime, bytes) => this.o.events.preview(e.info.id, mime, Buffer.from(bytes).toString('base64')),
    }, { ...(e.prepared.transfer ? { transfer: e.prepared.transfer } : {}), ...(this.o.previewEveryMs !== undefined ? { previewEveryMs: this.o.previewEveryMs } : {}) });
    e.handle = handle;
    try {
      const output = await handle.done;
      this.account(e);
      if (!e.store.isOpen) throw new EngineError('no-project', 'The project was closed while the job ran; its result was not saved.');
      const saved = await e.recipe.save(output, e.spec as never, e.prepared, this.o.host);
      const run = saved ? e.store.addRun(saved.run, saved.artifacts) : undefined;
      if (run) e.info.runId = run.id;
      // a job that stopped on cancel but kept a result (a dream's last frame) is saved, and still shown cancelled
      this.finish(e, e.cancelRequested || run?.status === 'cancelled' ? 'cancelled' : 'done', run);
    } catch (err) {
      this.account(e);
      if (errorCode(err) === 'cancelled' || e.cancelRequested) return this.finish(e, 'cancelled');
      e.info.error = (err as Error).message;
      this.finish(e, 'failed');
    } finally {
      if (this.heavyRunning === e) this.heavyRunning = undefined;
      this.next();
    }
  }

  private progress(e: Entry, p: JobProgress): void {
    if (e.cancelRequested || e.info.state === 'paused') return;
    e.info.progress = Math.max(e.info.progress, p.fraction);
    if (p.message !== undefined) e.info.message = p.message;
    const active = e.activeMs + (e.runningSince !== undefined ? performance.now() - e.runningSince : 0);
    if (p.etaMs !== undefined) e.info.etaMs = Math.max(0, Math.round(p.etaMs));
    else if (e.info.progress > 0.05) e.info.etaMs = Math.round((active / e.info.progress) * (1 - e.info.progress));
    this.update(e);
  }

  private update(e: Entry): void {
    this.o.events.update({ ...e.info });
  }

  private finish(e: Entry, state: 'done' | 'cancelled' | 'failed', run?: RunRecord): void {
    e.info.state = state;
    delete e.info.etaMs;
    if (state === 'done') e.info.progress = 1;
    e.info.message = state;
    delete e.handle;
    this.o.events.done({ ...e.info }, run);
    const finished = [...this.jobs.values()].filter((j) => j.info.state === 'done' || j.info.state === 'failed' || j.info.state === 'cancelled');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_DONE))) this.jobs.delete(j.info.id);
  }
}
