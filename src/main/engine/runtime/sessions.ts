// onnxruntime sessions: made on the provider the setting resolves to, falling back to CPU with ONE reason
// when that provider cannot take a model (createSession), and cached (SessionCache) per model and key.
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

/** A cached session and what its maker attached to it (compiled output names…). */
export interface CacheEntry<T = undefined> extends CreatedSession {
  value: T;
}

/** Where an entry sits: its model (released with it), its kind (limits count per model and kind) and its identity. */
export interface CacheKey {
  sha: string;
  kind: string;
  id: string;
  /** the input shape it runs (not part of the identity: for releasing one shape's sessions) */
  shape?: readonly number[];
}

/**
 * An entry in use. While any lease of an entry is held it is never evicted (a dream's tile sessions, an
 * attribution's session mid-run); `release()` lets it go back to the LRU, `release({ drop: true })`
 * closes it once nobody else holds it (sessions whose memory should not outlive their run).
 */
export interface Lease<T> extends CacheEntry<T> {
  /** true when this acquire made the session (the caller paid for compile and creation) */
  readonly fresh: boolean;
  release(opts?: { drop?: boolean }): Promise<void>;
}

interface Slot {
  key: CacheKey;
  entry: Promise<CacheEntry<unknown>>;
  pins: number;
  /** out of the map (evicted, released, dropped): close the session when the last lease goes */
  detached: boolean;
}

/**
 * The engine's one onnxruntime session cache: plain forward sessions (`get`, the compute path) and the
 * gradient runtime's compiled gradient and forward sessions (`acquire`) live here together, LRU-bounded
 * in total and per (model, kind), and are released with their model. It also holds the provider setting
 * the plain path runs on, with ONE fallback reason when that provider cannot be used.
 */
export class SessionCache {
  private slots = new Map<string, Slot>();
  private current: EngineStatus = { setting: 'auto', active: 'cpu', available: ['cpu'] };
  private reasonReported = false;
  /** called whenever the status changes (the fallback reason is reported once) */
  onStatus?: (s: EngineStatus) => void;

  constructor(public readonly threads = os.availableParallelism(), public maxSessions = 8) {}

  status(): EngineStatus {
    return { ...this.current, available: [...this.current.available] };
  }

  /** Where plain sessions go now: the provider the setting resolved to, and the cache's threads. */
  placement(): SessionPlacement {
    return { provider: this.current.active, threads: this.threads };
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

  /** A plain session of a model (variant: which graph) for one input shape, on the current provider. */
  async get(key: SessionKey, source: () => SessionSource | Promise<SessionSource>): Promise<CachedSession> {
    const lease = await this.acquire({ sha: key.sha, kind: key.variant, id: key.inputShape.join('x'), shape: key.inputShape }, async () => {
      const made = await createSession(await source(), this.placement());
      // The provider started for the probe but cannot take this model (an op it lacks, memory…).
      if (made.fallbackReason && !this.current.fallbackReason) {
        this.current = { ...this.current, fallbackReason: made.fallbackReason };
        this.report();
      }
      const cached: CachedSession = { session: made.session, provider: made.provider, createdMs: made.createdMs };
      return { ...cached, value: cached };
    });
    await lease.release();
    return lease.value;
  }

  /**
   * The entry for `key`, made by `make` when absent (concurrent callers share one making), held until
   * the lease is released. `limit`: at most this many entries of this (model, kind) are kept.
   */
  async acquire<T>(key: CacheKey, make: () => Promise<CacheEntry<T>>, limit?: number): Promise<Lease<T>> {
    const k = slotKey(key);
    let slot = this.slots.get(k);
    let fresh = false;
    if (slot) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.slots.delete(k);
      this.slots.set(k, slot);
    } else {
      fresh = true;
      slot = { key, entry: make(), pins: 0, detached: false };
      this.slots.set(k, slot);
      const s = slot;
      // A failed creation must not poison the cache.
      s.entry.catch(() => { if (this.slots.get(k) === s) this.slots.delete(k); });
    }
    slot.pins++;
    // make room before the new session takes its memory (the new slot is held, so it stays)
    if (fresh) await this.evict(limit === undefined ? undefined : { sha: key.sha, kind: key.kind, max: limit });
    let entry: CacheEntry<T>;
    try {
      entry = (await slot.entry) as CacheEntry<T>;
    } catch (e) {
      slot.pins--;
      throw e;
    }
    const s = slot;
    let released = false;
    return {
      ...entry, fresh,
      release: async ({ drop = false } = {}) => {
        if (released) return;
        released = true;
        s.pins--;
        if (drop && !s.detached) this.detach(k, s);
        if (s.detached) { if (s.pins === 0) await closeSlot(s); return; }
        await this.evict(limit === undefined ? undefined : { sha: key.sha, kind: key.kind, max: limit });
      },
    };
  }

  private detach(k: string, s: Slot): void {
    if (this.slots.get(k) === s) this.slots.delete(k);
    s.detached = true;
  }

  /**
   * Keep at most maxSessions in all and `group.max` of the group's (model, kind) — each holds a copy of
   * the weights plus its working memory; drop the least recently used that nobody holds.
   */
  private async evict(group?: { sha: string; kind: string; max: number }): Promise<void> {
    const closing: Slot[] = [];
    const over = (pred: (s: Slot) => boolean, max: number) => {
      let count = [...this.slots.values()].filter(pred).length;
      for (const [k, s] of [...this.slots]) {
        if (count <= max) break;
        if (!pred(s) || s.pins > 0) continue;
        this.detach(k, s);
        closing.push(s);
        count--;
      }
    };
    if (group) over((s) => s.key.sha === group.sha && s.key.kind === group.kind, group.max);
    over(() => true, this.maxSessions);
    await Promise.all(closing.map(closeSlot));
  }

  /** Drop entries (of one model, or matching `filter`); entries in use close when their last lease goes. */
  async releaseWhere(pred: (key: CacheKey) => boolean): Promise<void> {
    const closing: Slot[] = [];
    for (const [k, s] of [...this.slots]) {
      if (!pred(s.key)) continue;
      this.detach(k, s);
      if (s.pins === 0) closing.push(s);
    }
    await Promise.all(closing.map(closeSlot));
  }

  /** Drop every session of one model (when it is removed from the project). */
  async release(sha: string): Promise<void> {
    await this.releaseWhere((key) => key.sha === sha);
  }

  async releaseAll(): Promise<void> {
    await this.releaseWhere(() => true);
  }

  get size(): number {
    return this.slots.size;
  }
}

function slotKey(k: CacheKey): string {
  return `${k.sha}|${k.kind}|${k.id}`;
}

async function closeSlot(s: Slot): Promise<void> {
  const e = await s.entry.catch(() => null);
  // a session that failed to open has nothing to release
  await e?.session.release().catch(() => undefined);
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).replace(/\/onnxruntime_src\/[^\s]+ /g, '').slice(0, 300);
}
