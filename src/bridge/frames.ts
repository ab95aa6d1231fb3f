// What the bridge does with each WebSocket frame before it reaches the engine. Any frame gets an error
// reply or a closed socket, never an exception: the bridge process and the engine behind it stay up.
// The ws library itself closes on frames over maxPayload (1009) and on text that is not UTF-8 (1007);
// the rest is decided here. The cases, with their expected codes, are listed in frame-cases.ts.
import type { RawData } from 'ws';
import type { WireMessage } from '../shared/contract';

/** The answer to a request the socket's queue has no room for. */
export function busyReply(id: number): WireMessage {
  return { type: 'response', id, ok: false, error: { message: `too many requests waiting (${MAX_IN_FLIGHT} at the engine, ${MAX_QUEUED} queued); wait for their answers`, code: 'busy' } };
}

/** Requests are small JSON (files travel by /upload); 16 MiB leaves room for a big saved view. */
export const MAX_WS_MESSAGE = 16 * 1024 * 1024;
/** Requests one socket may have at the engine at once; more wait in the socket's queue (a grid of thumbnails). */
export const MAX_IN_FLIGHT = 64;
/** Requests that may wait behind those; beyond that they are answered 'busy' at once. */
export const MAX_QUEUED = 4096;
/** Frames one socket may send in a second; a flood beyond that closes it (1008). */
export const MAX_FRAMES_PER_SECOND = 5000;

export type Request = Extract<WireMessage, { type: 'request' }>;
export type FrameOutcome = { kind: 'request'; msg: Request } | { kind: 'close'; code: number; reason: string };

/** Per-socket state: requests at the engine, requests queued behind them, frames in the current second. */
export class FrameGuard {
  inFlight = 0;
  readonly waiting: Request[] = [];
  private windowStart = 0;
  private frames = 0;

  /** 'send' it now, it was 'queued' (finished() hands it back later), or the queue is full: 'busy'. */
  admit(msg: Request): 'send' | 'queued' | 'busy' {
    if (this.inFlight < MAX_IN_FLIGHT) {
      this.inFlight++;
      return 'send';
    }
    if (this.waiting.length < MAX_QUEUED) {
      this.waiting.push(msg);
      return 'queued';
    }
    return 'busy';
  }

  /** A request was answered: the next queued one takes its place (returned, to be sent), if any. */
  finished(): Request | undefined {
    const next = this.waiting.shift();
    if (!next) this.inFlight = Math.max(0, this.inFlight - 1);
    return next;
  }

  /** Counts a frame; true when this second's frames exceed the limit. */
  flooded(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.frames = 0;
    }
    return ++this.frames > MAX_FRAMES_PER_SECOND;
  }
}

export function checkFrame(data: RawData, isBinary: boolean, guard: FrameGuard, now = Date.now()): FrameOutcome {
  if (guard.flooded(now)) return { kind: 'close', code: 1008, reason: `more than ${MAX_FRAMES_PER_SECOND} messages a second` };
  if (isBinary) return { kind: 'close', code: 1003, reason: 'binary frames are not accepted; send JSON text' };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'close', code: 1003, reason: 'messages must be JSON' };
  }
  const m = msg as Partial<Request> | null;
  if (!m || typeof m !== 'object' || m.type !== 'request' || !Number.isSafeInteger(m.id)) {
    return { kind: 'close', code: 1003, reason: 'expected a request: {type:"request", id, channel, args}' };
  }
  return { kind: 'request', msg: m as Request };
}
