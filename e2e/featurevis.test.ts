// Feature visualization in browser mode, end to end: the real bridge, engine host (job runtime, gradient
// sessions, SQLite) and Debian Chromium, with GoogLeNet and dog.jpg. Open Features, pick
// inception_4c/output, render channels 0-7 with the quick preset (16 steps, 4 channels per job, so the
// grid visibly fills job by job; paused and resumed as a whole), look at the first convolution's learned
// filters, open a unit page, render its negative and a diversity set and the
// photo's activation map, export a PNG and read its settings back from the text chunk, then reload the
// page, reopen the project and find every image again without a single job starting.
// Screenshots: e2e/artifacts/featurevis-*.png.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared } from './helpers';

const skip = browserSkipReason();
const LAYER = 'inception_4c/output';
const CHANNEL = 1;

/** Every text chunk of a PNG (tEXt, zTXt, iTXt) as keyword → text, read straight from the file's bytes. */
function pngText(png: Buffer): Record<string, string> {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'a PNG signature');
  const out: Record<string, string> = {};
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    const nul = data.indexOf(0);
    const keyword = data.toString('latin1', 0, nul);
    if (type === 'tEXt') out[keyword] = data.toString('latin1', nul + 1);
    else if (type === 'zTXt') out[keyword] = inflateSync(data.subarray(nul + 2)).toString('latin1');
    else if (type === 'iTXt') {
      // keyword \0 flag method language \0 translated \0 text
      const compressed = data[nul + 1] === 1;
      const lang = data.indexOf(0, nul + 3);
      const translated = data.indexOf(0, lang + 1);
      const text = data.subarray(translated + 1);
      out[keyword] = (compressed ? inflateSync(text) : text).toString('utf8');
    }
    if (type === 'IEND') break;
  }
  return out;
}

// Every job id the Jobs panel ever lists, across reloads of the page (sessionStorage keeps them), so the test
// can tell that reopening the project started nothing. Plain JS: it runs in the page.
const JOB_RECORDER = `(() => {
  const key = 'fv-e2e-jobs-seen';
  const scan = () => {
    const seen = new Set(JSON.parse(sessionStorage.getItem(key) || '[]'));
    for (const li of document.querySelectorAll('[data-testid="job-item"]')) seen.add(li.getAttribute('data-job-id'));
    sessionStorage.setItem(key, JSON.stringify([...seen]));
  };
  const start = () => { new MutationObserver(scan).observe(document.body, { subtree: true, childList: true }); scan(); };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})()`;

describe('feature visualization in browser mode (bridge + engine host + Chromium)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;

  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const jobsSeen = async (): Promise<string[]> => JSON.parse((await page.evaluate(() => sessionStorage.getItem('fv-e2e-jobs-seen'))) ?? '[]');
  const rendered = async (): Promise<number> => Number(await byTest('fv-grid').getAttribute('data-rendered'));

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-featurevis-', shotPrefix: 'featurevis-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
    await page.addInitScript(JOB_RECORDER);
  });

  after(async () => {
    await app?.close();
  });

  test('render 8 channels, open a unit, render negative and diversity, reopen from the project, export a PNG with its settings', { timeout: 600_000 }, async (t) => {
    try {
      await run(t);
    } catch (e) {
      // what the page showed when it failed
      await app.shot('failed').catch(() => undefined);
      throw e;
    }
  });

  async function run(t: TestContext): Promise<void> {
    const t0 = Date.now();
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Features');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    const projectPath = join(work, 'Features.fscope');
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor();
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();
    await page.locator('[data-photo="dog.jpg"]').click();

    // The Features tab: the model, a layer from its searchable list, the quick preset with fewer steps.
    await byTest('tab-features').click();
    await byTest('fv-layer-page').waitFor();
    assert.match((await byTest('fv-model').locator('option:checked').textContent()) ?? '', /googlenet/i);
    await byTest('layer-search').fill(LAYER);
    await page.locator(`[data-testid="layer-table"] tr[data-layer="${LAYER}"]`).click();
    assert.match((await byTest('fv-layer').textContent()) ?? '', /inception_4c\/output.*\[1,512,14,14\]/);
    await byTest('fv-preset-quick').click();
    await byTest('fv-channels').fill('0-7');
    await byTest('fv-settings-toggle').click();
    await byTest('fv-steps').fill('16');
    await byTest('fv-batch').fill('4');
    await byTest('fv-seed').fill('1');
    assert.equal(await byTest('fv-resolved').textContent(), '64 px · 16 steps · 4 per job');
    assert.equal(await page.locator('[data-testid="fv-tile"][data-state="empty"]').count(), 8);
    await app.shot('01-settings');

    // Render: two jobs of four channels; the grid fills job by job, under one progress bar for the layer.
    const tRender = Date.now();
    await byTest('fv-render').click();
    await byTest('fv-layer-render').waitFor();
    // Pause holds the whole layer (the running job and the queued one), Resume goes on.
    await byTest('fv-layer-pause').click();
    await page.locator('[data-testid="fv-layer-render"][data-state="paused"]').waitFor();
    await page.waitForFunction(() => {
      const states = [...document.querySelectorAll('[data-testid="job-item"]')].map((li) => li.getAttribute('data-job-state'));
      return states.length === 2 && states.every((s) => s === 'paused');
    });
    await app.shot('02a-layer-paused');
    await byTest('fv-layer-resume').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="fv-layer-render"]')?.getAttribute('data-state') !== 'paused');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="fv-grid"]')?.getAttribute('data-rendered')) > 0, null, { timeout: 300_000 });
    const firstFill = await rendered();
    const layerStatus = await byTest('fv-layer-status').textContent();
    t.diagnostic(`first tiles after ${((Date.now() - tRender) / 1000).toFixed(1)} s: ${firstFill} of 8 · ${layerStatus}`);
    assert.equal(firstFill, 4, 'the first job (channels 0-3) lands before the second');
    assert.match(layerStatus ?? '', /1 of 2 jobs finished/);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="fv-tile"][data-state="rendered"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 4);
    // the running batch's live frames, when the engine has sent one yet (not asserted: a short job may send none)
    const live = await byTest('fv-layer-preview').waitFor({ timeout: 3000 }).then(() => true, () => false);
    t.diagnostic(`live preview of the second batch shown: ${live}`);
    await app.shot('02-grid-filling');
    await page.waitForFunction(() => document.querySelector('[data-testid="fv-grid"]')?.getAttribute('data-rendered') === '8', null, { timeout: 300_000 });
    await page.locator('[data-testid="fv-layer-render"][data-state="done"]').waitFor();
    const gridMs = Date.now() - tRender;
    t.diagnostic(`8 channels × 16 steps at 64 px: ${(gridMs / 1000).toFixed(1)} s`);
    // every tile's image, loaded, at the rendered size
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll('[data-testid="fv-tile"][data-state="rendered"] img')] as HTMLImageElement[];
      return imgs.length === 8 && imgs.every((i) => i.complete && i.naturalWidth === 64);
    });
    await app.shot('03-layer-grid');
    assert.equal((await jobsSeen()).length, 2, 'the layer rendered as two jobs');

    // A first convolution reads the image: its learned filters show above its grid (no job: model:filters).
    await byTest('layer-search').fill('conv1/7x7');
    await page.locator('[data-testid="layer-table"] tr[data-layer="conv1/7x7_s2"]').click();
    await byTest('fv-filters').locator('img').waitFor();
    assert.match((await byTest('fv-filters').locator('h3').textContent()) ?? '', /64 kernels of 7×7×3/);
    await app.shot('03b-first-conv-filters');
    await byTest('layer-search').fill(LAYER);
    await page.locator(`[data-testid="layer-table"] tr[data-layer="${LAYER}"]`).click();
    await byTest('fv-channels').fill('0-7');
    assert.equal(await rendered(), 8);

    // The unit page: its positive image is the grid's tile (no job); negative, diversity and the photo's map on demand.
    await page.locator(`[data-testid="fv-tile"][data-channel="${CHANNEL}"]`).click();
    const unit = page.locator('[data-testid="fv-unit"]');
    await unit.waitFor();
    const address = await unit.getAttribute('data-unit');
    assert.match(address ?? '', new RegExp(`^#unit/[^/]+/inception_4c%2Foutput/${CHANNEL}$`));
    assert.equal(new URL(page.url()).hash, address, 'the unit page is the page address');
    await page.locator('[data-testid="fv-unit-channel"][data-state="rendered"]').waitFor();
    assert.equal(await byTest('fv-unit-settings').textContent(), 'settings: quick · 64 px · 16 steps · seed 1');
    const tUnit = Date.now();
    await byTest('fv-unit-negative-render').click();
    await byTest('fv-unit-diversity-render').click();
    await byTest('fv-activation-run').click();
    await byTest('fv-activation-map').waitFor({ timeout: 120_000 });
    assert.equal(await byTest('tab-features').getAttribute('aria-selected'), 'true', 'the activation map stays on the unit page');
    assert.match((await byTest('fv-activation-rank').textContent()) ?? '', /^rank \d+ of 512 channels/);
    await page.locator('[data-testid="fv-unit-negative"][data-state="rendered"]').waitFor({ timeout: 300_000 });
    await page.locator('[data-testid="fv-unit-diversity"][data-state="rendered"]').waitFor({ timeout: 300_000 });
    t.diagnostic(`negative (1 item) and diversity (4 items), queued together: ${((Date.now() - tUnit) / 1000).toFixed(1)} s`);
    assert.equal(await page.locator('[data-testid^="fv-unit-diversity-"][data-testid$="-image"]').count(), 4);
    // the unit's mean activation: up from the starting noise for the positive image, down for the negative
    const value = async (id: string) => {
      const text = (await byTest(id).textContent()) ?? '';
      const m = /^mean (\S+) \(start (\S+)\)$/.exec(text);
      assert.ok(m, text);
      return { end: Number(m[1]), start: Number(m[2]), text };
    };
    const pos = await value('fv-unit-channel-value');
    const neg = await value('fv-unit-negative-value');
    t.diagnostic(`channel ${CHANNEL}: positive ${pos.text}, negative ${neg.text}`);
    assert.ok(pos.end > pos.start, `the positive image raises the channel (${pos.text})`);
    assert.ok(neg.end < neg.start, `the negative image lowers the channel (${neg.text})`);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="fv-unit"] img')].every((i) => (i as HTMLImageElement).complete));
    await app.shot('04-unit-page');
    await byTest('fv-preprocess').scrollIntoViewIfNeeded();
    await app.shot('04b-unit-page-photo-and-preprocessing');
    const unitJobs = await jobsSeen();
    assert.equal(unitJobs.length, 5, 'grid (2) + negative + diversity + activations');

    // Export the positive image: a PNG whose text chunk holds the settings it ran with and the item it shows.
    const [download] = await Promise.all([page.waitForEvent('download'), byTest('fv-unit-channel-export').click()]);
    const file = join(work, download.suggestedFilename());
    await download.saveAs(file);
    const text = pngText(readFileSync(file));
    assert.equal(text.Software, 'Featurescope');
    const rec = JSON.parse(text['featurescope:featurevis'] ?? 'null');
    assert.ok(rec, `the PNG has a featurescope:featurevis text chunk (has: ${Object.keys(text).join(', ')})`);
    assert.equal(rec.kind, 'featurevis');
    assert.equal(rec.settings.preset, 'quick');
    assert.equal(rec.settings.size, 64);
    assert.equal(rec.settings.steps, 16);
    assert.equal(rec.settings.seed, 1);
    assert.equal(rec.settings.param, 'fourier');
    assert.deepEqual(rec.item.spec, { terms: [{ target: { kind: 'channel', layer: LAYER, channel: CHANNEL }, weight: 1 }] });
    // the unit page names the preprocessing these images went through: the one in the file
    const p = rec.settings.preprocess;
    assert.equal(
      await byTest('fv-preprocess-used').textContent(),
      `${p.preset} · ${p.channelOrder} · values ${p.rangeMin}–${p.rangeMax} · mean ${p.mean.join(', ')} · std ${p.std.join(', ')}`,
    );

    // Reopen: close, reload the page (nothing kept in memory), open the project. The address still names the
    // unit; its images and the layer's grid come from the saved runs, and no job starts.
    await byTest('close-project').click();
    await byTest('start-screen').waitFor();
    await page.reload();
    await byTest('start-screen').waitFor();
    await byTest('open-path').fill(projectPath);
    await byTest('open-project').click();
    await byTest('project-screen').waitFor();
    const tReopen = Date.now();
    if ((await byTest('tab-features').getAttribute('aria-selected')) !== 'true') await byTest('tab-features').click();
    await page.locator(`[data-testid="fv-unit"][data-unit="${address}"]`).waitFor();
    for (const v of ['channel', 'negative', 'diversity']) await page.locator(`[data-testid="fv-unit-${v}"][data-state="rendered"]`).waitFor();
    await byTest('fv-activation-map').waitFor();
    t.diagnostic(`reopened unit page complete in ${Date.now() - tReopen} ms`);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="fv-unit"] img')].every((i) => (i as HTMLImageElement).complete));
    await app.shot('05-reopened-unit');
    await byTest('fv-back').click();
    await byTest('fv-grid').waitFor();
    assert.equal(await rendered(), 8, 'the grid comes back from the project');
    assert.equal(await byTest('fv-variant').locator('option:checked').textContent(), 'quick · 64 px · 16 steps (8 channels)');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="fv-tile"] img')].length === 8);
    await app.shot('06-reopened-grid');
    // give a stray job time to show up before saying none started
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('[data-testid="job-item"]').count(), 0, 'no job after reopening');
    assert.deepEqual(await jobsSeen(), unitJobs, 'no job started since the unit page was rendered');
    t.diagnostic(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
});
