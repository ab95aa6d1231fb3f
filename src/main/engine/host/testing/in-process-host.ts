// The engine host in this test process (its worker thread is real): typed calls, every event recorded,
// and waiting for a job's end. For tests that drive recipes through the host; HostClient (host-client.ts)
// forks the engine process instead, as the bridge does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Args, Channel, EventMap, EventName, Result } from '../../../../shared/contract';
import type { Host } from '../host';

export interface InProcessHost {
  host: Host;
  /** a fresh temporary folder, also the app-data folder of this host */
  dir: string;
  events: { event: EventName; payload: unknown }[];
  call<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>>;
  /** resolves with f()'s first defined value, checked after every event */
  until<T>(f: () => T | undefined): Promise<T>;
  doneOf(jobId: string): Promise<EventMap['job:done']>;
}

/** A host with its own app-data folder and no built-in model (tests add the models they count). */
export async function inProcessHost(prefix: string): Promise<InProcessHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.FEATURESCOPE_DATA_DIR = dir;
  process.env.FEATURESCOPE_NO_DEFAULT_MODEL = '1';
  const { Host } = await import('../host');
  const events: { event: EventName; payload: unknown }[] = [];
  const waiters: (() => void)[] = [];
  const host = new Host({ emit: (event, payload) => { events.push({ event, payload }); waiters.splice(0).forEach((w) => w()); } });
  const until = async <T>(f: () => T | undefined): Promise<T> => {
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const doneOf = (jobId: string) => until(() => events.find((e) => e.event === 'job:done' && (e.payload as EventMap['job:done']).job.id === jobId)?.payload as EventMap['job:done'] | undefined);
  return { host, dir, events, call: (c, a) => host.handle(c, a) as never, until, doneOf };
}
