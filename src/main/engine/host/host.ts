// The engine host: the open project, the one engine worker, the one job runtime, and the request
// handlers of each domain (project.ts, models.ts, photos.ts, runs.ts, engine.ts). Every request is
// validated with the contract's `parseArgs`. Transport-free: main.ts wires it to fork IPC / Electron ports.
import * as fs from 'node:fs';
import {
  parseArgs, type Channel, type DefaultModelStatus, type EngineStatus, type EventMap, type EventName, type ModelRecord,
} from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import { rememberRecent } from '../../store/recent';
import { JobRuntime } from '../jobs/runtime';
import { EngineWorker, type ModelSource } from '../jobs/worker-client';
import type { WorkerOptions } from '../jobs/protocol';
import { RECIPES } from '../recipes/index';
import { jobModelRef } from '../recipes/inputs';
import type { Handler, HostContext } from './context';
import { engineHandlers, readSettings } from './engine';
import { modelHandlers } from './models';
import { photoHandlers } from './photos';
import { projectHandlers } from './project';
import { runHandlers } from './runs';
import { datasetHandlers } from './dataset';
import { RequestLog } from './requests';

export interface HostOptions {
  uploadDir?: string;
  emit: <E extends EventName>(event: E, payload: EventMap[E]) => void;
  /** extra recipe modules for the worker (tests register fake jobs this way) */
  worker?: WorkerOptions;
  /** preview frames at most this often (ms) */
  previewEveryMs?: number;
}

export class Host {
  private store: ProjectStore | null = null;
  private engine: EngineStatus = { setting: 'auto', active: 'cpu', available: ['cpu'] };
  /** the built-in model's last build outcome, reported with every engine status */
  private defaultModel: DefaultModelStatus | undefined = process.env.FEATURESCOPE_NO_DEFAULT_MODEL === '1' ? { state: 'off' } : undefined;
  readonly worker: EngineWorker;
  readonly jobs: JobRuntime;
  uploadDir: string | undefined;
  private readonly handlers: { [C in Channel]: Handler<C> };
  /** writes carrying a client request id are applied once (requests.ts) */
  private readonly requests = new RequestLog();
  /** stops polling the open project for other connections' writes */
  private stopWatching: (() => void) | undefined;

  constructor(private opts: HostOptions) {
    this.uploadDir = opts.uploadDir;
    this.worker = new EngineWorker(opts.worker);
    this.worker.onStatus = (s) => {
      this.engine = s;
      opts.emit('engine:status', this.status());
    };
    const ctx: HostContext = {
      project: () => this.project(),
      setProject: (s) => this.setProject(s),
      worker: this.worker,
      get jobs() { return jobs; },
      changed: () => this.changed(),
      emit: (e, p) => opts.emit(e, p),
      engine: () => this.engine,
      setEngine: (s) => { this.engine = s; },
      status: () => this.status(),
      fellBack: (r) => this.fellBack(r),
      modelSource: (rec) => this.modelSource(rec),
      uploadDir: () => this.uploadDir,
    };
    const jobs = new JobRuntime({
      worker: () => this.worker,
      recipes: RECIPES as never,
      host: { project: () => this.project(), modelRef: (rec) => jobModelRef(this.project(), rec), engine: () => this.engine, fellBack: (r) => this.fellBack(r) },
      events: {
        update: (job) => opts.emit('job:update', job),
        preview: (jobId, mime, base64) => opts.emit('job:preview', { jobId, mime, base64 }),
        done: (job, run) => {
          opts.emit('job:done', run ? { job, run } : { job });
          // every end changes the job's row (its run, 'failed', or gone)
          if (this.store?.isOpen) this.changed();
        },
        rowsChanged: () => this.changed(),
      },
      ...(opts.previewEveryMs !== undefined ? { previewEveryMs: opts.previewEveryMs } : {}),
    });
    this.jobs = jobs;
    const ready = this.worker.setProvider(readSettings().provider).then((s) => { this.engine = s; }, () => undefined);
    const defaults = { get: () => this.defaultModel, set: (s: DefaultModelStatus) => { this.defaultModel = s; opts.emit('engine:status', this.status()); } };
    this.handlers = {
      ...projectHandlers(ctx, defaults),
      ...modelHandlers(ctx),
      ...photoHandlers(ctx),
      ...runHandlers(ctx),
      ...engineHandlers(ctx, ready),
      ...datasetHandlers(ctx),
    };
  }

  /** `rid`: the client's request id; a write seen before with the same id gets its first answer, not a second write. */
  async handle(channel: Channel, rawArgs: unknown, rid?: string): Promise<unknown> {
    const args = parseArgs(channel, rawArgs);
    const h = this.handlers[channel] as Handler<Channel>;
    return this.requests.once(() => (this.store?.isOpen ? this.store : null), channel, rid, () => Promise.resolve(h(args as never)));
  }

  async dispose(): Promise<void> {
    this.stopWatching?.();
    // jobs still running when the engine stops are interrupted, not left 'running' for the next one to guess
    if (this.store?.isOpen) this.jobs.interruptOwn(this.store);
    this.store?.close();
    this.store = null;
    await this.worker.terminate();
  }

  private project(): ProjectStore {
    if (!this.store?.isOpen) throw new EngineError('no-project', 'No project is open: create or open a project first.');
    return this.store;
  }

  private setProject(s: ProjectStore | null): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.store?.close();
    this.store = s;
    if (s) {
      rememberRecent(s.path, s.name);
      // jobs left 'running' by an engine that died are interrupted (their last frame stays, Resume offered)
      this.jobs.interruptDead(s);
      // another window, server or the CLI wrote to this file: tell our clients (PRAGMA data_version)
      this.stopWatching = s.watchOthers(() => this.changed());
      this.changed();
    }
  }

  private status(): EngineStatus {
    return this.defaultModel ? { ...this.engine, defaultModel: { ...this.defaultModel } } : { ...this.engine };
  }

  /**
   * A run's sessions fell back to CPU although the provider probe passed (the provider could not take that
   * model). The status bar says it once, in plain words: only the first reason since the last setProvider.
   */
  private fellBack(reason: string): void {
    if (this.engine.fallbackReason) return;
    this.engine = { ...this.engine, fallbackReason: reason };
    this.opts.emit('engine:status', this.status());
  }

  private changed(): void {
    if (this.store?.isOpen) this.opts.emit('project:changed', this.store.state());
  }

  /** How the worker gets this model: the original file when it is still there, else the embedded bytes (read only if needed). */
  private modelSource(rec: ModelRecord): ModelSource {
    const onDisk = fs.existsSync(rec.path) && fs.statSync(rec.path).isFile() && fs.statSync(rec.path).size === rec.description.fileSize;
    if (onDisk && !rec.embedded) return { sha: rec.sha256, fileName: rec.name, path: rec.path };
    if (rec.embedded) {
      const store = this.project();
      return {
        sha: rec.sha256, fileName: rec.name, ...(onDisk ? { path: rec.path } : {}),
        bytes: () => {
          const b = store.modelBytes(rec.id);
          if (!b) throw new EngineError('model-missing', `The embedded copy of ${rec.name} is missing from the project.`);
          return b;
        },
      };
    }
    throw new EngineError('model-missing', `The model file ${rec.path} is gone and the model was not embedded in the project. Add it again (with "embed" to keep it in the project).`);
  }
}
