// The engine lives in its own process (a `child_process.fork` of the engine host), never on the bridge's
// serving thread: `session.run()` blocks the JS thread it runs on for the whole run.
// Many browser tabs share one engine; each tab numbers its own requests, so the bridge renumbers them on
// the way in and maps responses back. Events go to every tab.
// When the engine dies (a crash, `kill -9`, out of memory) every tab hears it at once ('engine:process'
// down), the bridge starts a new engine straight away and reopens the project that was open before any
// other request reaches it, then says 'up'. The open project is also kept in the app-data folder
// (open-project.json) until it is closed, so a bridge that itself crashed reopens it when started again.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WireMessage } from '../shared/contract';
import { dataDir } from '../main/store/recent';
import { engineProcessEnv } from '../main/engine/runtime/process-env';

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
  /** the project the engine has open (from its answers to project:open / create / close) */
  private project: string | null = null;
  private readonly sessionFile: string;
  /** when the current child started, and how long to wait before the next restart (grows if it keeps dying young) */
  private startedAt = 0;
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineProcessOptions) {
    if (!existsSync(options.entry)) {
      throw new Error(`engine host entry not found: ${options.entry} (run \`npm run build\` first)`);
    }
    const dir = options.env?.FEATURESCOPE_DATA_DIR;
    this.sessionFile = join(dir ? resolve(dir) : dataDir(), 'open-project.json');
    this.project = readSession(this.sessionFile);
  }

  /** Starts the process now rather than on the first request (so the first request is not slower). */
  start(): void {
    this.ensureChild();
  }

  /** `rid`: the client's request id (the host applies a write once per id). */
  request(channel: string, args: unknown, onResponse: (r: Response) => void, rid?: string): void {
    const child = this.ensureChild();
    const id = this.nextId++;
    this.pending.set(id, (r) => {
      if (r.ok) this.track(channel, r.result);
      onResponse(r);
    });
    child.send({ type: 'request', id, channel, args, ...(rid ? { rid } : {}) });
  }

  /** Follows which project is open, for reopening it in a restarted engine. */
  private track(channel: string, result: unknown): void {
    if (channel === 'project:open' || channel === 'project:create') {
      const p = (result as { path?: unknown } | null)?.path;
      if (typeof p === 'string') this.setSession(p);
    } else if (channel === 'project:close') {
      this.setSession(null);
    }
  }

  private setSession(project: string | null): void {
    this.project = project;
    try {
      if (project === null) rmSync(this.sessionFile, { force: true });
      else {
        mkdirSync(resolve(this.sessionFile, '..'), { recursive: true });
        writeFileSync(`${this.sessionFile}.tmp`, JSON.stringify({ project }));
        renameSync(`${this.sessionFile}.tmp`, this.sessionFile);
      }
    } catch (e) {
      this.options.log?.(`bridge: could not remember the open project in ${this.sessionFile}: ${(e as Error).message}`);
    }
  }

  private emit(state: 'up' | 'down', reason?: string): void {
    const e: Event = { type: 'event', event: 'engine:process', payload: { state, ...(reason ? { reason } : {}) } };
    for (const l of this.eventListeners) l(e);
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
    clearTimeout(this.restartTimer);
    // a clean stop: the next start begins at the start screen (the engine closes the project itself)
    if (this.project) rmSync(this.sessionFile, { force: true });
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
      env: engineProcessEnv({ ...process.env, ...env }),
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
      if (this.closed) return;
      log?.(`engine process exited (${why}); restarting it`);
      this.emit('down', `The engine stopped (${why}).`);
      // one that keeps dying young is restarted less and less often (up to every 10 s), never in a tight loop
      this.restartDelayMs = Date.now() - this.startedAt < 10_000 ? Math.min(10_000, Math.max(250, this.restartDelayMs * 2)) : 0;
      this.restartTimer = setTimeout(() => { if (!this.closed && !this.child) this.ensureChild(); }, this.restartDelayMs);
    });
    this.child = child;
    this.startedAt = Date.now();
    this.reopen(child);
    return child;
  }

  /**
   * First request of every engine: reopen the project that was open (IPC keeps order, so it is open before
   * any request a tab sends). 'up' goes out once it answered; a project that no longer opens is forgotten.
   */
  private reopen(child: ChildProcess): void {
    const project = this.project;
    const id = this.nextId++;
    this.pending.set(id, (r) => {
      if (!r.ok) {
        this.options.log?.(`bridge: could not reopen ${project} in the new engine: ${r.error.message}`);
        if (r.error.code !== 'engine-exit') this.setSession(null);
      }
      if (this.child === child) this.emit('up');
    });
    child.send(project ? { type: 'request', id, channel: 'project:open', args: { path: project } } : { type: 'request', id, channel: 'project:state', args: {} });
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

function readSession(file: string): string | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { project?: unknown };
    return typeof s.project === 'string' && existsSync(s.project) ? s.project : null;
  } catch {
    return null; // none, or damaged: start at the start screen
  }
}
