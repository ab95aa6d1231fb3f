// Only our page drives the engine (issue 14 points 1–2, issue 15 point 1), end to end: the real bridge and
// engine, Debian Chromium. A page served from a second loopback port in the same browser context (so it
// has the bridge's cookie) cannot open the socket or upload; our own page cannot read /etc/passwd as
// labels, export over a file without the overwrite flag, export to a relative path, or add a model whose
// external data leads out of its folder; a restarted server's new URL works in the same context.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as protobuf from 'protobufjs';
import sharp from 'sharp';
import { ONNX_PROTO } from '../src/main/engine/onnx/onnx.proto';
import { assertBuilt, browserSkipReason, chromiumPath, CHROMIUM_ARGS, repoRoot, serve, shared, type Served } from './helpers';

const skip = browserSkipReason();
const TIMEOUT = 180_000;

/** x + w, with w's 4 bytes in an external file at `location` (relative to the model's folder). */
function externalDataModel(location: string): Buffer {
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [1, 3, 32, 32].map((d) => ({ dim_value: d })) } } } });
  return Buffer.from(T.encode(T.fromObject({
    ir_version: 8, opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'external', node: [{ name: 'add', op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dims: [1], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: location }, { key: 'length', value: '4' }] }],
      input: [vi('x')], output: [vi('y')],
    },
  })).finish());
}

type Reply = { ok: true; result: any } | { ok: false; error: { message: string; code?: string } };

describe('only our page drives the engine (browser mode)', { skip: skip ?? false }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let server: Served;
  let page: Page;
  let other: Server;
  let otherOrigin: string;
  let work: string;
  let dataDir: string;

  before(async () => {
    assertBuilt();
    work = mkdtempSync(join(tmpdir(), 'featurescope-e2e-security-'));
    dataDir = join(work, 'data');
    mkdirSync(dataDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    server = await serve({ dataDir, env: { FEATURESCOPE_LAUNCH_COMMAND: 'npm run serve' } });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(60_000);
    // the "other program": any page on another loopback port (a dev server, a notebook)
    other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another local server</title>'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((r) => other?.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  /** A request over our page's own socket (the cookie authenticates it), as the UI would send it. */
  const call = (channel: string, args: unknown): Promise<Reply> =>
    page.evaluate(
      ([channel, args]) =>
        new Promise<Reply>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/ws`);
          ws.onopen = () => ws.send(JSON.stringify({ type: 'request', id: 1, channel, args }));
          ws.onmessage = (e) => {
            const m = JSON.parse(String(e.data));
            if (m.type === 'response') (ws.close(), resolve(m));
          };
        }),
      [channel, args] as const,
    );
  const errorOf = (r: Reply) => (r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`);

  test('a page on another loopback port, with the bridge cookie in the same browser, cannot open the socket or upload', { timeout: TIMEOUT }, async () => {
    const first = await page.goto(server.url);
    assert.equal(first?.status(), 200);
    await page.locator('[data-testid="start-screen"]').waitFor();
    const bridge = new URL(server.origin);
    const cookies = await context.cookies(server.origin);
    assert.ok(cookies.some((c) => c.name === `featurescope_token_${bridge.port}` && c.httpOnly && c.sameSite === 'Strict'), 'our page holds the session cookie');

    const evil = await context.newPage();
    await evil.goto(otherOrigin);
    const socket = await evil.evaluate(
      (wsUrl) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.onopen = () => resolve('open');
          ws.onclose = (e) => resolve(`closed ${e.code}`);
        }),
      `ws://${bridge.host}/ws`,
    );
    assert.notEqual(socket, 'open', 'the other port could open the bridge socket');

    // a no-cors POST (no preflight, an opaque answer) carries the cookie: the bridge must refuse it by its Origin
    const uploadUrl = `${server.origin}/upload?kind=labels&name=stolen.txt`;
    const answered = evil.waitForResponse((r) => r.url() === uploadUrl, { timeout: 30_000 });
    await evil.evaluate((u) => fetch(u, { method: 'POST', mode: 'no-cors', body: 'x', credentials: 'include' }).catch(() => undefined), uploadUrl);
    const response = await answered;
    assert.equal(response.status(), 403, 'upload from another port');
    const sent = await response.request().allHeaders();
    assert.equal(sent.origin, otherOrigin);
    assert.match(sent.cookie ?? '', new RegExp(`featurescope_token_${bridge.port}=`), 'the cookie was sent, and still refused');
    await evil.close();

    // the same from our own page works (so the 403 above is about the origin)
    const ours = await page.evaluate(() => fetch('/upload?kind=labels&name=ok.txt', { method: 'POST', body: 'a\nb\n' }).then((r) => r.status));
    assert.equal(ours, 200);
  });

  test('paths are capabilities: /etc/passwd as labels, exports over a file or to a relative path, external data out of the folder', { timeout: TIMEOUT }, async (t) => {
    const t0 = Date.now();
    const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
    const folder = join(work, 'projects');
    mkdirSync(folder);
    await byTest('new-name').fill('Sec');
    await byTest('new-folder').fill(folder);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await page.getByText('bvlc_googlenet.onnx').first().waitFor({ timeout: 120_000 });
    // a small copy of the dog: the dream below only has to exist, quickly
    const dog = join(work, 'small-dog.jpg');
    await sharp(shared.dog).resize(160).jpeg().toFile(dog);
    await byTest('add-photo-input').setInputFiles(dog);
    await page.locator('[data-photo="small-dog.jpg"] img').waitFor();
    const state = (await call('project:state', {})) as { ok: true; result: { models: { id: string; labels?: string[] }[]; photos: { id: string }[] } };
    const modelId = state.result.models[0]!.id;
    const photoId = state.result.photos[0]!.id;

    t.diagnostic(`project, GoogLeNet and a photo added in ${Date.now() - t0} ms`);
    const passwd = await call('model:setLabels', { modelId, source: { kind: 'path', path: '/etc/passwd' } });
    assert.match(errorOf(passwd), /^not-granted: .*labels file "\/etc\/passwd" was not chosen/);
    assert.doesNotMatch(errorOf(passwd), /root:/);
    const missing = await call('model:setLabels', { modelId, source: { kind: 'path', path: '/no/such/file.txt' } });
    assert.equal(errorOf(missing).replace('/no/such/file.txt', 'P'), errorOf(passwd).replace('/etc/passwd', 'P'), 'the same words whether the file exists or not');
    const after = (await call('project:state', {})) as { ok: true; result: { models: { labels?: string[] }[] } };
    assert.deepEqual(after.result.models[0]!.labels, state.result.models[0]!.labels, 'the labels did not change');
    assert.ok(!(after.result.models[0]!.labels ?? []).some((l) => /root:/.test(l)));
    assert.match(errorOf(await call('model:add', { source: { kind: 'path', path: '/etc/shadow' } })), /^not-granted/);

    // a small dream to export
    const job = (await call('run:dream', { modelId, photoId, settings: { octaves: 1, iterations: 1 } })) as { ok: true; result: { id: string } };
    assert.ok(job.ok, errorOf(job));
    const runId = await page.evaluate(
      (jobId) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/ws`);
          // job:done may already have been sent: ask for the project state until the run is there
          // (no named functions in here: the test's transpiler would wrap them in a helper the page lacks)
          const ask = JSON.stringify({ type: 'request', id: 1, channel: 'project:state', args: {} });
          ws.onopen = () => ws.send(ask);
          ws.onmessage = (e) => {
            const m = JSON.parse(String(e.data));
            if (m.type === 'event' && m.event === 'job:done' && m.payload.job.id === jobId && m.payload.run) return resolve(m.payload.run.id);
            if (m.type === 'response' && m.ok) {
              const run = m.result.runs.find((r: { kind: string }) => r.kind === 'dream');
              if (run) resolve(run.id);
              else setTimeout(() => ws.send(ask), 500);
            }
          };
        }),
      job.result.id,
    );

    t.diagnostic(`a 1-octave dream done after ${Date.now() - t0} ms`);
    const existing = join(folder, 'existing.png');
    writeFileSync(existing, 'keep me');
    assert.match(errorOf(await call('dream:export', { runId, path: existing })), /^exists: .*overwrite/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me', 'not overwritten');
    assert.equal(errorOf(await call('dream:export', { runId, path: existing, overwrite: true })), 'ok', 'with the flag, in the project folder');
    assert.deepEqual([...readFileSync(existing).subarray(1, 4)], [0x50, 0x4e, 0x47], 'now the PNG');
    assert.match(errorOf(await call('dream:export', { runId, path: 'dream.png' })), /^relative-path/);
    assert.equal(existsSync(join(repoRoot, 'dream.png')), false, 'nothing written in the engine’s working directory');
    const elsewhere = join(work, 'elsewhere.png');
    assert.match(errorOf(await call('dream:export', { runId, path: elsewhere })), /^not-granted/);
    assert.equal(existsSync(elsewhere), false);

    // external data: "../" out of the model's folder, and a link in the folder that leads out of it (both
    // models sit in the project's folder, which the page may name)
    const secret = join(work, 'secret.bin');
    writeFileSync(secret, 'SECR');
    writeFileSync(join(folder, 'dotdot.onnx'), externalDataModel('../secret.bin'));
    const dotdot = await call('model:add', { source: { kind: 'path', path: join(folder, 'dotdot.onnx') } });
    assert.match(errorOf(dotdot), /outside the model's folder/);
    writeFileSync(join(folder, 'linked.onnx'), externalDataModel('weights.bin'));
    symlinkSync(secret, join(folder, 'weights.bin'));
    const linked = await call('model:add', { source: { kind: 'path', path: join(folder, 'linked.onnx') } });
    assert.match(errorOf(linked), /outside the model's folder/);
  });

  test('restart the server on the same port: the new URL opens in the same browser (200, the project list); the old one says what to do', { timeout: TIMEOUT }, async () => {
    const oldUrl = server.url;
    const port = Number(new URL(server.origin).port);
    await server.stop();
    server = await serve({ dataDir, port, env: { FEATURESCOPE_LAUNCH_COMMAND: 'npm run serve' } });
    assert.equal(new URL(server.origin).port, String(port));
    // the browser still holds the previous start's cookie for this port
    assert.ok((await context.cookies(server.origin)).some((c) => c.name === `featurescope_token_${port}`));
    const fresh = await page.goto(server.url);
    assert.equal(fresh?.status(), 200);
    await page.locator('[data-testid="start-screen"]').waitFor();
    await page.locator('[data-testid="recent-list"]').getByText('Sec').first().waitFor();

    const stale = await page.goto(oldUrl);
    assert.equal(stale?.status(), 403);
    const text = (await page.textContent('body')) ?? '';
    assert.match(text, /earlier start/);
    assert.match(text, /npm run serve/);
    // …and the new session is still there
    const again = await page.goto(server.origin);
    assert.equal(again?.status(), 200);
  });
});
