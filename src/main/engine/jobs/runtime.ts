// The one job runtime. Every kind of job (src/shared/jobs) goes through here: its recipe's host half
// prepares it, heavy jobs wait in a queue (one runs at a time: onnxruntime already uses every core), the
// worker half runs in the engine worker, and the result is saved as a typed run. Every kind gets progress,
// an ETA, preview frames, pause / resume / cancel (queued jobs too) and a clear failure when the worker
// dies — without writing any of it.
// Crash recovery lives here too ([Note: unfinished runs] in src/shared/jobs/runs.ts): a job's run row is
// written when it starts, checkpointed while it runs (progress, the last preview frame) at a bounded rate,
// and becomes the typed run when it ends; rows whose engine died are marked interrupted when a project is
// opened (recovery.ts), and resumeRun() starts one again into the same row.
import type { JobInfo, RunRecord } from '../../../shared/contract';
import { jobSpecSchema, type JobSpec, type RunOwner } from '../../../shared/jobs/index';
import { EngineError, errorCode } from '../../../shared/errors';
import { newId } from '../../store/project';
import type { ProjectStore } from '../../store/project';
import type { Prepared, Recipe, RecipeHost } from '../recipes/types';
import type { JobProgress } from './control';
import type { EngineWorker, WorkerJob } from './worker-client';
import { engineOwner, ownerAlive } from './recovery';

export interface JobEvents {
  update(job: JobInfo): void;
  preview(jobId: string, mime: string, base64: string): void;
  done(job: JobInfo, run?: RunRecord): void;
  /** a run row was written or changed outside done (a job started, was resumed, or its row was dropped) */
  rowsChanged?(): void;
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
  /** its row in the project (written at start, see the header) */
  runId?: string;
  lastCheckpoint: number;
  /** the newest frame, written with the next checkpoint: the full-resolution checkpoint image once the job sends one, else the preview */
  frame?: { mime: string; bytes: Uint8Array; written: boolean };
  /** the job sends full-resolution checkpoint images: previews no longer replace the row's frame */
  fullFrames?: boolean;
  /** a frame / a full-resolution frame is in the row (the first of each is written without waiting for the rate) */
  frameWritten?: boolean;
  fullFrameWritten?: boolean;
}

/** A sweep's finished items are kept in its row as artifacts named `item/<the recipe's name>`. */
const ITEM_PREFIX = 'item/';

/** Finished jobs kept for job:list. */
const KEEP_DONE = 50;

export interface JobRuntimeOptions {
  worker: () => EngineWorker;
  host: RecipeHost;
  recipes: Record<string, AnyRecipe>;
  events: JobEvents;
  /** preview frames at most this often (ms) */
  previewEveryMs?: number;
  /** progress and the last frame are written to the run's row at most this often (ms); default 3000 */
  checkpointEveryMs?: number;
}

export class JobRuntime {
  private jobs = new Map<string, Entry>();
  private queue: Entry[] = [];
  private heavyRunning: Entry | undefined;
  /** who this engine is, in the rows it writes */
  readonly owner: RunOwner = engineOwner();
  private checkpointFailed = false;

  constructor(private readonly o: JobRuntimeOptions) {}

  /**
   * Rows of `store` left 'running' by an engine that is gone become 'interrupted': called when a project
   * is opened. Rows of this engine whose job is no longer here (the project was closed under it) count as gone.
   */
  interruptDead(store: ProjectStore): string[] {
    return store.interruptDeadRuns((owner, runId) =>
      owner.engine === this.owner.engine ? [...this.jobs.values()].some((e) => e.runId === runId && e.store === store && !isFinished(e.info.state)) : ownerAlive(owner));
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => ({ ...e.info }));
  }

  /** Prepare (errors refuse the job), then queue or start it. Returns the job as it is now. */
  async start(spec: JobSpec): Promise<JobInfo> {
    const recipe = this.o.recipes[spec.kind];
    if (!recipe) throw new EngineError('bad-args', `no recipe for jobs of kind "${spec.kind}"`);
    const store = this.o.host.project();
    const prepared = await recipe.prepare(spec as never, this.o.host);
    // every kind of job names its model (a row needs one); only the runtime tests' fake kinds have none
    // a heavy job's row says 'queued' until it starts (run() marks it running); a light one starts at once
    const runId = (spec as { modelId?: string }).modelId ? store.beginRun(spec as never, this.owner, this.o.host.engine().active, prepared.title, recipe.heavy ? 'queued' : 'running') : undefined;
    return this.enqueue(spec, recipe, prepared, store, runId, prepared.title);
  }

  /** This engine is stopping: its own running rows in `store` become 'interrupted'. */
  interruptOwn(store: ProjectStore): string[] {
    return store.interruptDeadRuns((owner) => owner.engine !== this.owner.engine && ownerAlive(owner));
  }

  /**
   * Start an interrupted or failed run again, into the same row: an optimization whose recipe can start
   * from an image (`recipe.resume`) starts from the row's last frame, anything else runs from the start.
   */
  async resumeRun(runId: string): Promise<JobInfo> {
    const store = this.o.host.project();
    const u = store.unfinishedRun(runId);
    if (u.status === 'running' || u.status === 'queued') {
      const here = [...this.jobs.values()].some((e) => e.runId === runId && !isFinished(e.info.state));
      throw new EngineError('not-interrupted', here ? `Run ${runId} is ${u.status} now.` : `Run ${runId} is ${u.status} in another Featurescope window or server (process ${u.checkpoint.owner.pid}).`);
    }
    const parsed = jobSpecSchema.safeParse(u.spec);
    if (!parsed.success) throw new EngineError('bad-args', `the stored job of run ${runId} cannot run again: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const spec = parsed.data;
    const recipe = this.o.recipes[spec.kind];
    if (!recipe) throw new EngineError('bad-args', `no recipe for jobs of kind "${spec.kind}"`);
    let prepared = await recipe.prepare(spec as never, this.o.host);
    const frame = u.artifacts.find((a) => a.name === 'checkpoint');
    let title = `${prepared.title} (resumed)`;
    if (frame && recipe.resume) {
      // a recipe that cannot start from this frame (not its state, or a kind of run that cannot) returns `prepared` itself: it reruns
      const resumed = await recipe.resume(prepared, store.artifact(frame.id).bytes, spec as never, this.o.host);
      if (resumed !== prepared) title = `${resumed.title} (resumed from its last frame)`;
      prepared = resumed;
    }
    const items = u.artifacts.filter((a) => a.name.startsWith(ITEM_PREFIX));
    if (items.length && recipe.resumeItems) {
      const kept = items.map((a) => ({ name: a.name.slice(ITEM_PREFIX.length), mime: a.mime, bytes: store.artifact(a.id).bytes }));
      const resumed = await recipe.resumeItems(prepared, kept, spec as never, this.o.host);
      if (resumed !== prepared) title = `${resumed.title} (resumed: ${kept.length} finished item${kept.length === 1 ? '' : 's'} kept)`;
      prepared = resumed;
    }
    store.restartRun(runId, this.owner, recipe.heavy ? 'queued' : 'running');
    return this.enqueue(spec, recipe, prepared, store, runId, title);
  }

  private enqueue(spec: JobSpec, recipe: AnyRecipe, prepared: Prepared<unknown>, store: ProjectStore, runId: string | undefined, title: string): JobInfo {
    const e: Entry = { info: { id: newId('j'), kind: spec.kind, title, state: 'queued', progress: 0, ...(runId ? { runId } : {}) }, spec, recipe, prepared, store, activeMs: 0, ...(runId ? { runId } : {}), lastCheckpoint: -Infinity };
    this.jobs.set(e.info.id, e);
    this.o.events.rowsChanged?.();
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
      this.dropRow(e);
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
    // its row said 'queued' while it waited
    if (e.runId && e.store.isOpen) this.guard(() => { if (e.store.runStarted(e.runId!)) this.o.events.rowsChanged?.(); });
    this.update(e);
    // the recipe names its worker half (the same as the spec's kind, except for the tests' stand-ins)
    const handle = this.o.worker().job(e.recipe.kind, e.prepared.input, {
      progress: (p) => this.progress(e, p),
      preview: (mime, bytes) => {
        if (!e.fullFrames) e.frame = { mime, bytes, written: false };
        this.checkpoint(e);
        this.o.events.preview(e.info.id, mime, Buffer.from(bytes).toString('base64'));
      },
      // a sweep's finished item goes into the row at once (Resume skips it)
      item: (name, mime, bytes) => {
        if (e.runId && e.store.isOpen) this.guard(() => e.store.keepRunItem(e.runId!, `${ITEM_PREFIX}${name}`, { mime, bytes }));
      },
      // what Resume starts from: the job's state at full resolution (lossless), not the ≤480-px preview
      checkpoint: (mime, bytes) => {
        e.fullFrames = true;
        e.frame = { mime, bytes, written: false };
        this.checkpoint(e);
      },
    }, {
      ...(e.prepared.transfer ? { transfer: e.prepared.transfer } : {}), ...(this.o.previewEveryMs !== undefined ? { previewEveryMs: this.o.previewEveryMs } : {}),
      checkpointEveryMs: this.o.checkpointEveryMs ?? 3000,
    });
    e.handle = handle;
    try {
      const output = await handle.done;
      this.account(e);
      if (!e.store.isOpen) throw new EngineError('no-project', 'The project was closed while the job ran; its result was not saved.');
      const saved = await e.recipe.save(output, e.spec as never, e.prepared, this.o.host);
      // the job's own row becomes the run (undefined: its model or photo was deleted meanwhile, and the row with it)
      const run = saved ? (e.runId ? e.store.finishRun(e.runId, saved.run, saved.artifacts) : e.store.addRun(saved.run, saved.artifacts)) : undefined;
      if (!saved) this.dropRow(e);
      if (run) e.info.runId = run.id;
      // a job that stopped on cancel but kept a result (a dream's last frame) is saved, and still shown cancelled
      this.finish(e, e.cancelRequested || run?.status === 'cancelled' ? 'cancelled' : 'done', run);
    } catch (err) {
      this.account(e);
      if (errorCode(err) === 'cancelled' || e.cancelRequested) {
        this.dropRow(e);
        return this.finish(e, 'cancelled');
      }
      e.info.error = (err as Error).message;
      // the row says it failed and keeps its last frame (one not yet written goes in first): Resume can start it again
      if (e.runId && e.store.isOpen) {
        const frame = e.frame && !e.frame.written ? e.frame : undefined;
        if (frame) this.guard(() => e.store.checkpointRun(e.runId!, { fraction: e.info.progress, message: e.info.message, durationMs: e.activeMs }, frame));
        this.guard(() => e.store.failRun(e.runId!, e.info.error!, e.activeMs));
      }
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
    this.checkpoint(e);
    this.update(e);
  }

  /** Progress and the newest frame to the run's row, at most once per checkpointEveryMs. */
  private checkpoint(e: Entry): void {
    const t = performance.now();
    // the first frame — and the first full-resolution one — go in at once (a short run must not end with no frame,
    // or only a preview, to resume from); later ones at the rate
    const pending = e.frame !== undefined && !e.frame.written;
    const firstFrame = pending && (!e.frameWritten || (e.fullFrames === true && !e.fullFrameWritten));
    if (!e.runId || !e.store.isOpen || (!firstFrame && t - e.lastCheckpoint < (this.o.checkpointEveryMs ?? 3000))) return;
    e.lastCheckpoint = t;
    const frame = e.frame && !e.frame.written ? e.frame : undefined;
    if (frame) { frame.written = true; e.frameWritten = true; if (e.fullFrames) e.fullFrameWritten = true; }
    const active = e.activeMs + (e.runningSince !== undefined ? t - e.runningSince : 0);
    this.guard(() => e.store.checkpointRun(e.runId!, { fraction: e.info.progress, message: e.info.message, durationMs: active }, frame));
  }

  private dropRow(e: Entry): void {
    if (e.runId && e.store.isOpen) this.guard(() => e.store.dropRun(e.runId!));
    // the job no longer names a run: its row is gone (a cancel that kept nothing saves nothing)
    delete e.info.runId;
    this.o.events.rowsChanged?.();
  }

  /** A checkpoint that cannot be written (the disk is full, another server holds a long write) must not fail the job. */
  private guard(f: () => unknown): void {
    try {
      f();
    } catch (err) {
      if (!this.checkpointFailed) console.error(`featurescope: could not write a job's run row to the project: ${(err as Error).message}`);
      this.checkpointFailed = true;
    }
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
    const finished = [...this.jobs.values()].filter((j) => isFinished(j.info.state));
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_DONE))) this.jobs.delete(j.info.id);
  }
}

function isFinished(state: JobInfo['state']): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
