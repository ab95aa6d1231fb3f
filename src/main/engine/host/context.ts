// What every domain of the host (project, models, photos, runs, engine) shares: the open project, the
// engine worker, the job runtime, events. host.ts builds one and hands it to each domain's handlers.
import type { Channel, EngineStatus, EventMap, EventName, ModelRecord, ParsedArgs, Result } from '../../../shared/contract';
import type { ProjectStore } from '../../store/project';
import type { JobRuntime } from '../jobs/runtime';
import type { EngineWorker, ModelSource } from '../jobs/worker-client';

export type Handler<C extends Channel> = (args: ParsedArgs<C>) => Promise<Result<C>> | Result<C>;
export type Handlers<C extends Channel> = { [K in C]: Handler<K> };

export interface HostContext {
  /** the open project; throws 'no-project' when none is */
  project(): ProjectStore;
  /** replace the open project (closing the old one) */
  setProject(s: ProjectStore | null): void;
  readonly worker: EngineWorker;
  readonly jobs: JobRuntime;
  /** broadcast the project's new state */
  changed(): void;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  engine(): EngineStatus;
  setEngine(s: EngineStatus): void;
  /** the engine status as sent to clients (with the default model's state) */
  status(): EngineStatus;
  /** a run's sessions fell back to CPU: the engine status says so (once) */
  fellBack(reason: string): void;
  /** how the worker gets a model's weights: its file, or the bytes embedded in the project (read lazily) */
  modelSource(rec: ModelRecord): ModelSource;
  uploadDir(): string | undefined;
}

/** Insert into a small cache, dropping the oldest entry beyond `max`. */
export function remember<V>(m: Map<string, V>, key: string, value: V, max: number): void {
  m.set(key, value);
  while (m.size > max) m.delete(m.keys().next().value as string);
}
