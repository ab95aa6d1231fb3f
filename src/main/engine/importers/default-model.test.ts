import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile } from '../onnx/model';
import { DefaultModelError, ensureDefaultModel, resolveDefaultModel, dataDir } from './default-model';

test('default InceptionV3 model builds into the data folder once, then comes from the cache', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-default-'));
  try {
    const t0 = performance.now();
    const info = await ensureDefaultModel({ dataDir: root });
    const ms = performance.now() - t0;
    console.log(`built ${path.basename(info.path)} (${(fs.statSync(info.path).size / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms`);
    assert.ok(info.path.startsWith(path.join(root, 'models')));
    assert.equal(info.preprocess.preset, 'tf');
    assert.deepEqual([info.preprocess.rangeMin, info.preprocess.rangeMax], [-1, 1]);
    const m = readModelFile(info.path);
    const outs = new Set(m.graph.nodes.flatMap((n) => n.outputs));
    for (const l of ['conv2d_1', 'mixed0', 'mixed3', 'mixed4', 'mixed5']) assert.ok(outs.has(l), `tensor ${l} present`);
    assert.ok(!outs.has('mixed6') && !outs.has('dense_3'), 'no layers past mixed5');
    assert.deepEqual(m.graph.inputs[0]!.shape, ['N', 3, 'H', 'W']);
    const mtime = fs.statSync(info.path).mtimeMs;
    assert.equal(await resolveDefaultModel({ dataDir: root }), info.path);
    assert.equal(fs.statSync(info.path).mtimeMs, mtime, 'cached file not rewritten');

    // Fully convolutional: any input size runs.
    const s = await ort.InferenceSession.create(info.path);
    const r = await s.run({ input_1: new ort.Tensor('float32', new Float32Array(3 * 240 * 320).fill(0.2), [1, 3, 240, 320]) });
    assert.deepEqual([...r.mixed5!.dims], [1, 768, 13, 18]);
    await s.release();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a data folder that cannot be written gives a DefaultModelError that says where', async () => {
  const file = path.join(os.tmpdir(), `fs-not-a-dir-${process.pid}`);
  fs.writeFileSync(file, 'x');
  try {
    await assert.rejects(ensureDefaultModel({ dataDir: file }), (e: Error) => e instanceof DefaultModelError && e.message.includes(file));
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('FEATURESCOPE_DATA_DIR picks the data folder', () => {
  const old = process.env.FEATURESCOPE_DATA_DIR;
  process.env.FEATURESCOPE_DATA_DIR = '/some/where';
  try {
    assert.equal(dataDir(), path.resolve('/some/where'));
  } finally {
    if (old === undefined) delete process.env.FEATURESCOPE_DATA_DIR;
    else process.env.FEATURESCOPE_DATA_DIR = old;
  }
});
