import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModel, loadModelFile, match } from './inspect';

const models = path.resolve(__dirname, '../../../../../shared/models');
const googlenet = path.join(models, 'bvlc_googlenet.onnx');
const have = fs.existsSync(googlenet);
const skip = have ? false : `${googlenet} absent (../shared not checked out)`;

test('GoogLeNet at 224: concrete layer shapes, pre-activations, classifier, counts', { skip }, async () => {
  const t0 = performance.now();
  const lm = loadModelFile(googlenet);
  const d = await inspectModel(lm);
  console.log(`# GoogLeNet load + inspect: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(match(googlenet), true);
  assert.deepEqual(d.inspectedSize, { width: 224, height: 224 });
  const layer = (n: string) => d.layers.find((l) => l.name === n);
  assert.deepEqual(layer('inception_4c/output')?.shape, [1, 512, 14, 14]);
  assert.equal(layer('inception_4c/output')?.opType, 'Concat');
  assert.deepEqual(layer('conv1/7x7_s2')?.shape, [1, 64, 112, 112]);
  assert.equal(layer('conv1/7x7_s2')?.preActivation, true);
  assert.equal(layer('conv1/relu_7x7')?.preActivation, false);
  assert.deepEqual(layer('inception_5b/output')?.shape, [1, 1024, 7, 7]);
  assert.deepEqual(layer('loss3/classifier')?.shape, [1, 1000]);
  // graph order
  for (let i = 1; i < d.layers.length; i++) assert.ok(d.layers[i]!.order > d.layers[i - 1]!.order);
  assert.equal(d.imageInput, 'data');
  assert.equal(d.opset, 13);
  assert.equal(d.opTypes.Conv, 57);
  assert.equal(d.nodeCount, Object.values(d.opTypes).reduce((a, b) => a + b, 0));
  assert.ok(d.parameterCount > 6_000_000 && d.parameterCount < 8_000_000, `${d.parameterCount} parameters`);
  assert.equal(d.isClassifier, true);
  assert.equal(d.classifierOutput, 'prob');
  assert.equal(d.classCount, 1000);
  assert.equal(d.suggestedPreprocess.preset, 'caffe');
  assert.equal(d.sha256.length, 64);
  assert.equal(d.fileSize, fs.statSync(googlenet).size);
});

test('GoogLeNet at another size: shapes follow the input', { skip }, async () => {
  const d = await inspectModel(loadModelFile(googlenet), { width: 320, height: 256 });
  assert.deepEqual(d.layers.find((l) => l.name === 'inception_4c/output')?.shape, [1, 512, 16, 20]);
  // the 1024-input classifier cannot take 8×10 features: it is cut away and said so
  assert.deepEqual(d.prunedAtSize, ['loss3/classifier']);
  assert.equal(d.isClassifier, false);
  assert.deepEqual(d.layers.find((l) => l.name === 'inception_5b/output')?.shape, [1, 1024, 8, 10]);
});

test('SqueezeNet inspects at 227; VGG19 feature extractor is not a classifier', { skip }, async () => {
  const sq = await inspectModel(loadModelFile(path.join(models, 'squeezenet1.1.onnx')));
  assert.deepEqual(sq.inspectedSize, { width: 227, height: 227 });
  assert.equal(sq.classCount, 1000);
  const vgg = await inspectModel(loadModelFile(path.join(models, 'vgg19_to_block3.onnx')));
  assert.equal(vgg.isClassifier, false);
  assert.deepEqual(vgg.layers.find((l) => l.name === 'block3_pool')?.shape, [1, 256, 28, 28]);
  assert.deepEqual(vgg.suggestedPreprocess.mean, [103.939, 116.779, 123.68]);
});
