// The engine host as a real child process for tests: forked with tsx and spoken to over JSON IPC, as the
// bridge does. Requests get typed results (or throw with the host's error code); events are recorded and
// can be awaited.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Args, Channel, EngineStatus, EventMap, EventName, Result, WireMessage } from '../../../../shared/contract';

export class HostClient {
  readonly child: ChildProcess;
  private id = 1;
  private pending = new Map<number, (m: Extract<WireMessage, { type: 'response' }>) => void>();
  readonly events: { event: EventName; payload: unknown }[] = [];
  private waiters: { pred: (e: { event: EventName; payload: unknown }) => boolean; resolve: (p: unknown) => void }[] = [];

  constructor(env: Record<string, string>) {
    // FEATURESCOPE_NO_DEFAULT_MODEL: these tests count the models they add themselves
    this.child = fork(path.join(__dirname, '..', 'main.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, FEATURESCOPE_NO_DEFAULT_MODEL: '1', ...env }, serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: WireMessage) => {
      if (m.type === 'response') {
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
      } else if (m.type === 'event') {
        const e = { event: m.event, payload: m.payload };
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e.payload), false) : true));
      }
    });
  }

  raw(channel: string, args: unknown): Promise<Extract<WireMessage, { type: 'response' }>> {
    const id = this.id++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ type: 'request', id, channel, args });
    });
  }

  async call<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>> {
    const r = await this.raw(channel, args);
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
    return r.result as Result<C>;
  }

  waitFor<E extends EventName>(event: E, pred: (p: EventMap[E]) => boolean = () => true): Promise<EventMap[E]> {
    const seen = this.events.find((e) => e.event === event && pred(e.payload as EventMap[E]));
    if (seen) return Promise.resolve(seen.payload as EventMap[E]);
    return new Promise((resolve) => this.waiters.push({ pred: (e) => e.event === event && pred(e.payload as EventMap[E]), resolve: resolve as (p: unknown) => void }));
  }

  /** every engine:status event so far, oldest first */
  get statuses(): EngineStatus[] {
    return this.events.filter((e) => e.event === 'engine:status').map((e) => e.payload as EngineStatus);
  }

  rssMiB(): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
