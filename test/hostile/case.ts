// What one hostile-input case is: a name, what it feeds the engine (through the real engine host), and the
// error it must answer with — a stable code and a message naming the file, op or setting — or, for input the
// engine should accept (an int8 model), a check of what it answered. The runner (corpus.test.ts) records
// each case's peak memory and bounds it.
import type { Args, Channel, EventMap, Result } from '../../src/shared/contract';
import type { HostileCorpus } from '../../scripts/build-hostile-corpus';

export interface HostileEnv {
  corpus: HostileCorpus;
  /** a typed call into the engine host; a job call can be awaited to its end with `job` */
  call<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>>;
  /** start a job (a run:* channel answering JobInfo) and wait for its job:done */
  job(start: Promise<{ id: string }>): Promise<EventMap['job:done']>;
  /** the open project's photo / model ids added by earlier cases, by corpus path */
  ids: Map<string, string>;
  /** an open project (created once before the model and photo cases) */
  projectFile: string;
}

export interface HostileCase {
  name: string;
  /** the table it belongs to; 'frame' is for WebSocket-frame cases (frames.ts) */
  kind: 'model' | 'photo' | 'project' | 'frame';
  /** skipped (with this reason printed) when ../shared's GoogLeNet is absent */
  needsGooglenet?: boolean;
  run(env: HostileEnv): Promise<unknown>;
  /** the error it must answer with */
  error?: { code: string; message: RegExp };
  /** or: what a success must look like (throws when not) */
  ok?: (value: unknown, env: HostileEnv) => void;
  /** checks after the case (no side files, not in Recent, the engine still answers) */
  after?: (env: HostileEnv) => Promise<void> | void;
  /** peak memory of the engine process during the case must stay under this (MiB); default 1536 */
  maxPeakMiB?: number;
}
