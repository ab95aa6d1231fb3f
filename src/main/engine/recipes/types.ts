// A recipe is one kind of job (src/shared/jobs): a host half that checks the spec against the project and
// gathers the worker's input, a worker half that does the work under a JobControl, and a host half that
// turns the worker's output into a typed run. The job runtime (../jobs) does everything else: queueing,
// progress, ETA, previews, pause / resume / cancel, crashes.
import type { EngineStatus, ModelRecord } from '../../../shared/contract';
import type { JobKind, JobSpecOf, NewRun } from '../../../shared/jobs/index';
import type { NewArtifact, ProjectStore } from '../../store/project';
import type { JobControl } from '../jobs/control';
import type { LoadedModel } from '../onnx/inspect';
import type { CallResults, ModelRef } from '../jobs/protocol';
import type { SessionCache } from '../runtime/sessions';
import type { GradientRuntime } from '../gradients/index';

/** What a recipe's host half may use. */
export interface RecipeHost {
  project(): ProjectStore;
  /** how the worker gets a model (its file, or its embedded bytes) */
  modelRef(rec: ModelRecord): ModelRef;
  engine(): EngineStatus;
  /** a run's sessions fell back to CPU: the engine status says so (once) */
  fellBack(reason: string): void;
}

/** What a recipe's worker half may use: the worker's shared model and session caches. */
export interface WorkerEnv {
  /** a decoded model, cached by sha (bytes arrive once per model) */
  model(ref: ModelRef): LoadedModel;
  /** a forward run through the worker's session cache (the same path as the 'run' call) */
  forward(req: { model: ModelRef; input: string; data: Float32Array; dims: number[]; fetch: string[] }): Promise<CallResults['run']>;
  /** the provider the engine's setting resolved to, and the intra-op threads */
  placement(): { provider: EngineStatus['active']; threads: number };
  readonly sessions: SessionCache;
  /** compiled-gradient and forward sessions, in the worker's one session cache (shared by every job) */
  readonly gradients: GradientRuntime;
}

export interface Prepared<I> {
  /** shown in the jobs list */
  title: string;
  /** what the worker half gets (structured-cloned; `transfer` moves big buffers instead) */
  input: I;
  transfer?: ArrayBuffer[];
}

export interface WorkerOutput<O> {
  output: O;
  transfer?: ArrayBuffer[];
}

/** What a finished (or cancelled-with-a-result) job stores: a typed run and its files. */
export interface SavedRun<K extends JobKind> {
  run: NewRun<K>;
  artifacts: NewArtifact[];
}

export interface Recipe<K extends JobKind, I = unknown, O = unknown> {
  kind: K;
  /** heavy jobs run one at a time (queued); light ones (a single forward pass) start at once */
  heavy: boolean;
  /** host: check the spec against the open project; an error here refuses the job before it is queued */
  prepare(spec: JobSpecOf<K>, host: RecipeHost): Promise<Prepared<I>> | Prepared<I>;
  /** worker: do the work; cancel and pause come through `ctl` (return what was kept, or throw Cancelled) */
  run(input: I, ctl: JobControl, env: WorkerEnv): Promise<WorkerOutput<O>>;
  /** host: the worker's output → a typed run to store (undefined: nothing to keep) */
  save(output: O, spec: JobSpecOf<K>, prepared: Prepared<I>, host: RecipeHost): Promise<SavedRun<K> | undefined>;
  /**
   * host, optional: an interrupted run starts again from its last frame (image bytes: the full-resolution PNG
   * the job sent with `ctl.checkpointImage`, or in older rows a JPEG preview) instead of its start image —
   * for optimizations that can start from an image. Without it, or when it returns `prepared` itself (this
   * frame cannot start this run), Resume reruns.
   */
  resume?(prepared: Prepared<I>, frame: Uint8Array, spec: JobSpecOf<K>, host: RecipeHost): Promise<Prepared<I>>;
  /**
   * host, optional, for sweeps: an interrupted run starts again without the items it finished (kept in its
   * row as it went: `ctl.keepItem` in the worker half). Returns `prepared` itself when none of them is usable.
   */
  resumeItems?(prepared: Prepared<I>, items: { name: string; mime: string; bytes: Uint8Array }[], spec: JobSpecOf<K>, host: RecipeHost): Promise<Prepared<I>>;
  /** worker: drop what the worker half keeps for a model (compiled sessions) when the model is removed */
  release?(sha: string): Promise<void>;
}
