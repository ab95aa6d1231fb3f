// [Note: one engine worker] Messages between the engine host (main thread of the engine process) and its
// one worker thread, which owns every onnxruntime session (session.run() blocks the thread it runs on, so
// the host's thread stays free to answer requests, pause and cancel). Two kinds of traffic share it:
//   calls — short requests with one answer (provider, inspect, a forward run, release a model);
//   jobs  — a recipe's worker half (src/main/engine/recipes), with progress, preview frames, pause /
//           resume / cancel, and one final output.
import type { EngineStatus, ModelDescription, ProviderSetting } from '../../../shared/contract';
import type { JobProgress } from './control';

/** How the worker gets a model: by path (it reads the file) or, for embedded models, by bytes (sent once per sha). */
export interface ModelRef {
  sha: string;
  fileName: string;
  path?: string;
  bytes?: Uint8Array;
}

export interface FetchedTensor {
  dims: number[];
  data: Float32Array;
}

export type CallRequest =
  | { op: 'status' }
  | { op: 'setProvider'; setting: ProviderSetting }
  | { op: 'inspect'; model: ModelRef; width?: number; height?: number }
  /** run the model on one input; `fetch` names graph outputs or inner tensors to return */
  | { op: 'run'; model: ModelRef; input: string; data: Float32Array; dims: number[]; fetch: string[] }
  | { op: 'release'; sha: string };

export interface ForwardResult {
  outputs: Record<string, FetchedTensor>;
  provider: EngineStatus['active'];
  runMs: number;
  sessionMs: number;
  cached: boolean;
}

export interface CallResults {
  status: EngineStatus;
  setProvider: EngineStatus;
  inspect: ModelDescription;
  run: ForwardResult;
  release: null;
}

export type ToWorker =
  | { type: 'call'; id: number; req: CallRequest }
  | { type: 'job'; id: number; kind: string; input: unknown; previewEveryMs?: number; checkpointEveryMs?: number }
  | { type: 'control'; id: number; action: 'pause' | 'resume' | 'cancel' }
  /**
   * Exit at the next turn of the worker's event loop. Worker.terminate() during onnxruntime's run() aborts the
   * whole process (the binding throws a C++ exception into a terminating environment: "terminate called after
   * throwing an instance of 'Napi::Error'"); a message is only handled once run() has returned.
   */
  | { type: 'stop' };

export interface WireError {
  message: string;
  code?: string;
}

export type FromWorker =
  | { type: 'answer'; id: number; ok: true; result: unknown }
  /** code 'need-model': the worker lacks a model's bytes (embedded model, first use after a restart): the host resends */
  | { type: 'answer'; id: number; ok: false; error: WireError }
  | { type: 'status'; status: EngineStatus }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'preview'; id: number; mime: string; bytes: Uint8Array }
  /** a job's full-resolution checkpoint image (PNG): what Resume starts from */
  | { type: 'checkpoint'; id: number; mime: string; bytes: Uint8Array }
  /** a sweep's finished item (PNG, its meta in the text chunk): kept in the run's row at once */
  | { type: 'item'; id: number; name: string; mime: string; bytes: Uint8Array }
  | { type: 'done'; id: number; output: unknown }
  | { type: 'failed'; id: number; error: WireError };

/** What the engine process passes the worker when it starts it (workerData). */
export interface WorkerOptions {
  /** extra recipe modules to load (tests register fake jobs this way) */
  recipeModules?: string[];
}
