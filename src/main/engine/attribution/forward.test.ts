// The forward runner runs the compiler's rewritten forward (LRN as 1×1 convs, cut after the fetched
// tensor): it must give the source model's numbers. Checked against a plain onnxruntime session of
// the unchanged model on a tiny model and on GoogLeNet (which has LRN; needs ../shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, readModelFile, type Model } from '../onnx/model';
import { ForwardRunner, newTiming, runContext } from './forward';
import { GradientRuntime, runtimeModel } from '../gradients/index';
import { linearModel } from './testing/tiny-models';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const skip = fs.existsSync(googlenet) ? false : `needs ../shared (missing ${googlenet})`;
if (skip) console.log(`# skipping GoogLeNet forward check: ${googlenet} is absent`);

async function plainRun(model: Model, input: string, x: Float32Array, dims: number[], fetch: string): Promise<Float32Array> {
  const g = model.graph;
  const outputs = g.outputs.some((o) => o.name === fetch) ? g.outputs.filter((o) => o.name === fetch) : [{ name: fetch, dtype: 'float32' as const }];
  const s = await ort.InferenceSession.create(encodeModel({ ...model, graph: { ...g, outputs } }));
  try {
    return (await s.run({ [input]: new ort.Tensor('float32', x, dims) }, [fetch]))[fetch]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

async function compare(model: Model, input: string, chw: [number, number, number], fetch: string, count: number, batch: number, tol: number) {
  const per = chw[0] * chw[1] * chw[2];
  const images = Array.from({ length: count }, (_, i) => Float32Array.from({ length: per }, (_, k) => Math.sin(0.37 * k + i) * 50));
  const runtime = new GradientRuntime();
  const f = new ForwardRunner(runContext({ runtime, model: runtimeModel(model), inputName: input, chw, label: 'test model' }));
  assert.equal(await f.isCompiled(Math.ceil(count / Math.ceil(count / batch)), fetch), true, 'runs the compiled forward');
  const got: Float32Array[] = [];
  await f.runBatches(count, batch, fetch, (i, dst) => dst.set(images[i]!), (start, n, data) => {
    const row = data.length / Math.ceil(count / Math.ceil(count / batch));
    for (let j = 0; j < n; j++) got[start + j] = data.slice(j * row, (j + 1) * row);
  }, newTiming());
  for (let i = 0; i < count; i++) {
    const want = await plainRun(model, input, images[i]!, [1, ...chw], fetch);
    assert.equal(got[i]!.length, want.length);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[i]![k]! - want[k]!) <= tol * scale, `image ${i} value ${k}: ${got[i]![k]} vs ${want[k]}`);
  }
  await runtime.release();
  assert.equal(runtime.sessions.size, 0);
}

test('tiny linear model: compiled forward equals the model, batched with padding', async () => {
  const m = linearModel([1, 2, 2], [[1, 2, 3, 4], [0, 0, 0, 1]], [0.5, 0]);
  await compare(m, m.graph.inputs[0]!.name, [1, 2, 2], m.graph.outputs[0]!.name, 5, 2, 1e-6);
});

test('GoogLeNet: compiled forward (LRN rewritten, cut at the logits and at an inner layer) equals the model', { skip }, async () => {
  const m = readModelFile(googlenet);
  const input = m.graph.inputs[0]!.name;
  await compare(m, input, [3, 224, 224], 'loss3/classifier', 3, 2, 1e-4);
  await compare(m, input, [3, 224, 224], 'inception_3a/output', 1, 1, 1e-4);
});
