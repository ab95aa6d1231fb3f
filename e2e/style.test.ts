// The Style tab in browser mode, end to end: the real bridge and engine host (the engine worker, onnxruntime,
// SQLite), Debian Chromium. VGG19 cut at block 3 as the loss network (Caffe preprocessing: BGR minus the
// mean), stata.jpg as the content photo from the sidebar and wave.jpg added as a style image from the tab
// itself → a long stylize whose preview changes and whose loss curve grows → pause, resume, cancel (the
// current image is kept as a cancelled run) → a short one that finishes → Export PNG (the settings in its
// text chunk) → continue from the result → reopen the project: the runs are there. Then a fast-style network
// (candy.onnx): the tab offers "Stylize photos" instead, and stylizes stata. Screenshots: e2e/artifacts/style-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { readStyleRecord, STYLIZE_TEXT_KEY } from '../src/main/engine/style/export';
import { readPngText } from '../src/main/engine/image/image';
import { applyPreset, type BrowserApp, browserSkipReason, openBrowserApp, type Served, sharedDir } from './helpers';

const skip = browserSkipReason();
const VGG = join(sharedDir, 'models/vgg19_to_block3.onnx');
const CANDY = join(sharedDir, 'models/style/candy.onnx');
const STATA = join(sharedDir, 'images/content/stata.jpg');
const WAVE = join(sharedDir, 'images/style/wave.jpg');

describe('style transfer in browser mode', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const attr = (id: string, name: string) => byTest(id).getAttribute(name);
  /** an <img> that has finished loading its data: URL */
  const loaded = (selector: string) => page.waitForFunction((s) => {
    const img = document.querySelector(s) as HTMLImageElement | null;
    return !!img && img.complete && img.naturalWidth > 0;
  }, selector);
  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-style-', shotPrefix: 'style-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('content + style → stylize → cancel keeps a frame → finish → export with settings → continue → reopen; fast style', { timeout: 600_000 }, async (t) => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Styles');
    await byTest('new-folder').fill(work);
    const projectPath = join(work, 'Styles.fscope');
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();

    // the loss network: the engine guesses Caffe's BGR-minus-mean for this VGG, which is what it needs
    await byTest('add-model-input').setInputFiles(VGG);
    await byTest('model-view').waitFor();
    assert.match((await byTest('preset-select').locator('option:checked').textContent()) ?? '', /^caffe/);
    await applyPreset(page, 'caffe');
    await byTest('add-photo-input').setInputFiles(STATA);
    await page.locator('[data-photo="stata.jpg"] img').waitFor();
    await page.locator('[data-photo="stata.jpg"]').click();

    await byTest('tab-style').click();
    await byTest('style-panel').waitFor();
    // no style image yet: Stylize says what is missing
    assert.equal(await byTest('style-start').isDisabled(), true);
    assert.equal(await byTest('style-go-note').textContent(), 'add a style image');
    // the style image is added from the tab: it joins the project and the form
    await byTest('style-add-photo-input').setInputFiles(WAVE);
    await page.locator('[data-testid="style-image"][data-photo="wave.jpg"] img').waitFor();
    await page.locator('[data-testid="photos-panel"] [data-photo="wave.jpg"]').waitFor();
    assert.match((await byTest('style-content').locator('option:checked').textContent()) ?? '', /stata\.jpg/);
    assert.match((await byTest('style-layers-preset').textContent()) ?? '', /chosen from vgg19_to_block3\.onnx's architecture when the run starts/i);
    await byTest('style-size').fill('96');
    await byTest('style-seed-input').fill('1');
    // a run long enough to be watched, paused and cancelled on a fast machine too
    await byTest('style-iterations').fill('400');
    await app.shot('01-form');

    // Run 1: the preview changes, the loss curve grows, pause holds, cancel keeps the current image
    await byTest('style-start').click();
    await byTest('style-preview').waitFor();
    const first = await attr('style-preview', 'src');
    await page.waitForFunction((src) => document.querySelector('[data-testid="style-preview"]')?.getAttribute('src') !== src, first);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="style-live-chart"]')?.getAttribute('data-points')) >= 5);
    t.diagnostic(`${since()}: preview changed; ${await byTest('style-status').textContent()}`);
    assert.match((await byTest('style-status').textContent()) ?? '', /^running · \d+% .*iteration \d+\/400 · loss \d/);
    // total, content, style, TV and the style layers of the preset (block1_conv1 … block3_conv4)
    assert.equal(await page.locator('[data-testid="style-live-chart"] polyline').count(), 8);
    await app.shot('02-live');
    await byTest('style-pause').click();
    await page.locator('[data-testid="style-live"][data-job-state="paused"]').waitFor();
    await byTest('style-resume').click();
    await page.locator('[data-testid="style-live"][data-job-state="running"]').waitFor();
    await byTest('style-cancel').click();
    const cancelled = page.locator('[data-testid="style-result"][data-run-status="cancelled"]');
    await cancelled.waitFor();
    await loaded('[data-testid="style-result"] [data-testid="style-result-image"]');
    assert.match((await byTest('style-summary').textContent()) ?? '', /^cancelled after \d+ iterations \(image kept\)/);
    t.diagnostic(`${since()}: cancelled: ${await byTest('style-summary').textContent()}`);
    await app.shot('03-cancelled');

    // the project now knows the preset's choice for this model, and says it before the next run
    const presetText = (await byTest('style-layers-preset').textContent()) ?? '';
    assert.match(presetText, /content\s*block3_conv4_relu/);
    assert.match(presetText, /style\s*block1_conv1_relu, block2_conv1_relu, block3_conv1_relu, block3_conv4_relu/);

    // overriding starts from the preset's lists, chosen from the model's own feature maps; back to the preset
    await byTest('style-layers-edit').click();
    assert.equal(await byTest('style-layers').getAttribute('data-layers'), 'chosen');
    assert.equal(await byTest('style-style-layers').locator('.style-chip').count(), 4);
    assert.equal(await byTest('style-content-layers').locator('.style-chip').textContent(), 'block3_conv4_relu×');
    assert.ok((await byTest('style-style-layer-add').locator('option').allTextContents()).some((o) => /^block3_pool · MaxPool \[1,256,28,28\]$/.test(o)));
    await byTest('style-layers-preset-back').click();
    assert.equal(await byTest('style-layers').getAttribute('data-layers'), 'preset');

    // Run 2: a few iterations, to the end
    await byTest('style-iterations').fill('12');
    await byTest('style-start').click();
    const done = page.locator('[data-testid="style-result"][data-run-status="done"]');
    await done.waitFor({ timeout: 300_000 });
    await loaded('[data-testid="style-result"] [data-testid="style-result-image"]');
    t.diagnostic(`${since()}: finished: ${await byTest('style-summary').textContent()}`);
    assert.match((await byTest('style-summary').textContent()) ?? '', /^done · 12 iterations · loss \d/);
    assert.equal(await done.locator('[data-testid="style-seed"]').textContent(), '1');
    assert.equal(Number(await attr('style-result-chart', 'data-points')), 12);
    // final losses per layer: 1 content layer, 4 style layers, TV, total
    assert.equal(await byTest('style-losses').locator('tbody tr').count(), 7);
    const size = await page.locator('[data-testid="style-result-image"]').evaluate((img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    assert.equal(Math.max(...size), 96);
    await app.shot('04-done');

    // Export: the PNG the engine wrote, its settings in the text chunk
    const [download] = await Promise.all([page.waitForEvent('download'), byTest('style-export-png').click()]);
    assert.equal(download.suggestedFilename(), 'stata-style.png');
    const file = join(work, download.suggestedFilename());
    await download.saveAs(file);
    const rec = readStyleRecord(readFileSync(file));
    assert.ok(rec, 'the exported PNG carries the style record');
    assert.equal(rec.status, 'done');
    assert.equal(rec.settings.iterations, 12);
    assert.equal(rec.settings.seed, 1);
    assert.equal(rec.settings.size, 96);
    assert.deepEqual(rec.settings.contentLayers, ['block3_conv4_relu']);
    assert.deepEqual(rec.settings.styleLayers, ['block1_conv1_relu', 'block2_conv1_relu', 'block3_conv1_relu', 'block3_conv4_relu']);
    assert.deepEqual([rec.content?.name, rec.styles.map((s) => s.name)], ['stata.jpg', ['wave.jpg']]);
    assert.ok(rec.losses.total > 0 && rec.losses.styleLayers.length === 4);
    // JPEG: the same record in its XMP packet
    const [jpegDownload] = await Promise.all([page.waitForEvent('download'), byTest('style-export-jpeg').click()]);
    assert.equal(jpegDownload.suggestedFilename(), 'stata-style.jpg');
    const jpegFile = join(work, jpegDownload.suggestedFilename());
    await jpegDownload.saveAs(jpegFile);
    const jpeg = readFileSync(jpegFile);
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual(readStyleRecord(jpeg)?.settings, rec.settings);

    // Continue from the result: 4 more iterations from its image, a run that says where it came from
    const doneId = await done.getAttribute('data-run-id');
    await byTest('style-iterations').fill('4');
    await byTest('style-continue').click();
    await page.locator(`[data-testid="style-result"][data-run-status="done"]:not([data-run-id="${doneId}"])`).waitFor({ timeout: 300_000 });
    assert.match((await byTest('style-run-settings').textContent()) ?? '', /continued from an earlier result/);
    assert.match((await byTest('style-summary').textContent()) ?? '', /^done · 4 iterations/);
    t.diagnostic(`${since()}: continued: ${await byTest('style-summary').textContent()}`);

    // Reopen the project: the three runs are there with their images
    await byTest('close-project').click();
    await byTest('start-screen').waitFor();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await page.locator('[data-testid="photos-panel"] [data-photo="stata.jpg"]').click();
    await page.locator('[data-testid="model-list"] .list-item', { hasText: 'vgg19_to_block3.onnx' }).click();
    await byTest('tab-style').click();
    await byTest('style-history').waitFor();
    const items = page.locator('[data-testid="style-history-item"]');
    assert.deepEqual((await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-status')))).sort(), ['cancelled', 'done', 'done']);
    await loaded('[data-testid="style-result"] [data-testid="style-result-image"]');
    await items.filter({ hasText: 'cancelled' }).click();
    await page.locator('[data-testid="style-result"][data-run-status="cancelled"]').waitFor();
    await loaded('[data-testid="style-result"][data-run-status="cancelled"] [data-testid="style-result-image"]');
    await app.shot('05-reopened');

    // Fast style: an image-to-image model makes the tab offer "Stylize photos"
    await byTest('add-model-input').setInputFiles(CANDY);
    await page.locator('[data-testid="model-list"] .list-item.selected', { hasText: 'candy.onnx' }).waitFor();
    await byTest('tab-style').click();
    await byTest('stylize-panel').waitFor();
    assert.equal(await byTest('style-panel').count(), 0);
    assert.equal(await page.locator('[data-testid="stylize-photo"][data-photo="stata.jpg"]').isChecked(), true);
    // at the photo's own size (1024×679) the fixed 720×720 network runs on two overlapping tiles
    assert.equal(await byTest('stylize-size').inputValue(), '');
    await app.shot('06-fast-form');
    await byTest('stylize-start').click();
    const fast = page.locator('[data-testid="stylize-result"][data-run-status="done"]');
    await fast.waitFor({ timeout: 300_000 });
    await loaded('[data-testid="stylize-result-image"]');
    const fastSize = await page.locator('[data-testid="stylize-result-image"]').evaluate((img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    assert.deepEqual(fastSize, [1024, 679]);
    assert.match((await byTest('stylize-item').locator('figcaption').last().textContent()) ?? '', /^1024×679 · 2 tiles · /);
    t.diagnostic(`${since()}: fast style: ${await fast.locator('.small.muted').first().textContent()}`);
    await app.shot('07-fast-done');
    const [fastDownload] = await Promise.all([page.waitForEvent('download'), byTest('stylize-export-png').click()]);
    assert.equal(fastDownload.suggestedFilename(), 'stata-candy.png');
    const fastFile = join(work, fastDownload.suggestedFilename());
    await fastDownload.saveAs(fastFile);
    const fastRec = JSON.parse(readPngText(readFileSync(fastFile))[STYLIZE_TEXT_KEY] ?? 'null') as { model?: { name?: string }; photo?: { name?: string } } | null;
    assert.deepEqual([fastRec?.model?.name, fastRec?.photo?.name], ['candy.onnx', 'stata.jpg']);
  });
});
