// Layer presets: VGG-shaped models written under each naming convention get neural-style's layers (content
// relu4_2, style relu1_1 … relu5_1) as the tensors of THAT file; a VGG cut short gets the nearest layers
// (the reference's choice on vgg19_to_block3); a residual net gets layers by depth; a classifier without
// feature maps is refused by name; given layers are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModel, loadModelBytes, loadModelFile } from '../onnx/inspect';
import { errorCode } from '../../../shared/errors';
import { chooseLayers, presetLayers } from './layers';
import { bytesOf, mlpModel, residualModel, vggModel, vggReluName, VGG16_BLOCKS, VGG19_BLOCKS, type VggNaming } from './testing';

async function described(m: ReturnType<typeof vggModel>, name: string) {
  const lm = loadModelBytes(bytesOf(m), name);
  const d = await inspectModel(lm, { intraOpNumThreads: 1 });
  return { lm, d };
}

const CONVENTIONS: [VggNaming, string][] = [['keras', 'vgg-keras'], ['caffe', 'vgg-caffe'], ['onnx-zoo', 'vgg-onnx-zoo'], ['torchvision', 'vgg-torchvision'], ['numbers', 'vgg']];

for (const [naming, preset] of CONVENTIONS) {
  for (const [arch, blocks] of [['vgg19', VGG19_BLOCKS], ['vgg16', VGG16_BLOCKS]] as const) {
    test(`preset: ${arch} under ${naming} naming → content relu4_2, style relu1_1 … relu5_1`, async () => {
      const { lm, d } = await described(vggModel(naming, [...blocks]), `${arch}-${naming}.onnx`);
      const c = presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName);
      assert.equal(c.preset, preset);
      assert.deepEqual(c.content, [vggReluName(naming, [...blocks], 4, 2)]);
      assert.deepEqual(c.style, [1, 2, 3, 4, 5].map((b) => vggReluName(naming, [...blocks], b, 1)));
      // the names are real tensors of the file, each a ReLU output
      for (const n of [...c.content, ...c.style]) assert.equal(d.layers.find((l) => l.name === n)?.opType, 'Relu', n);
    });
  }
}

test('preset: a VGG19 with BatchNormalization between conv and ReLU (vgg19_bn) reads the ReLUs', async () => {
  const { lm, d } = await described(vggModel('torchvision', VGG19_BLOCKS, { bn: true }), 'vgg19_bn.onnx');
  const c = presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName);
  assert.deepEqual(c.content, ['/features/features.22/Relu_output_0']);
  assert.equal(c.style[0], '/features/features.1/Relu_output_0');
});

test('preset: a VGG cut after block 3 → content and last style layer = its last conv (the reference on vgg19_to_block3)', async () => {
  const blocks = [2, 2, 4];
  const { lm, d } = await described(vggModel('keras', blocks), 'vgg19-block3.onnx');
  const c = presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName);
  assert.deepEqual(c.content, [vggReluName('keras', blocks, 3, 4)]);
  assert.deepEqual(c.style, [vggReluName('keras', blocks, 1, 1), vggReluName('keras', blocks, 2, 1), vggReluName('keras', blocks, 3, 1), vggReluName('keras', blocks, 3, 4)]);
  assert.match(c.reason, /stops at block 3/);
});

const vggFile = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'models', 'vgg19_to_block3.onnx');
test('preset: the shared vgg19_to_block3.onnx gets exactly the reference\'s layers', { skip: !fs.existsSync(vggFile) && `${vggFile} not found` }, async () => {
  const lm = loadModelFile(vggFile);
  const d = await inspectModel(lm, { intraOpNumThreads: 1 });
  const c = presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName);
  assert.deepEqual(c.content, ['block3_conv4_relu']);
  assert.deepEqual(c.style, ['block1_conv1_relu', 'block2_conv1_relu', 'block3_conv1_relu', 'block3_conv4_relu']);
  assert.equal(c.preset, 'vgg-keras');
});

test('preset: a residual net (not a VGG) gets style from each resolution and content at input/8', async () => {
  const { lm, d } = await described(residualModel(), 'resnet-ish.onnx');
  const c = presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName);
  assert.equal(c.preset, 'depth');
  // 64 px input: act0 at 32 (1/2), act1 at 16, act2 at 8, act3 at 4 (1/16): the first layer at each resolution
  assert.deepEqual(c.style, ['act0', 'act1', 'act2', 'act3']);
  // input/8 is the third level (8 px): its second feature layer
  assert.deepEqual(c.content, ['resact2']);
});

test('a classifier without feature maps is refused, naming the model', async () => {
  const { lm, d } = await described(mlpModel(), 'mlp.onnx');
  assert.throws(() => presetLayers(lm.model, d.imageInput, d.layers, d.inspectedSize, lm.fileName), (e) => {
    assert.equal(errorCode(e), 'no-style-layers');
    assert.match((e as Error).message, /mlp\.onnx has no layer a style or content loss can read/);
    return true;
  });
});

test('given layers are checked: unknown names and non-feature-map tensors name the setting', async () => {
  const { lm, d } = await described(vggModel('caffe'), 'vgg19.onnx');
  const base = { model: lm.model, input: d.imageInput, layers: d.layers, inputSize: d.inspectedSize, modelName: lm.fileName };
  assert.throws(() => chooseLayers({ ...base, styleLayers: ['relu9_9'] }), /styleLayers: vgg19\.onnx has no layer "relu9_9" \(its feature layers include relu1_1/);
  assert.throws(() => chooseLayers({ ...base, contentLayers: ['logits'] }), /contentLayers: layer "logits" of vgg19\.onnx has shape \[1,10\]; a style or content loss needs a 4-D feature map/);
  const c = chooseLayers({ ...base, contentLayers: ['relu3_1'] });
  assert.deepEqual(c.content, ['relu3_1']);
  assert.deepEqual(c.style, ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1']);
  assert.deepEqual(c.given, { content: true, style: false });
});

test('preset: the built-in InceptionV3 gets its tuned layers and weights, and given weights win', { timeout: 300_000 }, async () => {
  const { resolveDefaultModel, DEFAULT_MODEL_PREPROCESS } = await import('../importers/default-model');
  const { prepareStyle } = await import('./prepare');
  const lm = loadModelFile(await resolveDefaultModel());
  const description = await inspectModel(lm, { intraOpNumThreads: 1 });
  const c = presetLayers(lm.model, description.imageInput, description.layers, description.inspectedSize, lm.fileName);
  assert.equal(c.preset, 'inception-v3-keras');
  assert.deepEqual(c.content, ['mixed3']);
  assert.deepEqual(c.style, ['activation_5', 'mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4']);
  const sharp = (await import('sharp')).default;
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toBuffer();
  const photo = { bytes: new Uint8Array(png), name: 'p.png' };
  const prep = (settings: Record<string, unknown>) => prepareStyle({
    net: { name: lm.fileName, sha256: lm.sha256, description, preprocess: DEFAULT_MODEL_PREPROCESS }, model: lm.model,
    modelRef: { sha: lm.sha256, fileName: lm.fileName }, settings: { styles: [{ photoId: 's' }], size: 64, ...settings }, content: photo, styles: [photo],
  });
  const tuned = (await prep({})).input.settings;
  assert.deepEqual([tuned.contentWeight, tuned.styleWeight, tuned.tvWeight], [2e5, 5e12, 2e-2]);
  const mine = (await prep({ styleWeight: 7 })).input.settings;
  assert.deepEqual([mine.contentWeight, mine.styleWeight, mine.tvWeight], [2e5, 7, 2e-2]);
});
