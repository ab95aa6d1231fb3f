// Parity of the converted nsfwjs models with the TF.js reference implementation on real photos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNsfwjsArtifacts } from './nsfwjs';
import { importTfjsArtifacts } from './index';
import { initTfjs, loadTfjs, photo, relErr, runOnnx, SHARED, sharedAvailable, tf, toNchw } from './testing/reference';

const skip = sharedAvailable() ? false : `../shared is absent (looked in ${SHARED}); parity needs its photos`;
const img = (n: string) => path.join(SHARED, 'images', 'content', n);

async function compareLayers(model: 'inception_v3' | 'mobilenet_v2', layers: string[], size: number, photoName: string) {
  await initTfjs();
  const a = readNsfwjsArtifacts(model);
  const { bytes, model: onnx } = await importTfjsArtifacts(a, { outputs: layers });
  const ref = await loadTfjs(a);
  const sub = tf.model({ inputs: ref.inputs, outputs: layers.map((l) => ref.getLayer(l).output as tf.SymbolicTensor) });
  const px = await photo(img(photoName), size, size);
  const expected = tf.tidy(() => {
    const r = sub.predict(tf.tensor4d(px.nhwc, [1, size, size, 3]));
    return (Array.isArray(r) ? r : [r]).map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape as number[] }));
  });
  const got = await runOnnx(bytes, { [onnx.graph.inputs[0]!.name]: { data: px.nchw, dims: [1, 3, size, size] } });
  const errs: Record<string, number> = {};
  layers.forEach((l, i) => {
    const e = expected[i]!;
    const g = got[l]!;
    assert.ok(g, `ONNX output ${l} missing`);
    assert.deepEqual(g.dims, e.shape.length === 4 ? [e.shape[0], e.shape[3], e.shape[1], e.shape[2]] : e.shape, `${l} shape`);
    errs[l] = relErr(g.data, toNchw(e.data, e.shape));
  });
  ref.dispose(); // also disposes the layers `sub` shares with it
  return errs;
}

test('InceptionV3 (nsfwjs) up to mixed5 matches TF.js activations', { skip }, async () => {
  const errs = await compareLayers('inception_v3', ['conv2d_5', 'activation_5', 'mixed0', 'mixed3', 'mixed4', 'mixed5'], 299, 'dog.jpg');
  console.log('inception_v3 max rel err', errs);
  for (const [l, e] of Object.entries(errs)) assert.ok(e <= 1e-4, `${l}: max relative error ${e}`);
});

test('MobileNetV2 (nsfwjs) matches TF.js activations', { skip }, async () => {
  const a = readNsfwjsArtifacts('mobilenet_v2');
  const names = (a.modelJson.modelTopology as any).model_config?.config?.layers?.map((l: any) => l.name) ?? [];
  const picks = names.filter((n: string) => /^(Conv1_relu|block_3_add|block_6_depthwise_relu|block_13_expand_relu|out_relu)$/.test(n));
  const outs = [...picks, names[names.length - 1]];
  const size = 224;
  const errs = await compareLayers('mobilenet_v2', outs, size, 'cat.jpg');
  console.log('mobilenet_v2 max rel err', errs);
  for (const [l, e] of Object.entries(errs)) assert.ok(e <= 1e-4, `${l}: max relative error ${e}`);
});

test('full nsfwjs InceptionV3 classifier gives the same probabilities as nsfwjs itself', { skip }, async () => {
  await initTfjs();
  const nsfw = await import('nsfwjs');
  const classifier = await nsfw.load('InceptionV3', { size: 299 });
  const { bytes } = await importTfjsArtifacts(readNsfwjsArtifacts('inception_v3'));
  for (const name of ['hummingbird.jpg', 'city.jpg']) {
    // nsfwjs feeds pixels / 255 (0..1); give both the identical 299×299 pixels.
    const px = await photo(img(name), 299, 299, 0, 1);
    const pixels = tf.tensor3d(Float32Array.from(px.nhwc, (v) => v * 255), [299, 299, 3], 'int32');
    const preds = await classifier.classify(pixels, 5);
    pixels.dispose();
    const got = (await runOnnx(bytes, { input_1: { data: px.nchw, dims: [1, 3, 299, 299] } })).dense_3!.data;
    const classes = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
    const diffs = preds.map((p) => Math.abs(p.probability - got[classes.indexOf(p.className)]!));
    console.log(name, preds.map((p) => `${p.className} ${p.probability.toFixed(5)}`).join(', '), 'max |Δp|', Math.max(...diffs));
    for (const d of diffs) assert.ok(d <= 1e-4, `probability differs by ${d}`);
  }
});
