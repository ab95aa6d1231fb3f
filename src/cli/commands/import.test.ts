// `featurescope import` end to end on a model.json + shards written to disk by a real tfjs model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../main';
import { readModelFile } from '../../main/engine/onnx/model';
import { initTfjs, saveToArtifacts, tf } from '../../main/engine/importers/testing/reference';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    return { code: await fn(), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('featurescope import converts a model.json with uint8 shards split in two files', async () => {
  await initTfjs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-import-'));
  try {
    const m = tf.sequential({ name: 'tiny', layers: [
      tf.layers.conv2d({ name: 'conv_a', inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.globalAveragePooling2d({ name: 'pool' }),
      tf.layers.dense({ name: 'probs', units: 2, activation: 'softmax' }),
    ] });
    const a = await saveToArtifacts(m, 'tiny', 'uint8');
    // Two shards, as the tfjs converter writes for bigger models.
    const half = Math.floor(a.weightData.length / 2);
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), a.weightData.slice(0, half));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), a.weightData.slice(half));
    const manifest = [{ ...a.modelJson.weightsManifest![0]!, paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'] }];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...a.modelJson, weightsManifest: manifest }));
    const onnx = path.join(dir, 'out', 'tiny.onnx');

    const r = await capture(() => main(['import', path.join(dir, 'model.json'), '--out', onnx, '--json']));
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.ok, true);
    assert.deepEqual(j.inputs[0].shape, ['N', 3, 'H', 'W']);
    const model = readModelFile(onnx);
    assert.deepEqual(model.graph.outputs.map((o) => o.name), ['probs']);
    assert.ok(model.graph.nodes.some((n) => n.outputs.includes('conv_a')));

    fs.rmSync(path.join(dir, 'group1-shard2of2.bin'));
    const bad = await capture(() => main(['import', path.join(dir, 'model.json'), '--out', onnx]));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /group1-shard2of2\.bin" is missing/);

    const usage = await capture(() => main(['import', path.join(dir, 'model.json')]));
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--out is required/);
    m.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('featurescope import refuses a TF.js graph model by name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-import-'));
  try {
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    const r = await capture(() => main(['import', path.join(dir, 'model.json'), '--out', path.join(dir, 'x.onnx')]));
    assert.equal(r.code, 1);
    assert.match(r.err, /graph model/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
