// Results follow the selection, in browser mode end to end (real bridge, engine host, Chromium):
// photo A's dream is never shown as photo B's; the layer list is the selected model's and each model keeps
// its own layer; the activation grid pages through all 512 channels of inception_4c/output and a tile
// opens over the photo with "Dream this channel" / "Visualize this channel"; a History row of another
// model selects its model, photo and tab and renders the run; attribution runs join the comparison by
// themselves and the sheet exports as one PNG with a readable name; a reopened dream renders (not JSON).
// Screenshots: e2e/artifacts/selection-*.png.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { applyPreset, artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, shared, sharedDir } from './helpers';

const skip = browserSkipReason();
const SQUEEZENET = join(sharedDir, 'models/squeezenet1.1.onnx');
const HUMMINGBIRD = join(sharedDir, 'images/content/hummingbird.jpg');

/** width × height of a PNG, from its IHDR chunk */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('results follow the selection (browser mode)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let page: Page;
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const model = (name: string) => page.locator('[data-testid="model-list"] button.list-item', { hasText: name });
  const photo = (name: string) => page.locator(`[data-photo="${name}"]`);
  const selectedPhoto = () => page.locator('.thumb.selected [data-photo]').getAttribute('data-photo');
  const selectedModel = () => page.locator('[data-testid="model-list"] button.list-item.selected .list-title').textContent();
  /** the layer picker's options for a query (the picker lists only the selected model's layers) */
  const layerOptions = async (testId: string, query: string) => {
    await byTest(testId).click();
    await byTest(testId).fill(query);
    return page.locator(`[data-testid="${testId}-option"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
  };
  const pickLayer = async (testId: string, layer: string) => {
    await byTest(testId).click();
    await byTest(testId).fill(layer);
    await page.locator(`[data-testid="${testId}-option"][data-layer="${layer}"]`).click();
  };

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-selection-', shotPrefix: 'selection-', timeoutMs: 120_000 });
    page = app.page;
  });
  after(async () => {
    await app?.close();
  });

  test('dream, layers, activation pages, History, attribution comparison, reopen', { timeout: 600_000 }, async (t) => {
    const t0 = Date.now();
    await page.goto(app.server.url);
    await byTest('new-name').fill('Selection');
    await byTest('new-folder').fill(app.work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    const projectPath = join(app.work, 'Selection.fscope');

    await byTest('add-model-input').setInputFiles(SQUEEZENET);
    await model('squeezenet1.1.onnx').waitFor();
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await model('bvlc_googlenet.onnx').waitFor();
    await model('bvlc_googlenet.onnx').click();
    await applyPreset(page, 'caffe');
    await byTest('labels-input').setInputFiles(shared.labels);
    await byTest('labels-status').getByText(/^1000 labels/).waitFor();
    await byTest('add-photo-input').setInputFiles([HUMMINGBIRD, shared.dog]);
    await photo('hummingbird.jpg').locator('img').waitFor();
    await photo('dog.jpg').locator('img').waitFor();

    // ---- photo A: dream, with the default layer named before the run -------------------------------
    await photo('hummingbird.jpg').click();
    await byTest('tab-dream').click();
    assert.equal(await byTest('dream-layer').inputValue(), 'inception_4c/output');
    assert.match((await byTest('dream-layer-note').textContent()) ?? '', /default for this model: inception_4c\/output/);
    await byTest('dream-octaves').fill('1');
    await byTest('dream-iterations').fill('2');
    await byTest('dream-seed').fill('3');
    await byTest('dream-start').click();
    await byTest('dream-live').waitFor();

    // ---- photo B while A dreams: the Dream tab says A is dreaming, and shows nothing of A as B's -----
    await photo('dog.jpg').click();
    await byTest('dream-elsewhere').waitFor();
    assert.match((await byTest('dream-elsewhere').textContent()) ?? '', /Dreaming on hummingbird\.jpg with bvlc_googlenet\.onnx — not the selected photo/);
    assert.equal(await byTest('dream-live').count(), 0, "A's live preview is not shown for B");
    assert.equal(await byTest('dream-result').count(), 0);
    await app.shot('01-dream-A-running-B-selected');
    // A's dream finishes while B is selected: the view stays on B, which still has no dream
    await byTest('dream-elsewhere').waitFor({ state: 'detached', timeout: 180_000 });
    await byTest('dream-none').waitFor();
    assert.equal(await byTest('dream-result').count(), 0, "photo B shows no dream (A's is not B's)");
    assert.match((await byTest('dream-none').textContent()) ?? '', /No dreams of dog\.jpg with bvlc_googlenet\.onnx/);
    assert.equal(await byTest('dream-history').count(), 0);
    assert.equal(await selectedPhoto(), 'dog.jpg', 'the finished job did not pull the selection back to A');
    await app.shot('02-dream-B-none');

    // back on A: its dream
    await photo('hummingbird.jpg').click();
    const dreamA = page.locator('[data-testid="dream-result"][data-run-status="done"]');
    await dreamA.locator('[data-testid="dream-result-image"]').waitFor();
    const dreamRunId = await dreamA.getAttribute('data-run-id');
    assert.ok(dreamRunId);
    await app.shot('03-dream-A');
    await photo('dog.jpg').click();
    await byTest('dream-none').waitFor();
    // a finished job's card opens its run: the photo and the tab follow
    await byTest('tab-run').click();
    await page.locator(`[data-testid="job-item"][data-run-id="${dreamRunId}"] button.job-title`).click();
    await dreamA.locator('[data-testid="dream-result-image"]').waitFor();
    assert.equal(await selectedPhoto(), 'hummingbird.jpg', 'the job card selected its photo');
    await photo('dog.jpg').click();
    await byTest('dream-none').waitFor();

    // ---- layers are the selected model's, remembered per model -------------------------------------
    await byTest('tab-run').click();
    await pickLayer('layer-input', 'inception_4c/output');
    assert.equal(await byTest('layer-input').inputValue(), 'inception_4c/output');
    assert.match((await byTest('layer-info').textContent()) ?? '', /\[1,512,14,14\] · 512 channels/);
    await model('squeezenet1.1.onnx').click();
    // googlenet's layer does not stick to squeezenet: squeezenet's default, named before any run
    assert.equal(await byTest('layer-input').inputValue(), 'fire6/concat');
    assert.match((await byTest('layer-info').textContent()) ?? '', /the default for this model: Concat \[1,384,14,14\] · 384 channels/);
    const squeezeLayers = await layerOptions('layer-input', 'concat');
    assert.ok(squeezeLayers.includes('fire9/concat'), `squeezenet's layers: ${squeezeLayers.join(', ')}`);
    assert.ok(!squeezeLayers.some((l) => l?.startsWith('inception')), 'no GoogLeNet layer in the list');
    await app.shot('04-layer-picker-squeezenet');
    await page.locator('[data-testid="layer-input-option"][data-layer="fire9/concat"]').click();
    assert.equal(await byTest('layer-input').inputValue(), 'fire9/concat');
    // a name typed that is not in the list changes nothing
    await byTest('layer-input').click();
    await byTest('layer-input').fill('inception_4c/output');
    assert.equal(await page.locator('[data-testid="layer-input-option"]').count(), 0);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    assert.equal(await byTest('layer-input').inputValue(), 'fire9/concat');
    await model('bvlc_googlenet.onnx').click();
    assert.equal(await byTest('layer-input').inputValue(), 'inception_4c/output', "googlenet's own layer comes back");

    // ---- the activation grid pages through all 512 channels -----------------------------------------
    await byTest('show-activations').click();
    const result = page.locator('[data-testid="activations-result"][data-channels="512"]');
    await result.waitFor({ timeout: 120_000 });
    assert.match((await byTest('act-page-label').textContent()) ?? '', /channels 1–64 of 512/);
    assert.equal(await byTest('act-tile').count(), 64);
    const firstPage = await byTest('act-tile').first().getAttribute('data-channel');
    await byTest('act-page-next').click();
    assert.match((await byTest('act-page-label').textContent()) ?? '', /channels 65–128 of 512/);
    assert.notEqual(await byTest('act-tile').first().getAttribute('data-channel'), firstPage);
    const seen = new Set<string>();
    await byTest('act-page-prev').click();
    for (let p = 0; p < 8; p++) {
      for (const c of await byTest('act-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')!))) seen.add(c);
      if (p < 7) await byTest('act-page-next').click();
    }
    assert.equal(seen.size, 512, 'every channel appears on some page');
    assert.match((await byTest('act-page-label').textContent()) ?? '', /channels 449–512 of 512/);
    await app.shot('05-activations-last-page');

    // a tile opens large over the photo; dream this channel; visualize this channel
    const tile = byTest('act-tile').first();
    const channel = Number(await tile.getAttribute('data-channel'));
    await tile.click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="act-overlay"]')?.getAttribute('data-drawn')) >= 1);
    assert.match((await byTest('act-channel-view').textContent()) ?? '', new RegExp(`channel ${channel}.*over dog\\.jpg`));
    await app.shot('06-channel-over-photo');
    await byTest('act-dream-channel').click();
    await byTest('dream-panel').waitFor();
    assert.equal(await byTest('dream-layer').inputValue(), 'inception_4c/output');
    assert.equal(await byTest('dream-channels').inputValue(), String(channel));
    assert.match((await byTest('dream-subject').textContent()) ?? '', new RegExp(`inception_4c/output \\[${channel}\\] · dog\\.jpg`));
    await byTest('dream-channels').fill('');
    await byTest('tab-run').click();
    const strongest = Number(await byTest('act-tile').first().getAttribute('data-channel'));
    await byTest('act-tile').first().click();
    await byTest('act-visualize-channel').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="tab-features"]')?.getAttribute('aria-selected') === 'true');
    assert.match(await page.evaluate(() => decodeURIComponent(location.hash)), new RegExp(`#unit/.*/inception_4c/output/${strongest}$`));
    await app.shot('07-visualize-channel');

    // ---- a History row of another model: its model, photo and tab are selected, the run renders ------
    await model('squeezenet1.1.onnx').click();
    await byTest('tab-history').click();
    await page.locator(`[data-testid="history-table"] tr[data-run-id="${dreamRunId}"]`).click();
    await page.locator(`[data-testid="dream-result"][data-run-id="${dreamRunId}"] [data-testid="dream-result-image"]`).waitFor();
    assert.equal(await selectedModel(), 'bvlc_googlenet.onnx');
    assert.equal(await selectedPhoto(), 'hummingbird.jpg');
    assert.equal(await byTest('tab-dream').getAttribute('aria-selected'), 'true');
    await app.shot('08-history-opens-dream');

    // ---- attribution: new runs join the comparison; the sheet exports as one PNG --------------------
    await photo('dog.jpg').click();
    await byTest('tab-attribution').click();
    await byTest('attr-method').selectOption('gradcam');
    await byTest('attr-run').click();
    await page.locator('[data-testid="attr-run-item"][data-method="gradcam"]').waitFor();
    await byTest('attr-method').selectOption('saliency');
    await byTest('attr-run').click();
    await page.locator('[data-testid="attr-run-item"][data-method="saliency"]').waitFor();
    // both joined by themselves: nothing ticked by hand
    await byTest('attr-compare').waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="attr-compare"] [data-testid="attr-canvas"]')].filter((c) => Number(c.getAttribute('data-drawn')) >= 1).length === 2);
    assert.equal(await page.locator('[data-testid="attr-compare-check"]:checked').count(), 2);
    await app.shot('09-attribution-compare-blend');
    const [sheet] = await Promise.all([page.waitForEvent('download'), byTest('attr-export-sheet').click()]);
    assert.equal(sheet.suggestedFilename(), 'dog-gradcam-saliency-comparison.png');
    const sheetPath = join(app.work, sheet.suggestedFilename());
    await sheet.saveAs(sheetPath);
    copyFileSync(sheetPath, join(artifactsDir, 'selection-09b-comparison-sheet.png'));
    const size = pngSize(readFileSync(sheetPath));
    const one = await page.locator('[data-testid="attr-compare"] [data-testid="attr-canvas"]').first().evaluate((c: HTMLCanvasElement) => c.width);
    assert.ok(size.width > 2 * one, `the sheet (${size.width}×${size.height}) holds both maps side by side (${one} px each)`);
    // the single-run export has a readable name: photo-method-class
    const [png] = await Promise.all([page.waitForEvent('download'), byTest('attr-export-png').click()]);
    assert.match(png.suggestedFilename(), /^dog-(gradcam|saliency)-[a-z_]+\.png$/);
    t.diagnostic(`exports: ${sheet.suggestedFilename()} (${size.width}×${size.height}), ${png.suggestedFilename()}`);
    // map only, large
    await byTest('attr-view').selectOption('map');
    await byTest('attr-large').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="attr-canvas"]')?.getAttribute('data-view') === 'map');
    assert.equal(await byTest('attr-runs').count(), 0);
    await app.shot('10-attribution-map-only-large');
    await byTest('attr-large').click();
    await byTest('attr-view').selectOption('blend');

    // ---- reopen: the dream run renders (never raw JSON), each model's layer is back ------------------
    await byTest('tab-history').click();
    await page.locator(`[data-testid="history-table"] tr[data-run-id="${dreamRunId}"]`).click();
    await page.locator(`[data-testid="dream-result"][data-run-id="${dreamRunId}"]`).waitFor();
    await page.waitForTimeout(800); // the view is saved a moment after the last click
    await byTest('close-project').click();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await page.locator(`[data-testid="dream-result"][data-run-id="${dreamRunId}"] [data-testid="dream-result-image"]`).waitFor();
    assert.equal(await page.locator('pre').count(), 0, 'no run shown as raw JSON');
    assert.equal(await selectedPhoto(), 'hummingbird.jpg');
    await model('squeezenet1.1.onnx').click();
    await byTest('tab-run').click();
    assert.equal(await byTest('layer-input').inputValue(), 'fire9/concat', "squeezenet's layer is in the saved view");
    await app.shot('11-reopened');
    t.diagnostic(`suite took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
