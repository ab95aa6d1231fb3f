// The engine lives in its own process (a `child_process.fork` of the engine host), never on the bridge's
// serving thread: `session.run()` blocks the JS thread it runs on for the whole run.
// Many browser tabs share one engine; each tab numbers its own requests, so the bridge renumbers them on
// the way in and maps responses back. Events go to every tab.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { WireMessage } from '../shared/contract';

type Response = Extract<WireMessage, { type: 'response' }>;
type Event = Extract<WireMessage, { type: 'event' }>;

export interface EngineProcessOptions {
  /** out/main/host.js, or the TypeScript entry (then it is run with `--import tsx`) */
  entry: string;
  env?: Record<string, string>;
  /** where the host's stdout/stderr go; default: inherited */
  log?: (line: string) => void;
}

export class EngineProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Response) => void>();
  private readonly eventListeners = new Set<(e: Event) => void>();
  private closed = false;

  constructor(private readonly options: EngineProcessOptions) {
    if (!existsSync(options.entry)) {
      throw new Error(`engine host entry not found: ${options.entry} (run \`npm run build\` first)`);
    }
  }

  /** Starts the process now rather than on the first request (so the first request is not slower). */
  start(): void {
    this.ensureChild();
  }

  request(channel: string, args: unknown, onResponse: (r: Response) => void): void {
    const child = this.ensureChild();
    const id = this.nextId++;
    this.pending.set(id, onResponse);
    child.send({ type: 'request', id, channel, args });
  }

  onEvent(listener: (e: Event) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private ensureChild(): ChildProcess {
    if (this.closed) throw new Error('engine process is closed');
    if (this.child) return this.child;
    const { entry, env, log } = this.options;
    const child = fork(entry, [], {
      env: { ...process.env, ...env },
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      stdio: log ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    if (log) {
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) if (line.trim()) log(line);
        });
      }
    }
    child.on('message', (raw) => this.onMessage(raw as WireMessage));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      const why = signal ? `signal ${signal}` : `code ${code}`;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const reply of failed) {
        reply({ type: 'response', id: 0, ok: false, error: { message: `engine process exited (${why})`, code: 'engine-exit' } });
      }
      if (!this.closed) log?.(`engine process exited (${why}); it restarts on the next request`);
    });
    this.child = child;
    return child;
  }

  private onMessage(msg: WireMessage): void {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'response') {
      const reply = this.pending.get(msg.id);
      if (!reply) return;
      this.pending.delete(msg.id);
      reply(msg);
    } else if (msg.type === 'event') {
      for (const l of this.eventListeners) l(msg);
    }
  }
}
