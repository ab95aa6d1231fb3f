// The bridge with the real engine host (its TypeScript source, forked with tsx) and a stand-in page.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { WireMessage } from '../shared/contract';
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
