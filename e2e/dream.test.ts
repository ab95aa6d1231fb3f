// DeepDream in browser mode, end to end: the real bridge, engine host (onnxruntime, SQLite) and Debian
// Chromium. Pick sky.jpg and GoogLeNet, dream 2 octaves × 3 steps, watch the preview change, cancel one
// run (its last full frame is kept), let one finish, reopen the project and find both, export a PNG whose
// text chunk holds the settings. Screenshots go to e2e/artifacts/dream-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { readDreamRecord } from '../src/main/engine/dream/export';
import { artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared, sharedDir } from './helpers';

const skip = browserSkipReason();
const SKY = join(sharedDir, 'images/content/sky.jpg');

describe('dream in browser mode (bridge + engine host + Chromium)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;

  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `dream-${name}.png`) });
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const previewSrc = () => byTest('dream-preview').getAttribute('src');

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-dream-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('dream, cancel (frame kept), finish, reopen, export PNG with settings', { timeout: 600_000 }, async (t) => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Dreams');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    const projectPath = join(work, 'Dreams.fscope');

    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor();
    await byTest('add-photo-input').setInputFiles(SKY);
    await page.locator('[data-photo="sky.jpg"] img').waitFor();
    await page.locator('[data-photo="sky.jpg"]').click();

    await byTest('tab-dream').click();
    await byTest('dream-panel').waitFor();
    await byTest('dream-octaves').fill('2');
    await byTest('dream-iterations').fill('3');
    await byTest('dream-seed').fill('1');
    await shot('01-settings');

    // Run 1: watch the live preview change, then cancel: the last full frame is kept as a cancelled run.
    // It gets many more steps than run 2, so that on a fast machine it is still running when Cancel lands
    // (with 2×3 steps it could finish first, and the test would wait for a cancelled run that never comes).
    await byTest('dream-iterations').fill('40');
    await byTest('dream-start').click();
    await byTest('dream-preview').waitFor();
    const first = await previewSrc();
    await page.waitForFunction((src) => document.querySelector('[data-testid="dream-preview"]')?.getAttribute('src') !== src, first);
    t.diagnostic(`progress when the preview changed: ${await byTest('dream-status').textContent()}`);
    await shot('02-live-preview');
    // Pause holds the run between steps; Resume goes on.
    await byTest('dream-pause').click();
    await page.locator('[data-testid="dream-live"][data-job-state="paused"]').waitFor();
    await shot('02b-paused');
    await byTest('dream-resume').click();
    await page.locator('[data-testid="dream-live"][data-job-state="running"]').waitFor();
    await byTest('dream-cancel').click();
    const cancelled = page.locator('[data-testid="dream-result"][data-run-status="cancelled"]');
    await cancelled.waitFor();
    await cancelled.locator('[data-testid="dream-result-image"]').waitFor();
    assert.match((await byTest('dream-summary').textContent()) ?? '', /cancelled after \d+ steps/);
    await shot('03-cancelled-frame-kept');

    // Run 2: let it finish, with the 2 octaves × 3 iterations.
    await byTest('dream-iterations').fill('3');
    await byTest('dream-start').click();
    await byTest('dream-live').waitFor();
    const done = page.locator('[data-testid="dream-result"][data-run-status="done"]');
    await done.waitFor({ timeout: 300_000 });
    await done.locator('[data-testid="dream-result-image"]').waitFor();
    assert.equal(await done.locator('[data-testid="dream-seed"]').textContent(), '1');
    t.diagnostic(`finished: ${await byTest('dream-summary').textContent()}`);
    await shot('04-done');

    // Export: a PNG whose text chunk holds the settings.
    const [download] = await Promise.all([page.waitForEvent('download'), byTest('dream-export-png').click()]);
    const file = join(work, download.suggestedFilename());
    await download.saveAs(file);
    const rec = readDreamRecord(readFileSync(file));
    assert.ok(rec, 'the exported PNG carries the dream record');
    assert.equal(rec.settings.octaves, 2);
    assert.equal(rec.settings.iterations, 3);
    assert.equal(rec.settings.seed, 1);
    assert.deepEqual(rec.settings.layers, [{ name: 'inception_4c/output', weight: 1 }]);
    assert.equal(rec.model.sha256?.length, 64);

    // Reopen the project: both dreams are there, next to their input photo.
    await byTest('close-project').click();
    await byTest('start-screen').waitFor();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await page.locator('[data-photo="sky.jpg"]').click();
    await byTest('tab-dream').click();
    await byTest('dream-history').waitFor();
    const items = page.locator('[data-testid="dream-history-item"]');
    assert.equal(await items.count(), 2);
    assert.deepEqual((await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-status')))).sort(), ['cancelled', 'done']);
    await page.locator('[data-testid="dream-result"] [data-testid="dream-result-image"]').waitFor();
    await shot('05-reopened');
    await byTest('tab-history').click();
    await byTest('history-table').waitFor();
    assert.equal(await page.locator('[data-testid="history-table"] tbody tr', { hasText: 'sky.jpg' }).count(), 2);
    await shot('06-history');
  });
});
