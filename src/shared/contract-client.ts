// The caller's side of the contract's wire protocol, written once for both transports: the Electron
// preload (a MessagePort to the engine) and the browser's WebSocket client. It numbers requests, matches
// responses to them, fans events out to listeners, and holds requests while there is no connection.
// The transport only moves WireMessages, so this file must stay free of Node, DOM and Electron APIs
// (the sandboxed preload bundles it) and import the contract for types only (no zod at run time).
// Every request carries a request id (`rid`) that stays the same when it is sent again: the engine applies
// a write once per id (src/main/engine/host/requests.ts). A request whose engine died before answering
// ('engine-exit': the bridge restarts the engine and reopens the project first) is sent once more, so a
// write whose answer was lost is neither lost nor doubled.
import type { Args, Channel, EventMap, EventName, FeaturescopeApi, Result, WireMessage } from './contract';

import { EngineError } from './errors';

/** A failed request is an EngineError: the engine's message and code (the one error type, src/shared/errors.ts). */
export { EngineError };

export interface ContractClient extends Pick<FeaturescopeApi, 'invoke' | 'on'> {
  /** A message from the other end: a response settles its request, an event reaches its listeners. */
  receive(msg: WireMessage): void;
  /** The transport is up: requests made while it was down go out now, later ones straight away. */
  connect(send: (msg: WireMessage) => void): void;
  /**
   * The transport is gone, and with it every request not yet answered: each one fails with
   * `lost(channel)` (rather than leaving the UI waiting forever) and is never sent. Requests made from
   * now on wait for the next `connect`.
   */
  disconnect(lost: (channel: string) => Error): void;
}

type Request = Extract<WireMessage, { type: 'request' }>;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; channel: string; msg: Request; retried?: boolean };

/** 96 random bits: unique across windows and restarts (the engine remembers ids per project). */
function requestId(): string {
  const words = new Uint32Array(3);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(words);
  else for (let i = 0; i < words.length; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  return [...words].map((w) => w.toString(36)).join('-');
}

export function createContractClient(): ContractClient {
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let queue: Request[] = [];
  let send: ((msg: WireMessage) => void) | null = null;
  let nextId = 1;

  // A message the transport cannot take (e.g. args JSON cannot encode) fails its own request only.
  function transmit(msg: Request): void {
    try {
      send!(msg);
    } catch (e) {
      settle(msg.id, (p) => p.reject(e instanceof Error ? e : new Error(String(e))));
    }
  }

  function settle(id: number, how: (p: Pending) => void): void {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    how(p);
  }

  return {
    invoke<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>> {
      const msg: Request = { type: 'request', id: nextId++, channel, args, rid: requestId() };
      return new Promise<Result<C>>((resolve, reject) => {
        pending.set(msg.id, { resolve: resolve as (v: unknown) => void, reject, channel, msg });
        if (send) transmit(msg);
        else queue.push(msg);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    receive(msg) {
      if (msg.type === 'response') {
        const p = pending.get(msg.id);
        if (p && !msg.ok && msg.error.code === 'engine-exit' && !p.retried && send) {
          // the engine died before answering: once more, same id and rid, to the engine the bridge restarted
          p.retried = true;
          return transmit(p.msg);
        }
        settle(msg.id, (p) => (msg.ok ? p.resolve(msg.result) : p.reject(new EngineError(msg.error.code ?? 'engine-error', msg.error.message))));
      } else if (msg.type === 'event') {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
      }
    },
    connect(next) {
      send = next;
      const waiting = queue;
      queue = [];
      for (const msg of waiting) transmit(msg);
    },
    disconnect(lost) {
      send = null;
      queue = [];
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(lost(p.channel));
      }
    },
  };
}
