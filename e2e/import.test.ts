// Model import through the browser UI, end to end (real bridge, engine host, onnxruntime, SQLite, Chromium):
// the default model's failed build said in plain words and added later by its action, "Embed in project",
// and a TF.js model.json uploaded together with its weight shard. Screenshots: e2e/artifacts/import-*.png.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { initTfjs, saveToArtifacts, tf } from '../src/main/engine/importers/testing/reference';
import { artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared } from './helpers';

const skip = browserSkipReason();
if (skip) console.log(skip);

describe('model import in browser mode', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  let dataDir: string;

  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `import-${name}.png`) });
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    // A real failed build of the default model: its folder <data>/models cannot be created, a file has that name.
    dataDir = mkdtempSync(join(tmpdir(), 'featurescope-e2e-data-'));
    writeFileSync(join(dataDir, 'models'), 'not a folder');
    // the default model stays ON here: this suite is about it
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-import-', serve: { dataDir, env: { FEATURESCOPE_NO_DEFAULT_MODEL: '0' } } });
    ({ server, page, work } = app);
  });

  after(async () => {
    await app?.close();
  });

  test('a failed default model is said once in plain words; "Add default model" adds it once the cause is gone', { timeout: 180_000 }, async () => {
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Imports');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    const notice = byTest('default-model-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    assert.match(text, /built-in InceptionV3 model is not available/);
    assert.match(text, /EEXIST|models/, 'the reason names what failed');
    assert.match(text, /Everything else works/);
    assert.equal(await byTest('model-list').count(), 0);
    await shot('01-default-failed');
    // dismissed, it stays gone
    await notice.getByTitle('Dismiss').click();
    assert.equal(await notice.count(), 0);

    rmSync(join(dataDir, 'models'));
    await byTest('add-default-model').click();
    await byTest('model-list').getByText('InceptionV3').waitFor({ timeout: 120_000 });
    await byTest('add-default-model').waitFor({ state: 'detached' });
    assert.equal(await byTest('default-model-notice').count(), 0);
    await byTest('layer-search').fill('mixed5');
    await page.locator('tr[data-layer="mixed5"]').waitFor();
    await shot('02-default-added');
  });

  test('"Embed in project" is shown, GoogLeNet added with it is listed as embedded, and so is the default model', { timeout: 180_000 }, async () => {
    const box = byTest('embed-model');
    await box.waitFor();
    // uploads are temporary copies, so in browser mode the engine always embeds: the box says so, checked
    assert.equal(await box.isChecked(), true);
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    const item = byTest('model-list').locator('li', { hasText: 'bvlc_googlenet.onnx' });
    await item.waitFor({ timeout: 120_000 });
    await item.locator('[data-testid="model-embedded"]').waitFor();
    assert.equal(await item.locator('[data-testid="model-linked"]').count(), 0);

    // the default model is embedded when the project is made: the project travels without the app's data folder
    // (a linked model's embed action is covered by src/main/engine/host/import.test.ts)
    const inception = byTest('model-list').locator('li', { hasText: 'InceptionV3' });
    await inception.locator('[data-testid="model-embedded"]').waitFor();
    assert.equal(await inception.locator('[data-testid="model-linked"]').count(), 0);
    assert.equal(await inception.locator('[data-testid="embed-existing-model"]').count(), 0);
    await shot('03-embedded');
  });

  test('a TF.js model.json uploaded with its .bin shard shows its Keras layers', { timeout: 180_000 }, async () => {
    await initTfjs();
    const model = tf.sequential({
      name: 'tiny',
      layers: [
        tf.layers.conv2d({ name: 'keras_conv', inputShape: [32, 32, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ name: 'keras_pool', poolSize: 2 }),
        tf.layers.conv2d({ name: 'keras_conv_2', filters: 6, kernelSize: 3, padding: 'same' }),
      ],
    });
    const a = await saveToArtifacts(model, 'tiny');
    a.modelJson.weightsManifest![0]!.paths = ['group1-shard1of1.bin'];
    const dir = mkdtempSync(join(work, 'tfjs-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(a.modelJson));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), a.weightData);

    // model.json alone: the reason names the missing shard
    await byTest('add-model-input').setInputFiles(join(dir, 'model.json'));
    const err = byTest('error-models');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /group1-shard1of1\.bin/);
    await shot('04-tfjs-missing-shard');

    // both files at once (multiple selection)
    await byTest('add-model-input').setInputFiles([join(dir, 'model.json'), join(dir, 'group1-shard1of1.bin')]);
    // listed by the Keras model's own name, not as "model.json"
    await byTest('model-list').locator('li', { hasText: 'tiny' }).waitFor({ timeout: 120_000 });
    await byTest('error-models').waitFor({ state: 'detached' });
    await byTest('layer-search').fill('keras_');
    for (const name of ['keras_conv', 'keras_pool', 'keras_conv_2']) await page.locator(`tr[data-layer="${name}"]`).waitFor();
    await shot('05-tfjs-layers');

    // a whole folder, as Teachable Machine exports it (model.json, metadata.json, weights.bin) plus a README:
    // only model.json and the shard it names are uploaded; metadata.json is not mistaken for a model
    const folder = mkdtempSync(join(work, 'tm-'));
    const tm = { ...a.modelJson, weightsManifest: [{ ...a.modelJson.weightsManifest![0]!, paths: ['weights.bin'] }] };
    (tm.modelTopology as { config: { name: string } }).config.name = 'teachable';
    writeFileSync(join(folder, 'model.json'), JSON.stringify(tm));
    writeFileSync(join(folder, 'weights.bin'), a.weightData);
    writeFileSync(join(folder, 'metadata.json'), JSON.stringify({ labels: ['a', 'b'], tfjsVersion: '1.3.1' }));
    writeFileSync(join(folder, 'README.txt'), 'exported model');
    const before = await byTest('model-list').locator('li').count();
    await byTest('add-model-folder-input').setInputFiles(folder);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="model-list"] li').length === n + 1, before, { timeout: 120_000 });
    assert.equal(await byTest('error-models').count(), 0);
    await byTest('model-list').locator('li', { hasText: 'teachable' }).waitFor();
    await page.locator('tr[data-layer="keras_conv_2"]').waitFor();

    // dropped on the window together: model.json + its shard (another Keras name: another model)
    const drop = (json: unknown) => page.evaluateHandle(({ json, bin }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([json], 'model.json', { type: 'application/json' }));
      dt.items.add(new File([new Uint8Array(bin)], 'group1-shard1of1.bin'));
      return dt;
    }, { json: JSON.stringify(json), bin: Array.from(a.weightData) });
    // (a copy with its own Keras name: the Teachable Machine step above renamed a.modelJson's config in place)
    const named = (name: string) => ({ ...a.modelJson, modelTopology: { ...(a.modelJson.modelTopology as object), config: { ...(a.modelJson.modelTopology as { config: object }).config, name } } });
    const count = await byTest('model-list').locator('li').count();
    await page.dispatchEvent('body', 'drop', { dataTransfer: await drop(named('dropped')) });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="model-list"] li').length === n + 1, count, { timeout: 120_000 });
    assert.equal(await byTest('error-models').count(), 0);
    await byTest('model-list').locator('li', { hasText: 'dropped' }).waitFor();

    // the first model dropped again converts to the same bytes: nothing is added, the one there is offered
    await page.dispatchEvent('body', 'drop', { dataTransfer: await drop(named('tiny')) });
    await byTest('model-duplicate').getByText(/model\.json is already in this project as “tiny” \(same sha256\)/).waitFor({ timeout: 120_000 });
    assert.equal(await byTest('model-list').locator('li').count(), count + 1);
  });
});
