// Attribution in browser mode, end to end: the real bridge and engine host (attribution worker,
// onnxruntime, SQLite), Debian Chromium. Pick a method, see the overlay, move the opacity slider,
// compare two methods, the runs are saved in the project, reopen, export. Screenshots:
// e2e/artifacts/attribution-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared, applyPreset } from './helpers';

const skip = browserSkipReason();

describe('attribution in browser mode', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `attribution-${name}.png`) });
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  /** the canvas pixels, to see that a redraw changed them */
  const canvasPixels = (sel = '[data-testid="attr-canvas"]') => page.locator(sel).first().evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const drawnCount = async () => Number(await byTest('attr-canvas').first().getAttribute('data-drawn'));

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-attr-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('method → overlay → opacity → compare → saved → reopen → export', { timeout: 600_000 }, async () => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Where it looks');
    await byTest('new-folder').fill(work);
    const projectPath = join(work, 'Where it looks.fscope');
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();

    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor();
    await applyPreset(page, 'caffe');
    await byTest('labels-input').setInputFiles(shared.labels);
    await byTest('labels-status').getByText(/^1000 labels/).waitFor();
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();

    // Grad-CAM on the top-1 class
    await byTest('tab-attribution').click();
    await byTest('attribution-panel').waitFor();
    await byTest('attr-method').selectOption('gradcam');
    await byTest('attr-run').click();
    await page.locator('[data-testid="attr-run-item"][data-method="gradcam"]').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="attr-canvas"]')?.getAttribute('data-drawn')) >= 1);
    assert.match((await byTest('attr-figure').textContent()) ?? '', /golden retriever/);
    assert.equal(await byTest('attr-legend').getAttribute('data-mode'), 'positive');
    await shot('01-gradcam');

    // the opacity slider redraws the overlay
    const before = await canvasPixels();
    const n = await drawnCount();
    await byTest('attr-opacity').fill('0.2');
    await page.waitForFunction((k) => Number(document.querySelector('[data-testid="attr-canvas"]')?.getAttribute('data-drawn')) > k, n);
    assert.equal(await byTest('attr-canvas').getAttribute('data-opacity'), '0.2');
    assert.notEqual(await canvasPixels(), before, 'a lower opacity changes the pixels');
    await byTest('attr-opacity').fill('0.7');
    await shot('02-opacity');

    // a second method: Integrated Gradients (few steps keep the test short); its completeness error is shown
    await byTest('attr-method').selectOption('ig');
    await byTest('attr-steps').fill('8');
    await byTest('attr-run').click();
    await page.locator('[data-testid="attr-run-item"][data-method="ig"]').waitFor();
    await byTest('attr-completeness').waitFor();
    assert.match((await byTest('attr-completeness').textContent()) ?? '', /completeness error \d+\.\d+%/);

    // compare the two side by side
    const checks = byTest('attr-compare-check');
    assert.equal(await checks.count(), 2);
    await checks.nth(0).check();
    await checks.nth(1).check();
    await byTest('attr-compare').waitFor();
    assert.equal(await page.locator('[data-testid="attr-compare"] [data-testid="attr-figure"]').count(), 2);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="attr-compare"] [data-testid="attr-canvas"]')].every((c) => Number(c.getAttribute('data-drawn')) >= 1));
    await byTest('attr-sign').selectOption('absolute');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="attr-legend"]')].every((l) => l.getAttribute('data-mode') === 'absolute'));
    await shot('03-compare');
    await checks.nth(0).uncheck();
    await checks.nth(1).uncheck();

    // the runs are in the project file: close and reopen
    await byTest('close-project').click();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await page.locator('[data-photo="dog.jpg"] img').first().click();
    await byTest('tab-attribution').click();
    await page.locator('[data-testid="attr-run-item"]').nth(1).waitFor();
    assert.equal(await page.locator('[data-testid="attr-run-item"]').count(), 2);
    await page.locator('[data-testid="attr-run-item"][data-method="gradcam"] button').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="attr-canvas"]')?.getAttribute('data-drawn')) >= 1);
    await shot('04-reopened');

    // export the overlay PNG and the raw map
    const [png] = await Promise.all([page.waitForEvent('download'), byTest('attr-export-png').click()]);
    assert.equal(png.suggestedFilename(), 'dog-gradcam-golden_retriever.png', 'readable: photo stem, method, class');
    const pngPath = join(work, png.suggestedFilename());
    await png.saveAs(pngPath);
    assert.equal(readFileSync(pngPath).subarray(1, 4).toString('latin1'), 'PNG');
    const [npy] = await Promise.all([page.waitForEvent('download'), byTest('attr-export-npy').click()]);
    const npyPath = join(work, npy.suggestedFilename());
    await npy.saveAs(npyPath);
    const header = readFileSync(npyPath).subarray(0, 128).toString('latin1');
    assert.match(header, /NUMPY/);
    assert.match(header, /'shape': \(1, 1, 224, 224\)/);
  });
});
