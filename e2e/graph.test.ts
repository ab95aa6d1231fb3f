// The model graph and model identity in browser mode, end to end: the real bridge and engine host, BVLC
// GoogLeNet, Debian Chromium. GoogLeNet gets its ImageNet names without a labels file and classifies the dog
// by name; adding it again is refused with an offer to use the one already there; the Graph tab shows the
// inception modules collapsed, opening one and clicking inception_4c/output selects that layer in the Run
// tab. Screenshots: e2e/artifacts/graph-*.png.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared } from './helpers';

const skip = browserSkipReason();

describe('model graph, built-in ImageNet names, no identical copies (browser mode)', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-graph-', shotPrefix: 'graph-', timeoutMs: 60_000 });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('names without a labels file → re-add refused with reuse → graph blocks → inception_4c/output in Run', { timeout: 240_000 }, async () => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Graph');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();

    // GoogLeNet with no labels file: the 1000-way output gets the names that ship with the app
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor({ timeout: 120_000 });
    await byTest('labels-status').getByText(/^1000 labels \(ImageNet, built in\): tench \(0\), goldfish \(1\)/).waitFor();
    assert.match((await byTest('model-kind').textContent()) ?? '', /^Classifier · 1000 classes — Output prob; ImageNet class names \(built in\)/);
    assert.equal(await byTest('model-kind').getAttribute('data-kind'), 'classifier');
    await app.shot('01-model-kind');
    // Clear, then the built-in names back with one click (what an older project's model offers too)
    await byTest('labels-status').locator('xpath=..').getByRole('button', { name: 'Clear' }).click();
    await byTest('labels-status').getByText('No labels: classes show as numbers.').waitFor();
    await byTest('labels-builtin').click();
    await byTest('labels-status').getByText(/^1000 labels \(ImageNet, built in\)/).waitFor();

    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();
    await byTest('tab-run').click();
    await byTest('classify').click();
    const top = byTest('classify-result').locator('.bar-label').first();
    await top.waitFor({ timeout: 60_000 });
    assert.equal(await top.textContent(), 'golden retriever (207)');

    // the same file again: not uploaded, not copied; the notice names the model already there and offers it
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    const dup = byTest('model-duplicate');
    await dup.waitFor();
    assert.match((await dup.textContent()) ?? '', /bvlc_googlenet\.onnx is already in this project as “bvlc_googlenet\.onnx” \(same sha256\): not added again\./);
    assert.equal(await byTest('model-list').locator('li').count(), 1);
    await app.shot('02-duplicate');
    await byTest('model-duplicate-use').click();
    await dup.waitFor({ state: 'detached' });

    // the graph: inception modules collapsed into blocks, shapes on the edges
    // from the model page's layer list to the graph
    await byTest('tab-model').click();
    await byTest('model-open-graph').click();
    await byTest('graph-panel').waitFor();
    const groups = byTest('graph-group');
    await groups.first().waitFor();
    const names = await groups.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    for (const block of ['inception_3a', 'inception_3b', 'inception_4a', 'inception_4b', 'inception_4c', 'inception_4d', 'inception_4e', 'inception_5a', 'inception_5b']) {
      assert.ok(names.includes(block), `${block} is a collapsed block (blocks: ${names.join(', ')})`);
    }
    assert.equal(await page.locator('[data-testid="graph-node"][data-name="inception_4c/output"]').count(), 0, 'inside a closed block');
    assert.ok((await page.locator('.graph-edge text', { hasText: '1×512×14×14' }).count()) > 0, 'shapes are written on the edges');
    await app.shot('03-collapsed');

    // the whole graph at once, then open one block: it is brought into view at a readable size
    await byTest('graph-fit').click();
    await app.shot('03b-fit');
    await page.locator('[data-testid="graph-group"][data-name="inception_4c"]').click();
    await page.locator('[data-testid="graph-cluster"][data-group="inception_4c"]').waitFor();
    const out = page.locator('[data-testid="graph-node"][data-name="inception_4c/output"]');
    await out.click();
    await byTest('graph-details').getByText('1×512×14×14').first().waitFor();
    assert.match(await out.getAttribute('class') ?? '', /\blit\b/, 'the selected layer is lit in the graph');
    await app.shot('04-expanded');

    await byTest('tab-run').click();
    assert.equal(await byTest('layer-input').inputValue(), 'inception_4c/output');
    await byTest('layer-info').getByText(/512 channels/).waitFor();
    await app.shot('05-run-layer');

    // About: the version, in browser mode too
    await byTest('about-open').click();
    assert.match((await byTest('about-version').textContent()) ?? '', /^Version \d+\.\d+\.\d+/);
    await app.shot('06-about');
    await byTest('about-close').click();
    await byTest('about-panel').waitFor({ state: 'detached' });
  });
});
