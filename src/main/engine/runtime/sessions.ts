// onnxruntime sessions, cached per (model sha, graph variant, input shape), created on the provider the
// setting resolves to, with ONE fallback reason when that provider cannot be used.
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { EngineStatus, ExecutionProviderName, ProviderSetting } from '../../../shared/contract';
import { PROVIDER_LABEL, QUIET, resolveProvider } from './providers';

export interface SessionKey {
  sha: string;
  /** which graph: 'plain', or e.g. 'fetch:<tensor names>' for a copy with extra outputs */
  variant: string;
  inputShape: number[];
}

export interface CachedSession {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
  createdMs: number;
}

/** What a session is built from: the file path (external data resolves next to it) or bytes. */
export type SessionSource = { path: string } | { bytes: Uint8Array };

/** Where sessions run: the provider the setting resolved to (EngineStatus.active) and onnxruntime's intra-op threads. */
export interface SessionPlacement {
  provider: ExecutionProviderName;
  /** default: every core */
  threads?: number;
}

/**
 * The options every engine session uses: full graph optimization and one intra-op thread per core.
 * `extra` is for per-use memory settings (e.g. enableCpuMemArena: false for sessions that must give their
 * peak working memory back); the provider, threads and logging are not overridable.
 */
export function sessionOptions(provider: ExecutionProviderName, threads = os.availableParallelism(), extra: ort.InferenceSession.SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return { graphOptimizationLevel: 'all', ...extra, ...QUIET, executionProviders: [provider], intraOpNumThreads: threads };
}

export interface CreatedSession extends CachedSession {
  /** set when the placement's provider could not take this model and the session runs on CPU instead */
  fallbackReason?: string;
}

/**
 * A session on the placement's provider; when that provider cannot load this model (an op it lacks,
 * memory…) the session is made on CPU and the reason is returned in plain words. Every part of the engine
 * that makes sessions (compute worker, attribution, dreams) goes through here so they honour the same setting.
 */
export async function createSession(src: SessionSource, placement: SessionPlacement, extra: ort.InferenceSession.SessionOptions = {}): Promise<CreatedSession> {
  const t0 = performance.now();
  const make = (ep: ExecutionProviderName) => {
    const opts = sessionOptions(ep, placement.threads, extra);
    return 'path' in src ? ort.InferenceSession.create(src.path, opts) : ort.InferenceSession.create(src.bytes, opts);
  };
  const ep = placement.provider;
  let fallbackReason: string | undefined;
  if (ep !== 'cpu') {
    try {
      return { session: await make(ep), provider: ep, createdMs: performance.now() - t0 };
    } catch (e) {
      fallbackReason = `${PROVIDER_LABEL[ep]} could not load this model (${firstLine((e as Error).message)}); running it on CPU.`;
    }
  }
  return { session: await make('cpu'), provider: 'cpu', createdMs: performance.now() - t0, ...(fallbackReason ? { fallbackReason } : {}) };
}

export class SessionCache {
  private sessions = new Map<string, Promise<CachedSession>>();
  private current: EngineStatus = { setting: 'auto', active: 'cpu', available: ['cpu'] };
  private reasonReported = false;
  /** called whenever the status changes (the fallback reason is reported once) */
  onStatus?: (s: EngineStatus) => void;

  constructor(public readonly threads = os.availableParallelism(), public maxSessions = 8) {}

  status(): EngineStatus {
    return { ...this.current, available: [...this.current.available] };
  }

  /** Resolve the setting; sessions on another provider are dropped so the next run uses the new one. */
  async setProvider(setting: ProviderSetting): Promise<EngineStatus> {
    const next = await resolveProvider(setting);
    const changed = next.active !== this.current.active;
    this.current = next;
    this.reasonReported = false;
    if (changed) await this.releaseAll();
    this.report();
    return this.status();
  }

  private report(): void {
    if (this.current.fallbackReason && this.reasonReported) return;
    if (this.current.fallbackReason) this.reasonReported = true;
    this.onStatus?.(this.status());
  }

  async get(key: SessionKey, source: () => SessionSource | Promise<SessionSource>): Promise<CachedSession> {
    const k = `${key.sha}|${key.variant}|${key.inputShape.join('x')}`;
    let p = this.sessions.get(k);
    if (p) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.sessions.delete(k);
      this.sessions.set(k, p);
      return p;
    }
    p = this.create(source);
    this.sessions.set(k, p);
    // A failed creation must not poison the cache.
    p.catch(() => this.sessions.delete(k));
    await this.evict();
    return p;
  }

  /** Keep at most maxSessions (each holds a copy of the weights plus its arena); drop the least recently used. */
  private async evict(): Promise<void> {
    while (this.sessions.size > this.maxSessions) {
      const [k, p] = this.sessions.entries().next().value as [string, Promise<CachedSession>];
      this.sessions.delete(k);
      (await p.catch(() => null))?.session.release();
    }
  }

  private async create(source: () => SessionSource | Promise<SessionSource>): Promise<CachedSession> {
    const made = await createSession(await source(), { provider: this.current.active, threads: this.threads });
    // The provider started for the probe but cannot take this model (an op it lacks, memory…).
    if (made.fallbackReason && !this.current.fallbackReason) {
      this.current = { ...this.current, fallbackReason: made.fallbackReason };
      this.report();
    }
    return { session: made.session, provider: made.provider, createdMs: made.createdMs };
  }

  /** Drop every session of one model (when it is removed from the project). */
  async release(sha: string): Promise<void> {
    const drop = [...this.sessions.entries()].filter(([k]) => k.startsWith(`${sha}|`));
    for (const [k] of drop) this.sessions.delete(k);
    await Promise.all(drop.map(async ([, p]) => (await p.catch(() => null))?.session.release()));
  }

  async releaseAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.session.release()));
  }

  get size(): number {
    return this.sessions.size;
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).replace(/\/onnxruntime_src\/[^\s]+ /g, '').slice(0, 300);
}
