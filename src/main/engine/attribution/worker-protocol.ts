// Messages between the engine host and the attribution worker (a worker_threads Worker: session.run()
// blocks the thread it runs on, so attribution never runs on the host's main thread).
import type { SessionPlacement } from '../runtime/sessions';
import type { PixelSpace } from './baselines';
import type { AttributionResult, AttributionSettings } from './types';

export interface WorkerModel {
  sha: string;
  fileName: string;
  /** the worker reads the file… */
  path?: string;
  /** …or gets the bytes (embedded models) */
  bytes?: Uint8Array;
}

export interface AttributeRequest {
  model: WorkerModel;
  chw: [number, number, number];
  input: Float32Array;
  settings: AttributionSettings;
  labels?: string[];
  pixelSpace?: PixelSpace;
  /** the provider the app's setting resolved to (EngineStatus.active) and the threads; default CPU */
  placement?: SessionPlacement;
}

export type ToAttributionWorker =
  | { id: number; op: 'attribute'; req: AttributeRequest }
  | { id: number; op: 'cancel'; target: number }
  /** drop the sessions of one model (`sha`, when it was removed from the project) or of every model */
  | { id: number; op: 'release'; sha?: string };

export type FromAttributionWorker =
  | { id: number; ok: true; result: AttributionResult | null }
  | { id: number; ok: false; error: { message: string; code?: string } }
  | { id: number; progress: number };
