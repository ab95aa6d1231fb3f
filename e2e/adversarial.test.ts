// The Adversarial tab in browser mode, end to end: the real bridge and engine host (the engine worker,
// onnxruntime on BVLC GoogLeNet, SQLite), Debian Chromium. Photo → target "tench" (searched by name) → Run
// → the live job → original, adversarial and difference side by side with top-5 before and after and the
// confidence chart → the 8-bit check → Export PNG (a real download, still a tench when classified as a photo
// of its own) → reopen the project: the run is there. Screenshots: e2e/artifacts/adversarial-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { applyPreset, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared } from './helpers';

const skip = browserSkipReason();

describe('adversarial examples in browser mode', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  /** an <img> that has finished loading its data: URL */
  const loaded = (id: string) => page.waitForFunction((t) => {
    const img = document.querySelector(`[data-testid="${t}"]`) as HTMLImageElement | null;
    return !!img && img.complete && img.naturalWidth > 0;
  }, id);

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-adv-', shotPrefix: 'adversarial-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('photo → target → run → side by side → export → reopen', { timeout: 600_000 }, async () => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Fooling');
    await byTest('new-folder').fill(work);
    const projectPath = join(work, 'Fooling.fscope');
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();

    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor();
    await applyPreset(page, 'caffe');
    await byTest('labels-input').setInputFiles(shared.labels);
    await byTest('labels-status').getByText(/^1000 labels/).waitFor();
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();

    // the tab sits beside Attribution
    const tabs = await page.locator('[data-testid^="tab-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    assert.equal(tabs[tabs.indexOf('tab-attribution') + 1], 'tab-adversarial', `tabs: ${tabs.join(', ')}`);
    await byTest('tab-adversarial').click();
    await byTest('adversarial-panel').waitFor();

    // the target by name: a typo is said at once, the right name resolves to its index
    await byTest('adv-target').fill('tnch');
    assert.match((await byTest('adv-target-resolved').textContent()) ?? '', /no class is named "tnch"/);
    await byTest('adv-run').click();
    await page.locator('.banner-error').getByText(/no class is named "tnch"/).waitFor();
    await byTest('adv-target').fill('tench');
    assert.equal(await byTest('adv-target-resolved').textContent(), '0 · tench');
    await byTest('adv-eps').fill('2');
    await byTest('adv-steps').fill('20');
    await byTest('adv-step-size').fill('0.5');
    await app.shot('01-form');

    await byTest('adv-run').click();
    await byTest('adv-live').waitFor();
    // the live preview (adversarial | difference) arrives while the job runs; shot a few steps in
    await page.waitForFunction(() => {
      const live = document.querySelector('[data-testid="adv-live"]');
      return !live || (Number(live.getAttribute('data-progress')) > 0.3 && !!document.querySelector('[data-testid="adv-preview"]'));
    });
    if (await byTest('adv-live').count()) await app.shot('02-running');

    // the result: three images side by side, top-5 before and after, the chart, the 8-bit check
    await byTest('adv-result').waitFor({ timeout: 300_000 });
    await Promise.all(['adv-original', 'adv-adversarial', 'adv-difference'].map(loaded));
    const result = byTest('adv-result');
    assert.equal(await result.getAttribute('data-fooled'), 'true');
    assert.equal(await result.getAttribute('data-eight-bit-fooled'), 'true');
    const sizes = await page.locator('[data-testid="adv-side-by-side"] img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => [i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().top)]));
    assert.equal(sizes.length, 3);
    for (const [w, h] of sizes) assert.deepEqual([w, h], [224, 224], 'kept at the model input size');
    assert.equal(new Set(sizes.map((s) => s[2])).size, 1, 'side by side: one row');
    assert.match((await byTest('adv-top5-before').locator('.adv-class').first().textContent()) ?? '', /golden retriever \(207\)/);
    assert.match((await byTest('adv-top5-after').locator('.adv-class').first().textContent()) ?? '', /tench \(0\)/);
    assert.equal(await byTest('adv-chart').getAttribute('data-points'), '21');
    assert.match((await byTest('adv-8bit').textContent()) ?? '', /still says tench/);
    assert.match((await byTest('adv-summary').textContent()) ?? '', /PGD ε 2 → tench · fooled/);
    const firstRunId = await result.getAttribute('data-run-id');
    await app.shot('03-result');

    // Export PNG: a real download, the model-size example with its settings
    const [download] = await Promise.all([page.waitForEvent('download'), byTest('adv-export-png').click()]);
    assert.equal(download.suggestedFilename(), 'dog-adversarial-tench.png');
    const exported = join(work, download.suggestedFilename());
    await download.saveAs(exported);
    const bytes = readFileSync(exported);
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(bytes.readUInt32BE(16), 224);
    assert.ok(bytes.includes(Buffer.from('featurescope:adversarial')), 'the settings travel in the PNG');

    // the smallest ε: a bisection of PGD runs; at the edge, rounding to 8 bits may undo the flip, and
    // then "continue in 8-bit space" goes on from that result with whole pixel levels at every step
    await byTest('adv-min-eps').check();
    await byTest('adv-run').click();
    await page.waitForFunction((id) => {
      const r = document.querySelector('[data-testid="adv-result"]');
      return !!r && r.getAttribute('data-run-id') !== id && !document.querySelector('[data-testid="adv-live"]');
    }, firstRunId, { timeout: 480_000 });
    const search = byTest('adv-result');
    assert.match((await byTest('adv-summary').textContent()) ?? '', /PGD ε [\d.]+ \(smallest\) → tench/);
    assert.match((await byTest('adv-summary').textContent()) ?? '', /6 PGD runs searched ε/);
    if ((await search.getAttribute('data-eight-bit-fooled')) === 'false') {
      await app.shot('04-rounding-undid-it');
      const searchId = await search.getAttribute('data-run-id');
      await byTest('adv-continue-8bit').click();
      await page.waitForFunction((id) => {
        const r = document.querySelector('[data-testid="adv-result"]');
        return !!r && r.getAttribute('data-run-id') !== id && !document.querySelector('[data-testid="adv-live"]');
      }, searchId, { timeout: 300_000 });
      // in 8-bit space the model saw exactly the PNG: the check and the result agree
      const cont = byTest('adv-result');
      assert.equal(await cont.getAttribute('data-eight-bit-fooled'), await cont.getAttribute('data-fooled'));
      assert.match((await byTest('adv-summary').textContent()) ?? '', /· 8-bit/);
      await app.shot('05-continued-in-8-bit');
    } else {
      console.log('# the smallest-ε example survived rounding to 8 bits here: no "continue in 8-bit space" to try');
    }
    await byTest('adv-min-eps').uncheck();

    // reopen the project: the runs are there, with their images
    await byTest('close-project').click();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    await page.locator('[data-photo="dog.jpg"] img').first().click();
    await byTest('tab-adversarial').click();
    await byTest('adv-run-item').first().waitFor();
    assert.ok((await byTest('adv-run-item').count()) >= 2);
    await page.locator(`[data-testid="adv-run-item"][data-run-id="${firstRunId}"]`).click();
    await page.locator(`[data-testid="adv-result"][data-run-id="${firstRunId}"]`).waitFor();
    await Promise.all(['adv-original', 'adv-adversarial', 'adv-difference'].map(loaded));
    assert.equal(await byTest('adv-result').getAttribute('data-fooled'), 'true');
    assert.match((await byTest('adv-top5-after').locator('.adv-class').first().textContent()) ?? '', /tench/);
    await app.shot('06-reopened');
  });
});
