// The engine process in the desktop app: an Electron utilityProcess running out/main/host.js (the same
// host the browser bridge forks). Main talks to it over the process's own channel (for menu actions);
// every window gets its own MessagePort straight to it ([Note: engine port] in src/preload/index.ts).
import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import type { Args, Channel, Result, WireMessage } from '../shared/contract';
import { engineProcessEnv } from './engine/runtime/process-env';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class Engine {
  private proc: UtilityProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly clients = new Set<WebContents>();
  private stopping = false;
  /** every grant so far, replayed into a restarted engine */
  private readonly granted: [string, 'read' | 'write'][] = [];
  /** the project the engine has open (from its project:changed events): reopened in a restarted engine */
  private project: string | null = null;
  /** engine events seen by main (the engine sends every event to every client, main included) */
  onEvent: ((e: Extract<WireMessage, { type: 'event' }>) => void) | null = null;

  constructor(private readonly entry = join(__dirname, 'host.js')) {}

  private ensure(): UtilityProcess {
    if (this.proc) return this.proc;
    const proc = utilityProcess.fork(this.entry, [], { serviceName: 'Featurescope engine', stdio: 'inherit', env: engineProcessEnv() });
    proc.on('message', (msg: WireMessage) => {
      if (msg?.type === 'event') {
        if (msg.event === 'project:changed') this.project = (msg.payload as { path?: string } | null)?.path ?? this.project;
        return this.onEvent?.(msg);
      }
      if (msg?.type !== 'response') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error.message));
    });
    proc.on('exit', (code) => {
      if (this.proc === proc) this.proc = null;
      for (const p of this.pending.values()) p.reject(new Error(`the engine process exited (code ${code})`));
      this.pending.clear();
      if (this.stopping) return;
      // Say so in every window, restart, reopen the project that was open (its interrupted runs show), then
      // re-connect the windows and say the engine is back, so a crash in one model run does not strand the UI.
      this.broadcast({ type: 'event', event: 'engine:process', payload: { state: 'down', reason: `The engine stopped (code ${code}).` } });
      const project = this.project;
      const reopened = project ? this.request('project:open', { path: project }).catch(() => { this.project = null; }) : Promise.resolve();
      void reopened.then(() => {
        for (const wc of this.clients) if (!wc.isDestroyed()) this.connect(wc);
        this.broadcast({ type: 'event', event: 'engine:process', payload: { state: 'up' } });
      });
    });
    this.proc = proc;
    // a restarted engine starts with no grants: the files the person chose stay chosen (sent before anything else)
    for (const [path, access] of this.granted) proc.postMessage({ type: 'grant', id: this.nextId++, path, access });
    return proc;
  }

  request<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>> {
    const proc = this.ensure();
    const id = this.nextId++;
    return new Promise<Result<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      proc.postMessage({ type: 'request', id, channel, args } satisfies WireMessage);
    });
  }

  /**
   * The person chose this file (a dialog, a drop): the engine may now read or write it when a page names
   * it ([Note: grants] src/main/engine/host/grants.ts). Resolves once the engine has it, so the page's
   * request that follows on its own port cannot overtake it. Only this parent channel may grant.
   */
  grant(path: string, access: 'read' | 'write'): Promise<void> {
    const proc = this.ensure();
    if (!this.granted.some(([p, a]) => p === path && a === access)) this.granted.push([path, access]);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve: () => resolve(), reject });
      proc.postMessage({ type: 'grant', id, path, access });
    });
  }

  /** Gives a window a fresh port to the engine (call after every page load: a reload drops the old one). */
  connect(wc: WebContents): void {
    const proc = this.ensure();
    const { port1, port2 } = new MessageChannelMain();
    proc.postMessage({ type: 'port' }, [port1]);
    wc.postMessage('featurescope:engine-port', null, [port2]);
    if (!this.clients.has(wc)) {
      this.clients.add(wc);
      wc.once('destroyed', () => this.clients.delete(wc));
    }
  }

  /** An event that did not come from the engine itself (a project opened from the menu) to every window. */
  broadcast(msg: Extract<WireMessage, { type: 'event' }>): void {
    for (const wc of this.clients) if (!wc.isDestroyed()) wc.send('featurescope:event', msg);
  }

  stop(): void {
    this.stopping = true;
    this.proc?.kill();
    this.proc = null;
  }
}
