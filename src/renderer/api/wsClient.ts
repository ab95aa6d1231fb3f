// Browser mode: FeaturescopeApi over the bridge's WebSocket (/ws) and POST /upload. The token travels
// in the HttpOnly cookie the bridge set on the first page load, so this code never sees it.
import type { Args, Channel, EventMap, EventName, FeaturescopeApi, Result, WireMessage } from '../../shared/contract';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; channel: string };

export class EngineError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Connection state is not a contract event; the status bar shows it. */
export const connectionListeners = new Set<(connected: boolean) => void>();

export function createWsApi(base: Location = window.location): FeaturescopeApi {
  const wsUrl = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws`;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let retryMs = 250;

  function connect(): void {
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      for (const text of queue.splice(0)) ws.send(text);
      for (const l of connectionListeners) l(true);
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as WireMessage;
      if (msg.type === 'response') {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new EngineError(msg.error.message, msg.error.code));
      } else if (msg.type === 'event') {
        emit(msg.event, msg.payload);
      }
    };
    ws.onclose = () => {
      socket = null;
      // Requests in flight are lost with the socket: fail them rather than hang the UI.
      for (const [id, p] of pending) {
        p.reject(new EngineError(`connection to the Featurescope server was lost during "${p.channel}"`, 'disconnected'));
        pending.delete(id);
      }
      for (const l of connectionListeners) l(false);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }

  function emit(event: string, payload: unknown): void {
    for (const l of listeners.get(event) ?? []) l(payload);
  }

  connect();

  return {
    mode: 'browser',
    invoke<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>> {
      const id = nextId++;
      const text = JSON.stringify({ type: 'request', id, channel, args });
      return new Promise<Result<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, channel });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
        else queue.push(text);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    async upload(file: File): Promise<string> {
      const kind = /\.(onnx|bin)$/i.test(file.name) ? 'model' : /\.(txt|csv|json)$/i.test(file.name) ? 'labels' : 'photo';
      const res = await fetch(`/upload?kind=${kind}&name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (!res.ok) throw new EngineError((await res.text()) || `upload of "${file.name}" failed (${res.status})`, 'upload');
      const body = (await res.json()) as { uploadId: string };
      return body.uploadId;
    },
  };
}
