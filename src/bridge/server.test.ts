// The bridge with the real engine host (its TypeScript source, forked with tsx) and a stand-in page.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { WireMessage } from '../shared/contract';
import { cookieName } from './auth';
import { FRAME_CASES, runFrameCase } from './frame-cases';
import { busyReply, checkFrame, FrameGuard, MAX_IN_FLIGHT, MAX_QUEUED } from './frames';
import { startBridge, type Bridge } from './server';

let bridge: Bridge;
let dir: string;
let origin: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'featurescope-bridge-test-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
  bridge = await startBridge({
    rendererDir: dir,
    hostEntry: resolve(__dirname, '../main/engine/host/main.ts'),
    engineEnv: { FEATURESCOPE_DATA_DIR: join(dir, 'data') },
    uploadLimits: { model: 1000, photo: 100, labels: 10 },
    launchCommand: 'npm run serve',
  });
  origin = new URL(bridge.url).origin;
});

after(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ 'x-featurescope-token': bridge.token });

test('first load with the token sets a cookie and drops the token from the URL; the cookie then works', async () => {
  const first = await fetch(bridge.url, { redirect: 'manual' });
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await fetch(`${origin}/`, { headers: { cookie: cookie.split(';')[0]! } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>page<\/title>/);
  assert.equal((await fetch(`${origin}/`)).status, 403);
});

test('static files stay inside the renderer folder', async () => {
  assert.equal((await fetch(`${origin}/../../etc/passwd`, { headers: auth() })).status, 404);
  assert.equal((await fetch(`${origin}/%2e%2e/%2e%2e/etc/passwd`, { headers: auth() })).status, 404);
  assert.equal((await fetch(`${origin}/missing.js`, { headers: auth() })).status, 404);
});

test('upload: streamed to the upload folder, limited per kind, token required', async () => {
  const ok = await fetch(`${origin}/upload?kind=photo&name=a.jpg`, { method: 'POST', body: Buffer.alloc(50, 7), headers: auth() });
  assert.equal(ok.status, 200);
  const { uploadId, size } = (await ok.json()) as { uploadId: string; size: number };
  assert.equal(size, 50);
  assert.match(uploadId, /^[0-9a-f]{24}\.jpg$/);
  assert.deepEqual(readFileSync(join(bridge.uploadDir, uploadId)), Buffer.alloc(50, 7));

  const big = await fetch(`${origin}/upload?kind=photo&name=b.jpg`, { method: 'POST', body: Buffer.alloc(101), headers: auth() });
  assert.equal(big.status, 413);
  assert.match(await big.text(), /b\.jpg.*limit/);
  const noToken = await fetch(`${origin}/upload?kind=photo&name=c.jpg`, { method: 'POST', body: Buffer.alloc(5) });
  assert.equal(noToken.status, 403);
  const badKind = await fetch(`${origin}/upload?kind=video&name=c.mp4`, { method: 'POST', body: Buffer.alloc(5), headers: auth() });
  assert.equal(badKind.status, 400);
  assert.equal(readdirSync(bridge.uploadDir).length, 1, 'refused uploads leave no file');
});

test('WebSocket: requests reach the engine and come back with the client’s ids; bad ones are answered here', async () => {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: auth() });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  const replies = new Map<number, WireMessage>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as WireMessage;
    if (m.type === 'response') replies.set(m.id, m);
  });
  const ask = (msg: unknown, id: number) =>
    new Promise<WireMessage>((res) => {
      ws.send(JSON.stringify(msg));
      const poll = setInterval(() => {
        const r = replies.get(id);
        if (r) clearInterval(poll), res(r);
      }, 10);
    });
  const status = await ask({ type: 'request', id: 41, channel: 'engine:status', args: {} }, 41);
  assert.equal(status.type === 'response' && status.ok, true);
  assert.equal((status as { result: { active: string } }).result.active, 'cpu');
  const unknown = await ask({ type: 'request', id: 42, channel: 'nope:nope', args: {} }, 42);
  assert.deepEqual(unknown.type === 'response' && !unknown.ok && unknown.error, { message: 'unknown request "nope:nope"', code: 'bad-request' });
  const badArgs = await ask({ type: 'request', id: 43, channel: 'project:open', args: { path: 7 } }, 43);
  assert.match(badArgs.type === 'response' && !badArgs.ok ? badArgs.error.message : '', /project:open.*path/);
  const noProject = await ask({ type: 'request', id: 44, channel: 'model:remove', args: { modelId: 'x' } }, 44);
  assert.equal(noProject.type === 'response' && noProject.ok, false, 'the engine answers with its own error');
  ws.close();
});

// ---- bound to its own origin, stale links, hostile frames, oversize uploads (issue 14 points 1 and 3) ----

/** A raw HTTP request (fetch would not let a test set Origin or Sec-Fetch-Site). */
function raw(pathAndQuery: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: pathAndQuery, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('a new URL wins over a cookie from an earlier start and replaces it; an old link gets a page naming the command', async () => {
  const stale = `${cookieName(bridge.port)}=an-old-token-from-yesterday`;
  const fresh = await raw(`/?token=${bridge.token}`, { headers: { cookie: stale, accept: 'text/html' } });
  assert.equal(fresh.status, 303, 'the printed URL works in a browser that used the app before');
  assert.match(String(fresh.headers['set-cookie']), new RegExp(`${cookieName(bridge.port)}=${bridge.token}; HttpOnly; SameSite=Strict`));

  const oldLink = await raw('/?token=an-old-token-from-yesterday', { headers: { accept: 'text/html' } });
  assert.equal(oldLink.status, 403);
  assert.match(oldLink.body, /earlier start/);
  assert.match(oldLink.body, /<code>npm run serve<\/code>/, 'names the command that was run (launchCommand)');

  const onlyCookie = await raw('/', { headers: { cookie: stale, accept: 'text/html' } });
  assert.equal(onlyCookie.status, 403);
  assert.match(onlyCookie.body, /remembers a key from an earlier start/);
  assert.match(String(onlyCookie.headers['set-cookie']), /Max-Age=0/, 'the stale cookie is dropped');
});

test('a page on another loopback port cannot open the socket or upload, even with the cookie', async () => {
  const host = new URL(origin).host;
  const cookie = `${cookieName(bridge.port)}=${bridge.token}`;
  const otherPort = `http://127.0.0.1:${bridge.port === 65535 ? 1 : bridge.port + 1}`;
  const attempts: Record<string, string>[] = [{ origin: otherPort }, { origin: `http://localhost:${bridge.port}` }, { origin, 'sec-fetch-site': 'same-site' }];
  for (const bad of attempts) {
    const up = await raw('/upload?kind=photo&name=x.jpg', { method: 'POST', headers: { cookie, host, ...bad }, body: Buffer.alloc(5) });
    assert.equal(up.status, 403, `upload with ${JSON.stringify(bad)}`);
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: { cookie, ...bad } });
    const outcome = await new Promise<string>((res) => (ws.once('open', () => res('open')), ws.once('unexpected-response', (_q, r) => res(String(r.statusCode))), ws.once('error', (e) => res(e.message))));
    ws.terminate();
    assert.equal(outcome, '403', `socket with ${JSON.stringify(bad)}`);
  }
  const ok = await raw('/upload?kind=photo&name=x.jpg', { method: 'POST', headers: { cookie, origin, 'sec-fetch-site': 'same-origin' }, body: Buffer.alloc(5) });
  assert.equal(ok.status, 200, 'our own page (same origin) uploads');
});

/** Sends up to `total` bytes in 64 KiB chunks; resolves with the status and how much was written before the server hung up. */
function pushUpload(declareLength: boolean, total: number): Promise<{ status: number; written: number; closed: boolean }> {
  const u = new URL(origin);
  return new Promise((resolve) => {
    let written = 0;
    let status = 0;
    const headers: Record<string, string | number> = { 'x-featurescope-token': bridge.token, ...(declareLength ? { 'content-length': total } : {}) };
    const req = http.request({ host: u.hostname, port: u.port, path: '/upload?kind=photo&name=huge.jpg', method: 'POST', headers });
    req.on('response', (res) => ((status = res.statusCode ?? 0), res.resume()));
    req.on('error', () => undefined);
    req.on('close', () => resolve({ status, written, closed: written < total }));
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = (): void => {
      while (written < total && !req.destroyed) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

test('an upload over its limit is answered 413 and cut off, not read to the end', async (t) => {
  const total = 256 * 1024 * 1024;
  const before = new Set(readdirSync(bridge.uploadDir));
  for (const declared of [true, false]) {
    const r = await pushUpload(declared, total);
    assert.equal(r.status, 413, `413 (content-length ${declared ? 'declared' : 'absent'})`);
    t.diagnostic(`content-length ${declared ? 'declared' : 'absent'}: the client had written ${(r.written / 2 ** 20).toFixed(1)} MiB of 256 MiB when the server hung up`);
    assert.ok(r.closed && r.written < 32 * 1024 * 1024, `the server hung up after ${(r.written / 2 ** 20).toFixed(1)} MiB of ${total / 2 ** 20} MiB`);
  }
  assert.deepEqual(readdirSync(bridge.uploadDir).filter((f) => !before.has(f)), [], 'nothing left behind');
});

test('hostile frames: each gets its close code or error reply; the bridge and the engine stay up', async () => {
  const wsUrl = `${origin.replace('http', 'ws')}/ws`;
  for (const c of FRAME_CASES) {
    const got = await runFrameCase(wsUrl, auth(), c);
    if ('close' in c.expect) {
      assert.equal(got.close?.code, c.expect.close, `${c.name}: ${JSON.stringify(got)}`);
      if (c.expect.reason) assert.match(got.close!.reason, c.expect.reason, c.name);
    } else {
      assert.equal(got.reply?.code, c.expect.reply, `${c.name}: ${JSON.stringify(got)}`);
      if (c.expect.message) assert.match(got.reply!.message, c.expect.message, c.name);
    }
  }
  const ws = new WebSocket(wsUrl, { headers: auth() });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  const status = await new Promise<WireMessage>((res) => (ws.once('message', (d) => res(JSON.parse(String(d)) as WireMessage)), ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'engine:status', args: {} }))));
  assert.equal(status.type === 'response' && status.ok, true, 'still answering after every hostile frame');
  ws.close();
});

test('a socket has 64 requests at the engine; more wait in order, and past the queue they are answered busy', () => {
  const guard = new FrameGuard();
  const req = (id: number) => ({ type: 'request', id, channel: 'engine:status', args: {} }) as const;
  for (let i = 0; i < MAX_IN_FLIGHT; i++) assert.equal(guard.admit(req(i)), 'send');
  for (let i = 0; i < MAX_QUEUED; i++) assert.equal(guard.admit(req(1000 + i)), 'queued');
  assert.equal(guard.admit(req(9)), 'busy');
  const busy = busyReply(9);
  assert.equal(busy.type === 'response' && !busy.ok ? busy.error.code : undefined, 'busy');
  assert.equal(guard.finished()?.id, 1000, 'the first queued request takes the answered one’s place');
  assert.equal(guard.finished()?.id, 1001);
  guard.waiting.splice(0);
  guard.finished();
  assert.equal(guard.inFlight, MAX_IN_FLIGHT - 1, 'with nothing queued, an answer frees a place');
  assert.equal(checkFrame(Buffer.from(JSON.stringify(req(3))), false, guard, 0).kind, 'request');
});

test('a grid of 300 thumbnails at once: every request is answered, none busy', async () => {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, { headers: auth() });
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  const answers = new Map<number, WireMessage>();
  const all = new Promise<void>((res) => ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as WireMessage;
    if (m.type === 'response') answers.set(m.id, m);
    if (answers.size === 300) res();
  }));
  for (let i = 1; i <= 300; i++) ws.send(JSON.stringify({ type: 'request', id: i, channel: 'project:state', args: {} }));
  await all;
  assert.deepEqual([...answers.values()].filter((m) => m.type === 'response' && !m.ok), []);
  ws.close();
});
