// Model import paths through the real engine host (forked with tsx, JSON IPC): embedding a model added
// by path later, TF.js model.json + shards as uploads (random names), and the default model's failure
// and recovery — a real failed build (its models folder cannot be created), not a mock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WireMessage } from '../../../shared/contract';
import { HostClient } from './testing/host-client';
import { initTfjs, saveToArtifacts, tf } from '../importers/testing/reference';

const shared = path.resolve(__dirname, '../../../../../shared');
const squeezenet = path.join(shared, 'models/squeezenet1.1.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const skip = [squeezenet, dog].every((f) => fs.existsSync(f)) ? false : `${shared} (models/squeezenet1.1.onnx, images/content/dog.jpg) is absent`;
if (skip) console.log(`import.test.ts skipped: ${skip}`);


const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-import-'));
const errorOf = (r: Extract<WireMessage, { type: 'response' }>) => (r.ok ? { code: 'ok', message: '' } : { code: r.error.code, message: r.error.message });

test('model:embed puts an added-by-path model into the project, so it works after its file is gone', { skip, timeout: 120_000 }, async () => {
  const data = tmp();
  const file = path.join(tmp(), 'embed-later.fscope');
  const copy = path.join(tmp(), 'squeeze.onnx');
  fs.copyFileSync(squeezenet, copy);
  const a = new HostClient({ FEATURESCOPE_DATA_DIR: data });
  let modelId: string, photoId: string;
  try {
    await a.call('project:create', { path: file });
    const m = await a.call('model:add', { source: { kind: 'path', path: copy } });
    assert.equal(m.embedded, false);
    modelId = m.id;
    photoId = (await a.call('photo:add', { source: { kind: 'path', path: dog } })).id;
    const e = await a.call('model:embed', { modelId });
    assert.equal(e.embedded, true);
    assert.equal((await a.call('project:state', {}))!.models[0]!.embedded, true);
    // embedding twice is harmless
    assert.equal((await a.call('model:embed', { modelId })).embedded, true);

    // a second model whose file changed, then vanished, cannot be embedded, and says why (other bytes than
    // the first: the same bytes twice are refused as 'model-exists')
    const copy2 = path.join(tmp(), 'squeeze2.onnx');
    fs.writeFileSync(copy2, Buffer.concat([fs.readFileSync(squeezenet), Buffer.from([0x32, 0x01, 0x78])])); // + doc_string "x": same model, other bytes
    const m2 = await a.call('model:add', { source: { kind: 'path', path: copy2 } });
    fs.appendFileSync(copy2, Buffer.from([0]));
    assert.equal(errorOf(await a.raw('model:embed', { modelId: m2.id })).code, 'model-changed');
    fs.rmSync(copy2);
    const gone = errorOf(await a.raw('model:embed', { modelId: m2.id }));
    assert.equal(gone.code, 'model-missing');
    assert.match(gone.message, /squeeze2\.onnx/);
  } finally {
    await a.stop();
  }
  fs.rmSync(copy);
  const b = new HostClient({ FEATURESCOPE_DATA_DIR: data });
  try {
    await b.call('project:open', { path: file });
    const run = await b.call('run:classify', { modelId, photoId, top: 1 });
    const top = run.result.top as { index: number }[];
    assert.ok(top[0]!.index >= 151 && top[0]!.index <= 268, `top-1 ${top[0]!.index} is not a dog breed`);
  } finally {
    await b.stop();
  }
});

/** A small Keras-style model saved like tensorflowjs_converter does: model.json + one .bin shard. */
async function tfjsFiles(): Promise<{ json: string; shard: Uint8Array; shardName: string }> {
  await initTfjs();
  const model = tf.sequential({
    name: 'tiny',
    layers: [
      tf.layers.conv2d({ name: 'my_conv', inputShape: [16, 16, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'my_pool', poolSize: 2 }),
      tf.layers.globalAveragePooling2d({ name: 'my_gap' }),
      tf.layers.dense({ name: 'my_dense', units: 3, activation: 'softmax' }),
    ],
  });
  const a = await saveToArtifacts(model, 'tiny');
  const shardName = 'group1-shard1of1.bin';
  a.modelJson.weightsManifest![0]!.paths = [shardName];
  return { json: JSON.stringify(a.modelJson), shard: a.weightData, shardName };
}

test('a TF.js model.json arrives as uploads with its shard (random upload names) and converts', { skip, timeout: 120_000 }, async () => {
  const { json, shard, shardName } = await tfjsFiles();
  const uploads = tmp();
  fs.writeFileSync(path.join(uploads, '7f3a.json'), json);
  fs.writeFileSync(path.join(uploads, '9c1d.bin'), shard);
  const host = new HostClient({ FEATURESCOPE_DATA_DIR: tmp(), FEATURESCOPE_UPLOAD_DIR: uploads });
  try {
    await host.call('project:create', { path: path.join(tmp(), 'tfjs.fscope') });
    const source = { kind: 'upload' as const, uploadId: '7f3a.json', name: 'model.json' };
    // without its shard: a plain reason naming the missing file, not an upload-folder path
    const alone = errorOf(await host.raw('model:add', { source }));
    assert.notEqual(alone.code, 'ok');
    assert.match(alone.message, new RegExp(`weight shard "${shardName}" is missing \\(no weight files came with it\\)`));
    const wrong = errorOf(await host.raw('model:add', { source, shards: [{ kind: 'upload', uploadId: '9c1d.bin', name: 'other.bin' }] }));
    assert.match(wrong.message, /only other\.bin came with it/);

    const m = await host.call('model:add', { source, shards: [{ kind: 'upload', uploadId: '9c1d.bin', name: shardName }] });
    assert.equal(m.embedded, true);
    assert.equal(m.name, 'tiny', 'listed by the Keras model name, not "model.json"');
    const names = m.description.layers.map((l) => l.name);
    for (const n of ['my_conv', 'my_pool', 'my_dense']) assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);

    // by path, the shard beside model.json is found as before: it converts to the same bytes, so it is
    // refused as the model already here rather than copied
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'model.json'), json);
    fs.writeFileSync(path.join(dir, shardName), shard);
    const p = errorOf(await host.raw('model:add', { source: { kind: 'path', path: path.join(dir, 'model.json') } }));
    assert.equal(p.code, 'model-exists');
    assert.match(p.message, new RegExp(`^tiny is already in this project as "tiny" \\(same sha256 ${m.sha256.slice(0, 12)}…\\)`));

    // a model Keras named for us ("sequential_2") is listed by its folder, or as model.json when uploaded
    const generic = JSON.parse(json) as { modelTopology: { config: { name: string } } };
    generic.modelTopology.config.name = 'sequential_2';
    const flowers = path.join(tmp(), 'my-flowers');
    fs.mkdirSync(flowers);
    fs.writeFileSync(path.join(flowers, 'model.json'), JSON.stringify(generic));
    fs.writeFileSync(path.join(flowers, shardName), shard);
    assert.equal((await host.call('model:add', { source: { kind: 'path', path: path.join(flowers, 'model.json') } })).name, 'my-flowers');
    fs.writeFileSync(path.join(uploads, '5e2b.json'), JSON.stringify(generic));
    const up = await host.call('model:add', {
      source: { kind: 'upload', uploadId: '5e2b.json', name: 'model.json' },
      shards: [{ kind: 'upload', uploadId: '9c1d.bin', name: shardName }],
    });
    assert.equal(up.name, 'model.json');
    assert.deepEqual((await host.call('project:state', {}))!.models.map((x) => x.name), ['tiny', 'my-flowers', 'model.json']);
  } finally {
    await host.stop();
  }
});

test('the default model: a failed build is reported in the engine status, and model:addDefault adds it once fixed', { skip, timeout: 180_000 }, async () => {
  const data = tmp();
  // a real failure: the build cannot create <data>/models because a file has that name
  fs.writeFileSync(path.join(data, 'models'), 'not a folder');
  const host = new HostClient({ FEATURESCOPE_DATA_DIR: data, FEATURESCOPE_NO_DEFAULT_MODEL: '0' });
  try {
    const state = await host.call('project:create', { path: path.join(tmp(), 'default.fscope') });
    assert.equal(state.models.length, 0, 'the project is created without the default model');
    const status = await host.call('engine:status', {});
    assert.equal(status.defaultModel?.state, 'failed');
    assert.match(status.defaultModel?.message ?? '', /built-in InceptionV3 model is not available: .*models.*Everything else works/);
    assert.ok(host.statuses.some((s) => s.defaultModel?.state === 'failed'), 'an engine:status event carried the failure');
    // everything else still works
    assert.equal((await host.call('photo:add', { source: { kind: 'path', path: dog } })).name, 'dog.jpg');
    const again = errorOf(await host.raw('model:addDefault', {}));
    assert.equal(again.code, 'default-model-failed');

    fs.rmSync(path.join(data, 'models'));
    const m = await host.call('model:addDefault', {});
    assert.match(m.name, /InceptionV3/);
    assert.ok(m.description.layers.some((l) => l.name === 'mixed5'));
    assert.equal((await host.call('engine:status', {})).defaultModel?.state, 'ready');
    assert.equal(errorOf(await host.raw('model:addDefault', {})).code, 'exists');
  } finally {
    await host.stop();
  }
});
