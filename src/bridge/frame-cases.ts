// Hostile WebSocket frames and what the bridge must answer to each: a close code (with its reason) or an
// error reply (with its code). Run by server.test.ts against the real bridge and engine; a hostile-input
// corpus can list and run the same table (runFrameCase) against any bridge URL.
import WebSocket from 'ws';
import { MAX_FRAMES_PER_SECOND, MAX_WS_MESSAGE } from './frames';

export interface FrameCase {
  name: string;
  /** the frames to send, in order: text (may be invalid UTF-8 bytes) or binary */
  frames: () => { data: Buffer | string; binary: boolean }[];
  expect: { close: number; reason?: RegExp } | { reply: string; message?: RegExp };
}

const text = (data: Buffer | string) => ({ data, binary: false });
const request = (channel: string, args: unknown, id = 1) => text(JSON.stringify({ type: 'request', id, channel, args }));

export const FRAME_CASES: FrameCase[] = [
  { name: 'text frame over the 16 MiB limit', frames: () => [text(Buffer.alloc(MAX_WS_MESSAGE + 1, 0x20))], expect: { close: 1009 } },
  { name: '4 bytes of invalid UTF-8 in a text frame', frames: () => [text(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]))], expect: { close: 1007 } },
  { name: 'truncated UTF-8 sequence inside JSON', frames: () => [text(Buffer.concat([Buffer.from('{"type":"request","id":1,"channel":"'), Buffer.from([0xe2, 0x82])]))], expect: { close: 1007 } },
  { name: 'binary frame where JSON text is expected', frames: () => [{ data: Buffer.from(JSON.stringify({ type: 'request', id: 1, channel: 'engine:status', args: {} })), binary: true }], expect: { close: 1003, reason: /binary/ } },
  { name: 'text that is not JSON', frames: () => [text('hello')], expect: { close: 1003, reason: /JSON/ } },
  { name: 'JSON null', frames: () => [text('null')], expect: { close: 1003, reason: /expected a request/ } },
  { name: 'a response instead of a request', frames: () => [text('{"type":"response","id":1,"ok":true}')], expect: { close: 1003, reason: /expected a request/ } },
  { name: 'request with a string id', frames: () => [text('{"type":"request","id":"1","channel":"engine:status","args":{}}')], expect: { close: 1003, reason: /expected a request/ } },
  { name: 'deeply nested JSON (100k levels)', frames: () => [text(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)], expect: { close: 1003 } },
  { name: 'unknown channel', frames: () => [request('fs:read', { path: '/etc/passwd' })], expect: { reply: 'bad-request', message: /unknown request "fs:read"/ } },
  { name: 'prototype key as channel', frames: () => [request('__proto__', {})], expect: { reply: 'bad-request', message: /unknown request/ } },
  { name: 'bad arguments', frames: () => [request('project:open', { path: 7 })], expect: { reply: 'bad-request', message: /project:open.*path/ } },
  {
    name: `flood: ${MAX_FRAMES_PER_SECOND + 200} requests in a burst`,
    frames: () => Array.from({ length: MAX_FRAMES_PER_SECOND + 200 }, (_, i) => request('project:state', {}, i + 1)),
    expect: { close: 1008, reason: /messages a second/ },
  },
];

export interface FrameOutcome {
  close?: { code: number; reason: string };
  reply?: { code?: string; message: string };
}

/** Opens a socket, sends the case's frames, and resolves with the close or with the first error reply. */
export async function runFrameCase(wsUrl: string, headers: Record<string, string>, c: FrameCase, timeoutMs = 20_000): Promise<FrameOutcome> {
  const ws = new WebSocket(wsUrl, { headers });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  return new Promise<FrameOutcome>((resolve, reject) => {
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`${c.name}: no close and no error reply within ${timeoutMs} ms`))), timeoutMs);
    const done = (o: FrameOutcome) => (clearTimeout(timer), resolve(o));
    ws.on('error', () => undefined); // the close event carries the outcome
    ws.on('close', (code, reason) => done({ close: { code, reason: reason.toString() } }));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; ok?: boolean; error?: { code?: string; message: string } };
      // a flood's early requests are answered; only an error reply (or the close) decides a case
      if (m.type === 'response' && m.ok === false && !('close' in c.expect)) {
        done({ reply: m.error! });
        ws.close();
      }
    });
    for (const f of c.frames()) ws.send(f.data, { binary: f.binary });
  });
}
