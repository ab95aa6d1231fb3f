// Datasets in browser mode, end to end: the real bridge, engine host (dataset store, the datasetIndex and
// tuning jobs) and Debian Chromium, with GoogLeNet. Make a folder of 20 photos (the shared photos, their
// mirror images and crops) and a file that is not an image, add the folder in the Dataset tab (the bad file
// is listed with its reason), index it at one layer, open a unit page in the Features tab and see its top
// and bottom examples (whole photo with the maximum marked, and the patch), the histogram of its
// activations, the nearest neighbours of a photo (itself first, similarity 1), the 2-D map with the chosen
// photo ringed (zoom and pan), and an orientation tuning curve. Screenshots: e2e/artifacts/dataset-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import type { Page } from 'playwright-core';
import { type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared, sharedDir } from './helpers';

const skip = browserSkipReason();
const LAYER = 'inception_3b/output';
// a unit that answers oriented lines and edges at its centre, selectively (found by sweeping all 480
// channels of the layer once: the largest max − mean of the centre response), so its curve is not flat
const CHANNEL = 357;
const PHOTOS = 20;

/** The shared content photos, their mirror images, and centre crops: 20 JPEGs of at most 320 px. */
async function makeFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const src = join(sharedDir, 'images/content');
  const files = readdirSync(src).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const made: string[] = [];
  for (const f of files) {
    const base = f.replace(/\.[^.]+$/, '');
    const img = () => sharp(join(src, f)).rotate().resize(320, 320, { fit: 'inside' });
    const meta = await img().toBuffer({ resolveWithObject: true });
    const { width, height } = meta.info;
    const variants: [string, () => Sharp][] = [
      [`${base}.jpg`, img], [`${base}-flop.jpg`, () => img().flop()],
      [`${base}-crop.jpg`, () => sharp(meta.data).extract({ left: Math.round(width / 6), top: Math.round(height / 6), width: Math.round((width * 2) / 3), height: Math.round((height * 2) / 3) })],
      [`sub/${base}-flip.jpg`, () => img().flip()],
    ];
    for (const [name, make] of variants) {
      if (made.length === PHOTOS) break;
      mkdirSync(join(dir, 'sub'), { recursive: true });
      writeFileSync(join(dir, name), await make().jpeg({ quality: 85 }).toBuffer());
      made.push(name);
    }
  }
  assert.equal(made.length, PHOTOS, `the shared folder gave ${made.length} photos`);
  writeFileSync(join(dir, 'notes.jpg'), 'this is not a JPEG');
}

describe('datasets in browser mode (bridge + engine host + Chromium)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-dataset-', shotPrefix: 'dataset-', timeoutMs: 90_000 });
    ({ server, page, work } = app);
  });
  after(async () => {
    await app?.close();
  });

  test('add a folder, index it for GoogLeNet, and read a unit: examples with patches, histogram, neighbours, map, tuning curve', { timeout: 300_000 }, async (t) => {
    try {
      const t0 = Date.now();
      const folder = join(work, 'photos');
      await makeFolder(folder);
      await page.goto(server.url);
      await byTest('start-screen').waitFor();
      await byTest('new-name').fill('Dataset');
      await byTest('new-folder').fill(work);
      await byTest('create-project').click();
      await byTest('project-screen').waitFor();
      await byTest('add-model-input').setInputFiles(shared.googlenet);
      await byTest('model-view').waitFor();

      // The Dataset tab: a typed folder path (21 files found, subfolder included).
      await byTest('tab-dataset').click();
      await byTest('ds-path').fill(folder);
      await byTest('ds-add').click();
      await byTest('ds-dataset').waitFor();
      assert.equal(await byTest('ds-counts').textContent(), `${PHOTOS + 1} photos`);
      await byTest('ds-layers').fill(LAYER);
      const tIndex = Date.now();
      await byTest('ds-index').click();
      await page.locator(`[data-testid="ds-index-row"][data-indexed="${PHOTOS}"][data-pending="0"]`).waitFor({ timeout: 120_000 });
      t.diagnostic(`indexing ${PHOTOS} photos at ${LAYER}: ${((Date.now() - tIndex) / 1000).toFixed(1)} s (with the job's start)`);
      // decoding found the file that is not an image: listed with its reason, not fatal
      assert.equal(await byTest('ds-counts').textContent(), `${PHOTOS} photos · 1 unreadable`);
      assert.match((await byTest('ds-unreadable').textContent()) ?? '', /notes\.jpg: /);
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="ds-photos"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length >= 20);
      await app.shot('01-tab');

      // The unit page: from the Features tab's layer grid.
      await byTest('tab-features').click();
      await byTest('fv-layer-page').waitFor();
      await byTest('layer-search').fill(LAYER);
      await page.locator(`[data-testid="layer-table"] tr[data-layer="${LAYER}"]`).click();
      await byTest('fv-channels').fill(`${CHANNEL - 3}-${CHANNEL + 4}`);
      await page.locator(`[data-testid="fv-tile"][data-channel="${CHANNEL}"]`).click();
      await byTest('fv-unit').waitFor();

      // Top and bottom examples: the whole photo with its marker, and the patch.
      for (const what of ['top', 'bottom']) {
        await page.locator(`[data-testid="ds-${what}"][data-state="done"]`).waitFor();
        await page.waitForFunction((w) => {
          const imgs = [...document.querySelectorAll(`[data-testid^="ds-${w}-"][data-testid$="-patch"]`)] as HTMLImageElement[];
          return imgs.length === 6 && imgs.every((i) => i.complete && i.naturalWidth > 0);
        }, what);
        assert.equal(await page.locator(`[data-testid^="ds-${what}-"][data-testid$="-marker"]`).count(), 6);
      }
      // inception_3b/output follows ReLUs: its minimum is a tie at 0, and the page says so
      await byTest('ds-bottom-ties').waitFor();
      const top = await page.locator('[data-testid^="ds-top-"][data-testid$="-patch"]').first().getAttribute('alt');
      t.diagnostic(`top example: ${top}`);
      // the histogram counts every position of every photo: 20 × 28 × 28
      await byTest('ds-histogram-chart').locator('canvas').first().waitFor();
      assert.match((await byTest('ds-histogram-stats').textContent()) ?? '', new RegExp(`^${(PHOTOS * 28 * 28).toLocaleString('en-US')} values`));

      // Feature space: neighbours of the first map photo (itself first, similarity 1), the map with it ringed.
      await page.locator('[data-testid="ds-neighbours"][data-state="done"]').waitFor();
      assert.equal(await byTest('ds-neighbour-0').locator('figcaption').textContent(), '1.000');
      assert.equal(await page.locator('[data-testid="ds-map-point"], [data-testid="ds-map-chosen"]').count(), PHOTOS);
      await byTest('ds-map-chosen').waitFor();
      // choosing a top example makes it the map's ringed photo and the neighbours' first
      const chosenId = await byTest('ds-top-0').getAttribute('data-photo-id');
      await byTest('ds-top-0').locator('.ds-whole').click();
      await page.waitForFunction((p) => document.querySelector('[data-testid="ds-chosen"]')?.textContent === p, top?.replace(/^patch of /, ''));
      await page.locator('[data-testid="ds-neighbours"][data-state="done"]').waitFor();
      assert.equal(await byTest('ds-neighbour-0').locator('figcaption').textContent(), '1.000');
      assert.ok(chosenId);
      // zoom about the pointer, then pan
      const map = byTest('ds-map');
      await map.scrollIntoViewIfNeeded();
      const box = (await map.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -300);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 20);
      await page.mouse.up();
      assert.match((await byTest('ds-map-layer').getAttribute('style')) ?? '', /scale\(1\.2/);

      // A tuning curve: oriented lines and edges at the unit's receptive field.
      await byTest('fv-tuning-stimulus').selectOption('orientation');
      const tTune = Date.now();
      await byTest('fv-tuning-run').click();
      await page.locator('[data-testid="fv-tuning"][data-state="done"]').waitFor({ timeout: 120_000 });
      t.diagnostic(`orientation sweep (48 stimuli): ${((Date.now() - tTune) / 1000).toFixed(1)} s · ${await byTest('fv-tuning-peak').textContent()}`);
      await byTest('tuning-line-chart').locator('canvas').first().waitFor();
      const peak = Number(/^peak (\S+)/.exec((await byTest('fv-tuning-peak').textContent()) ?? '')?.[1]);
      assert.ok(peak > 0, `channel ${CHANNEL} answers an oriented stimulus (peak ${peak})`);
      await page.waitForFunction(() => ((document.querySelector('[data-testid="fv-tuning-stimuli"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
      // Rotation tuning of the dataset photo chosen above (the top example), in 15° steps over 360°.
      await byTest('fv-tuning-stimulus').selectOption('rotate-example');
      await page.locator('[data-testid="fv-tuning"][data-state="empty"]').waitFor();
      const tRot = Date.now();
      await byTest('fv-tuning-run').click();
      await page.locator('[data-testid="fv-tuning"][data-state="done"]').waitFor({ timeout: 120_000 });
      const rot = (await byTest('fv-tuning-peak').textContent()) ?? '';
      t.diagnostic(`rotation sweep (24 turns): ${((Date.now() - tRot) / 1000).toFixed(1)} s · ${rot}`);
      assert.match(rot, new RegExp(`at rotation \\d+° · 24 stimuli .* · ${top?.replace(/^patch of /, '').replace('.', '\\.')}`));
      await app.shot('05-unit-rotation');
      await byTest('fv-tuning-stimulus').selectOption('orientation');
      await byTest('ds-top').scrollIntoViewIfNeeded();
      await app.shot('02-unit-examples');
      await byTest('ds-histogram').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await app.shot('03-unit-histogram-space');
      await byTest('fv-tuning').evaluate((el) => el.scrollIntoView({ block: 'end' }));
      await app.shot('04-unit-tuning');
      // History opens a tuning run on its unit page, on its stimulus and image
      await byTest('fv-tuning-stimulus').selectOption('colour');
      await page.locator('[data-testid="fv-tuning"][data-state="empty"]').waitFor();
      await byTest('tab-history').click();
      await page.locator('[data-testid="history-table"] tr[data-run-kind="tuning"]', { hasText: 'rotate' }).click();
      await page.locator('[data-testid="fv-tuning"][data-state="done"]').waitFor();
      assert.equal(await byTest('tab-features').getAttribute('aria-selected'), 'true');
      assert.equal(await byTest('fv-tuning-stimulus').inputValue(), 'rotate-example');
      assert.match((await byTest('fv-tuning-peak').textContent()) ?? '', /at rotation/);
      t.diagnostic(`whole suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      await app.shot('failed').catch(() => undefined);
      throw e;
    }
  });
});
