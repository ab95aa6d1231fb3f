// Messages between a dream's owner (engine host or test) and the worker thread that runs it.
// A dream runs for seconds to minutes and onnxruntime blocks the thread it runs on, so each dream
// gets its own worker: the host stays free to answer, pause, resume and cancel.
import type { ExecutionProviderName } from '../../../shared/contract';
import type { PixelSpace } from './pixels';
import type { DreamSettingsInput } from '../../../shared/jobs/dream';
import type { DreamProgress } from './loop';
import type { DreamOutcome } from './dream';

export interface DreamJobRequest {
  photo: Uint8Array;
  photoName: string;
  /** a model file path, or its bytes (embedded models) */
  modelPath?: string;
  modelBytes?: Uint8Array;
  modelName: string;
  space: PixelSpace;
  settings: DreamSettingsInput;
  guide?: Uint8Array;
  provider?: ExecutionProviderName;
  threads?: number;
  previewEveryMs?: number;
  previewMaxSide?: number;
}

export type ToDreamWorker = { type: 'start'; req: DreamJobRequest } | { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export type DreamSummary = Omit<DreamOutcome, 'image'>;

export type FromDreamWorker =
  | { type: 'progress'; progress: DreamProgress }
  | { type: 'preview'; jpeg: Uint8Array; width: number; height: number }
  | { type: 'done'; summary: DreamSummary; width: number; height: number; /** the full-resolution result, RGB bytes */ rgb: Uint8Array }
  | { type: 'error'; message: string };
