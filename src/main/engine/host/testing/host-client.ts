// The engine host as a real child process for tests: forked with tsx and spoken to over JSON IPC, as the
// bridge does. Requests get typed results (or throw with the host's error code); events are recorded and
// can be awaited.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isChannel, parseArgs, type Args, type Channel, type EngineStatus, type EventMap, type EventName, type Result, type WireMessage } from '../../../../shared/contract';
import { pathsOf, type GrantAccess } from '../grants';

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

  /**
   * The test plays the person and this client the app (Electron main): every file path a request names is
   * granted first, as a file dialog would (src/main/engine/host/grants.ts). `grant: false` sends it bare.
   */
  async raw(channel: string, args: unknown, opts: { grant?: boolean } = {}): Promise<Extract<WireMessage, { type: 'response' }>> {
    if (opts.grant !== false && isChannel(channel)) {
      let needs: ReturnType<typeof pathsOf> = [];
      try {
        needs = pathsOf(channel, parseArgs(channel, args));
      } catch {
        // bad arguments: the host answers them itself
      }
      for (const n of needs) if (n.access === 'read' || n.access === 'write') await this.grant(n.path, n.access);
    }
    return this.send({ type: 'request', id: this.id++, channel, args });
  }

  /** What Electron main does after a dialog: the engine may now read (or write) this path. */
  async grant(file: string, access: GrantAccess): Promise<void> {
    const r = await this.send({ type: 'grant', id: this.id++, path: file, access });
    if (!r.ok) throw new Error(`grant ${file}: ${r.error.message}`);
  }

  private send(msg: { id: number } & Record<string, unknown>): Promise<Extract<WireMessage, { type: 'response' }>> {
    return new Promise((resolve) => {
      this.pending.set(msg.id, resolve);
      this.child.send(msg);
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
