// Browser mode end to end: the real bridge, the real engine host (onnxruntime, SQLite), Debian Chromium.
// Screenshots of each screen go to e2e/artifacts/*.png.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared, applyPreset } from './helpers';

const skip = browserSkipReason();
const TIMEOUT = 120_000;

/** ImageNet classes 151..268 are the dog breeds. */
const isDogBreed = (i: number): boolean => i >= 151 && i <= 268;

describe('browser mode (bridge + engine host + Chromium)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;

  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `${name}.png`) });
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-' });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('refuses a wrong or missing token on HTTP and on the WebSocket, and a foreign Host', { timeout: TIMEOUT }, async () => {
    const status = (path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((res, rej) => {
        const req = request(`${server.origin}${path}`, { headers }, (r) => {
          r.resume();
          res(r.statusCode ?? 0);
        });
        req.on('error', rej);
        req.end();
      });
    assert.equal(await status('/?token=wrong-token'), 403);
    assert.equal(await status('/'), 403);
    assert.equal(await status('/assets/x.js'), 403);
    assert.equal(await status('/', { cookie: `featurescope_token_${new URL(server.origin).port}=nope` }), 403);
    // the right token passes (so the 403s above are about the token)...
    assert.equal(await status('/', { 'x-featurescope-token': server.token }), 200);
    // ...but not from a DNS-rebinding page whose Host is someone else's name
    assert.equal(await status('/', { 'x-featurescope-token': server.token, host: 'evil.example:80' }), 403);
    assert.equal(await status('/', { 'x-featurescope-token': server.token, origin: 'http://evil.example' }), 403);

    const wsStatus = (headers: Record<string, string>) =>
      new Promise<number | 'open'>((res) => {
        const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws`, { headers });
        ws.on('open', () => {
          ws.close();
          res('open');
        });
        ws.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    assert.equal(await wsStatus({ 'x-featurescope-token': 'wrong' }), 403);
    assert.equal(await wsStatus({}), 403);
    assert.equal(await wsStatus({ 'x-featurescope-token': server.token }), 'open');
  });

  test('create → add model, photo, labels → classify → activations → close → reopen', { timeout: 300_000 }, async (t) => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('statusbar').getByText('Engine:').waitFor();
    t.diagnostic(`cold start to rendered start screen: ${Date.now() - server.startedAt} ms (server URL after ${server.startMs} ms)`);
    assert.ok(!page.url().includes('token='), 'the token moves from the URL into a cookie');
    // ask for CUDA: this machine has none, so the engine stays on CPU and says why, once, in plain words
    await byTest('provider-select').selectOption('cuda');
    const fallback = byTest('fallback-reason');
    await fallback.waitFor();
    assert.match((await fallback.textContent()) ?? '', /CUDA/);
    assert.match((await byTest('active-provider').textContent()) ?? '', /CPU/);
    await shot('01-start');
    await fallback.getByTitle('Dismiss').click();
    assert.equal(await fallback.count(), 0);
    await byTest('provider-select').selectOption('auto');

    // create a project in a temp dir
    await byTest('new-name').fill('Dog study');
    await byTest('new-folder').fill(work);
    const projectPath = join(work, 'Dog study.fscope');
    assert.equal(await byTest('new-path').textContent(), projectPath);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    assert.equal(await byTest('project-name').textContent(), 'Dog study');

    // add GoogLeNet through the file input (an upload in browser mode)
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor({ timeout: 120_000 });
    await page.getByText('bvlc_googlenet.onnx').first().waitFor();
    await byTest('layer-search').fill('inception_4c/output');
    const row = page.locator('tr[data-layer="inception_4c/output"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /\[1,512,14,14\]/);
    assert.match((await page.locator('.layers-toolbar').textContent()) ?? '', /224×224/);
    await row.click();
    await shot('02-model');

    // the dog photo, the Caffe preset, ImageNet labels
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();
    await applyPreset(page, 'caffe');
    await byTest('labels-input').setInputFiles(shared.labels);
    await byTest('labels-status').getByText(/^1000 labels/).waitFor();
    await shot('03-model-configured');

    // classify
    await byTest('tab-run').click();
    assert.match((await byTest('run-panel').textContent()) ?? '', /caffe · BGR · 224×224/);
    await byTest('classify').click();
    const top1 = page.locator('[data-testid="classify-result"] [data-rank="1"]');
    await top1.waitFor({ timeout: 120_000 });
    const top1Index = Number(await top1.getAttribute('data-class-index'));
    const top1Text = (await top1.textContent()) ?? '';
    t.diagnostic(`top-1: class ${top1Index} ${top1Text}`);
    assert.ok(isDogBreed(top1Index), `top-1 class ${top1Index} (${top1Text}) is not a dog breed (151..268)`);
    await shot('04-classify');

    // activations for the selected layer (a job; the run arrives with job:done)
    assert.equal(await byTest('layer-input').inputValue(), 'inception_4c/output');
    await byTest('show-activations').click();
    await page.locator('[data-testid="activations-result"] .activation-grid img').waitFor({ timeout: 120_000 });
    await page.locator('[data-job-state="done"]').first().waitFor();
    await shot('05-activations');

    await byTest('tab-history').click();
    await byTest('history-table').waitFor();
    assert.equal(await page.locator('[data-testid="history-table"] tbody tr').count(), 2);
    await shot('06-history');
    // leave the view on the classification, so reopening must restore it
    await page.locator('[data-testid="history-table"] tbody tr', { hasText: 'Classify' }).click();
    await top1.waitFor();
    await page.waitForTimeout(800); // the view is saved a moment after the last click

    // close, then reopen the file
    await byTest('close-project').click();
    await byTest('start-screen').waitFor();
    await byTest('recent-list').getByText(projectPath).waitFor();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await byTest('model-list').getByText('bvlc_googlenet.onnx').waitFor();
    await page.locator('[data-photo="dog.jpg"]').waitFor();
    // the saved view: Run tab, showing the classification with the same top-1
    await top1.waitFor();
    assert.equal(Number(await top1.getAttribute('data-class-index')), top1Index);
    assert.equal(await byTest('layer-input').inputValue(), 'inception_4c/output', 'the chosen layer is part of the saved view');
    await shot('07-reopened');
    await byTest('tab-history').click();
    assert.equal(await page.locator('[data-testid="history-table"] tbody tr').count(), 2);
  });

  test('a broken model file dropped on the window shows an error and leaves the project unchanged', { timeout: TIMEOUT }, async () => {
    const broken = join(work, 'broken.onnx');
    // the first 64 KB of a real model: a truncated protobuf
    writeFileSync(broken, readFileSync(shared.googlenet).subarray(0, 64 * 1024));
    const projectPath = join(work, 'Broken.fscope');
    if ((await byTest('project-screen').count()) > 0) {
      await byTest('close-project').click();
      await byTest('start-screen').waitFor();
    }
    await byTest('new-name').fill('Broken');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    // a new project may come with built-in models; whatever it holds now must hold afterwards
    const modelNames = () => page.locator('[data-testid="models-panel"] .list-title').allTextContents();
    const before = await modelNames();
    // dropped on the window this time (the other path into the app): a real drop event with a File in it
    const bytes = [...readFileSync(broken)];
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'broken.onnx', { type: 'application/octet-stream' }));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    }, bytes);
    const banner = byTest('error-models');
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /broken\.onnx/);
    await shot('08-broken-model');
    assert.deepEqual(await modelNames(), before, 'no model was added');
    // and the file on disk agrees: reopen it
    await byTest('close-project').click();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await byTest('models-panel').waitFor();
    assert.deepEqual(await modelNames(), before);
  });
});
