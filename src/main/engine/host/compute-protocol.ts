// Messages between the host's main thread and its compute worker (a worker_threads Worker that owns
// the onnxruntime sessions, because session.run() blocks the thread it runs on).
import type { EngineStatus, ModelDescription, ProviderSetting } from '../../../shared/contract';

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

export type ComputeRequest =
  | { op: 'status' }
  | { op: 'setProvider'; setting: ProviderSetting }
  | { op: 'inspect'; model: ModelRef; width?: number; height?: number }
  /** run the model on one input; `fetch` names graph outputs or inner tensors to return */
  | { op: 'run'; model: ModelRef; input: string; data: Float32Array; dims: number[]; fetch: string[]; jobId?: string }
  | { op: 'release'; sha: string };

export interface ComputeResults {
  status: EngineStatus;
  setProvider: EngineStatus;
  inspect: ModelDescription;
  run: { outputs: Record<string, FetchedTensor>; provider: EngineStatus['active']; runMs: number; sessionMs: number; cached: boolean };
  release: null;
}

export type ToWorker = { id: number; req: ComputeRequest };
export type FromWorker =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code?: string } }
  | { event: 'status'; status: EngineStatus }
  /** the worker lacks a model's bytes (embedded model, first use after a restart): the host resends */
  | { id: number; ok: false; error: { message: string; code: 'need-model' } };
