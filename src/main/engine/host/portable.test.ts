// Portable projects and model identity through the real host (real SQLite file, onnxruntime worker):
// the built-in model travels inside the project file, the same model twice is refused naming the first,
// a 1000-way classifier gets the ImageNet names that ship with the app, and model:graph groups GoogLeNet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { JobInfo, ModelRecord } from '../../../shared/contract';
import { errorCode } from '../../../shared/errors';
import { inProcessHost } from './testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const GOOGLENET = path.join(shared, 'models/bvlc_googlenet.onnx');
const DOG = path.join(shared, 'images/content/dog.jpg');
const missing = [GOOGLENET, DOG].every((f) => fs.existsSync(f)) ? false : '../shared models/images absent';

test('a copied project opens with a fresh app-data folder and still dreams with the built-in model', { timeout: 240_000 }, async () => {
  const a = await inProcessHost('fs-portable-a-');
  const file = path.join(a.dir, 'mine.fscope');
  let dreamer: ModelRecord;
  try {
    await a.call('project:create', { path: file });
    dreamer = await a.call('model:addDefault', {});
    assert.equal(dreamer.embedded, true, 'the built-in model is embedded, not linked to the data folder');
    const again = await a.call('model:addDefault', {}).then(() => null, (e: unknown) => e);
    assert.equal(errorCode(again), 'exists');
    // Keras names have no scopes: its graph is cut into the blocks that end in mixed0 … mixed5
    const g = await a.call('model:graph', { modelId: dreamer.id });
    assert.equal(g.grouping, 'blocks');
    assert.deepEqual(g.groups.map((x) => x.id), ['mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4', 'mixed5']);
    assert.ok(g.nodes.filter((n) => n.group === undefined).length < 25, 'only the stem stays outside the blocks');
  } finally {
    await a.host.dispose();
  }
  // another machine: a different data folder, without the built-in model's cached file
  const b = await inProcessHost('fs-portable-b-');
  try {
    const copy = path.join(b.dir, 'copied.fscope');
    fs.copyFileSync(file, copy);
    fs.rmSync(a.dir, { recursive: true, force: true });
    assert.equal(fs.existsSync(dreamer.path), false, 'the original data folder is gone');
    const state = await b.call('project:open', { path: copy });
    const m = state.models.find((x) => x.id === dreamer.id)!;
    assert.ok(m.embedded);
    const small = path.join(b.dir, 'small.png');
    await sharp({ create: { width: 96, height: 80, channels: 3, background: { r: 120, g: 140, b: 200 } } }).png().toFile(small);
    const photo = await b.call('photo:add', { source: { kind: 'path', path: small } });
    const job: JobInfo = await b.call('run:dream', { modelId: m.id, photoId: photo.id, settings: { octaves: 1, iterations: 2, seed: 1, layers: [{ name: 'mixed3', weight: 1 }] } });
    const done = await b.doneOf(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.equal(done.run?.kind, 'dream');
  } finally {
    await b.host.dispose();
    fs.rmSync(b.dir, { recursive: true, force: true });
  }
});

test('GoogLeNet: ImageNet names without a labels file, the same model twice refused, its graph in inception blocks', { skip: missing, timeout: 180_000 }, async () => {
  const h = await inProcessHost('fs-models-');
  try {
    await h.call('project:create', { path: path.join(h.dir, 'p.fscope') });
    const m = await h.call('model:add', { source: { kind: 'path', path: GOOGLENET }, embed: false });
    assert.equal(m.labels?.length, 1000, 'a 1000-way classifier gets the built-in names');
    assert.equal(m.labels?.[207], 'golden retriever');

    // cleared, then back: the built-in names on request (an older project's model, or after Clear)
    assert.equal((await h.call('model:setLabels', { modelId: m.id, source: null })).labels, undefined);
    assert.equal((await h.call('model:setLabels', { modelId: m.id, source: null, builtIn: true })).labels?.[207], 'golden retriever');

    const photo = await h.call('photo:add', { source: { kind: 'path', path: DOG } });
    const run = await h.call('run:classify', { modelId: m.id, photoId: photo.id, top: 3 });
    const top = run.result.top[0]!;
    assert.ok(!/^class \d+$/.test(top.label), `named class, got "${top.label}" (${top.index})`);

    // the same bytes again (embedded this time) are refused, naming the model already there
    const dup = await h.call('model:add', { source: { kind: 'path', path: GOOGLENET }, embed: true }).then(() => null, (e: unknown) => e);
    assert.equal(errorCode(dup), 'model-exists');
    assert.match((dup as Error).message, /bvlc_googlenet\.onnx is already in this project as "bvlc_googlenet\.onnx" \(same sha256 [0-9a-f]{12}…\)/);
    assert.equal((await h.call('project:state', {}))!.models.length, 1, 'no identical copy');

    const g = await h.call('model:graph', { modelId: m.id });
    assert.equal(g.grouping, 'scopes');
    const names = g.groups.map((x) => x.id);
    for (const block of ['inception_3a', 'inception_4c', 'inception_5b']) assert.ok(names.includes(block), `${block} is a group`);
    const out = g.nodes.find((n) => n.name === 'inception_4c/output')!;
    assert.equal(out.group, 'inception_4c');
    assert.equal(out.layer, 'inception_4c/output');
    assert.equal(out.opType, 'Concat');
    assert.deepEqual(g.shapes['inception_4c/output'], [1, 512, 14, 14]);
    const conv = g.nodes.find((n) => n.name === 'conv1/7x7_s2')!;
    assert.deepEqual(conv.weights.map((w) => w.shape), [[64, 3, 7, 7], [64]]);
    assert.ok(conv.attrs.some((a) => a.name === 'kernel_shape' && a.value === '[7, 7]'));
    assert.deepEqual(g.inputs, ['data']);
    assert.deepEqual(g.shapes.data, [1, 3, 224, 224], 'the image input at the inspected size');
  } finally {
    await h.host.dispose();
    fs.rmSync(h.dir, { recursive: true, force: true });
  }
});
