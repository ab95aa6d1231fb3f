import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelRecord } from '../../../shared/contract';
import { parseStyleSettings, type StyleRunSettings } from '../../../shared/jobs/style';
import { continueSettings, DEFAULT_FORM, fixedInput, formSettings, isImageToImage, modeFields, parseStages, runForm, type StyleForm } from './form';

const withStyle: StyleForm = { ...DEFAULT_FORM, styles: [{ photoId: 'p-wave', weight: '1' }] };

test('formSettings: neural-style\'s defaults, sent explicitly, size without stages', () => {
  assert.deepEqual(formSettings(withStyle), {
    mode: 'transfer', styles: [{ photoId: 'p-wave', weight: 1 }], contentWeight: 5, styleWeight: 100, tvWeight: 0.001,
    optimizer: 'lbfgs', iterations: 500, init: 'content', size: 512, styleScale: 1, originalColors: false, normalizeGradients: false,
  });
});

test('formSettings: Adam sends its learning rate, stages replace Size, given layers and seed travel', () => {
  const s = formSettings({ ...withStyle, optimizer: 'adam', lr: '2', multires: '256, 512 → 1024', size: '64', seed: '7', contentLayers: ['c'], styleLayers: ['a', 'b'] });
  assert.equal(s.lr, 2);
  assert.deepEqual(s.multires, [256, 512, 1024]);
  assert.equal(s.size, undefined);
  assert.equal(s.seed, 7);
  assert.deepEqual([s.contentLayers, s.styleLayers], [['c'], ['a', 'b']]);
  assert.equal(parseStyleSettings(s).size, 1024, 'the last stage is the output size');
});

test('formSettings: modes bring their own defaults; inversion sends no style images or style layers', () => {
  const tex = formSettings({ ...withStyle, ...modeFields('texture') });
  assert.deepEqual([tex.init, tex.contentWeight, tex.styleWeight], ['noise', 0, 100]);
  const inv = formSettings({ ...withStyle, ...modeFields('inversion'), styleLayers: ['a'], contentLayers: ['c1', 'c2'] });
  assert.deepEqual([inv.styles, inv.styleLayers, inv.contentLayers, inv.init, inv.styleWeight], [[], undefined, ['c1'], 'noise', 0]);
});

test('formSettings: a bad field is named, and so is a broken rule between fields', () => {
  assert.throws(() => formSettings({ ...withStyle, iterations: '2.5' }), /Iterations must be a whole number \(got "2.5"\)/);
  assert.throws(() => formSettings({ ...withStyle, tvWeight: '' }), /TV weight must be a number/);
  assert.throws(() => formSettings({ ...withStyle, styles: [{ photoId: 'p', weight: 'x' }] }), /Blend weight of style image 1 must be a number/);
  assert.throws(() => formSettings({ ...withStyle, multires: '512, 256' }), /multires: the stages' sizes must increase/);
  assert.throws(() => formSettings({ ...DEFAULT_FORM }), /style transfer needs at least one style image/);
  assert.throws(() => formSettings({ ...withStyle, size: '8' }), /a size is at least 16 px/);
  assert.throws(() => formSettings({ ...withStyle, ...modeFields('texture'), init: 'content' }), /texture synthesis has no content photo/);
});

test('parseStages', () => {
  assert.equal(parseStages('  '), undefined);
  assert.deepEqual(parseStages('256 512'), [256, 512]);
  assert.throws(() => parseStages('256, big'), /Stages must be a whole number \(got "big"\)/);
});

const saved: StyleRunSettings = {
  ...parseStyleSettings({ styles: [{ photoId: 'p-wave', weight: 2 }], multires: [128, 256], seed: 9, contentLayers: ['block3_conv4_relu'] }),
  contentLayers: ['block3_conv4_relu'], styleLayers: ['block1_conv1_relu', 'block2_conv1_relu'], contentWeight: 5, styleWeight: 100, tvWeight: 1e-3,
  init: 'content', size: 256, seed: 9,
  layerChoice: { content: 'given', style: 'preset', preset: 'vgg-keras', reason: 'Keras VGG naming' },
  stages: [{ width: 128, height: 96, iterations: 500 }, { width: 256, height: 192, iterations: 500 }],
  styleSizes: [{ width: 256, height: 170 }], modelInput: 'input', preprocess: { preset: 'caffe', channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 124], std: [1, 1, 1] },
};

test('runForm: a saved run back in the form; preset layers stay the preset\'s, given ones stay given', () => {
  const f = runForm(saved, 'p-stata');
  assert.deepEqual(f.contentLayers, ['block3_conv4_relu']);
  assert.deepEqual(f.styleLayers, []);
  assert.deepEqual(f.styles, [{ photoId: 'p-wave', weight: '2' }]);
  assert.deepEqual([f.multires, f.seed, f.contentPhotoId], ['128, 256', '9', 'p-stata']);
  assert.equal(formSettings(f).multires?.join(), '128,256');
});

test('continueSettings: the run\'s resolved layers and weights, one stage at its size, N more iterations', () => {
  const s = continueSettings(saved, 40);
  assert.deepEqual([s.size, s.multires, s.iterations, s.seed], [256, undefined, 40, 9]);
  assert.deepEqual(s.styleLayers, ['block1_conv1_relu', 'block2_conv1_relu']);
  assert.equal(parseStyleSettings(s).stages.length, 1);
});

function model(inputs: (number | string)[], outputs: (number | string)[][], isClassifier = false): ModelRecord {
  return {
    id: 'm', name: 'm.onnx', path: '/m.onnx', sha256: '', embedded: false, addedAt: '',
    description: {
      inputs: [{ name: 'in', dtype: 'float32', shape: inputs }], outputs: outputs.map((shape, i) => ({ name: `out${i}`, dtype: 'float32', shape })), isClassifier,
      layers: [], imageInput: 'in', inspectedSize: { width: 224, height: 224 },
    } as unknown as ModelRecord['description'],
    preprocess: {} as ModelRecord['preprocess'],
  };
}

test('isImageToImage: a fast-style network, not a feature extractor or a classifier', () => {
  const candy = model(['None', 3, 720, 720], [['None', 3, 720, 720]]);
  assert.equal(isImageToImage(candy), true);
  assert.deepEqual(fixedInput(candy), { width: 720, height: 720 });
  assert.equal(isImageToImage(model(['N', 3, 'H', 'W'], [['N', 3, 'H', 'W']])), true);
  assert.equal(fixedInput(model(['N', 3, 'H', 'W'], [['N', 3, 'H', 'W']])), undefined);
  assert.equal(isImageToImage(model(['N', 3, 'H', 'W'], [['N', 'C', 'h', 'w'], ['N', 'C', 'h', 'w']])), false, 'vgg19_to_block3');
  assert.equal(isImageToImage(model(['N', 3, 'H', 'W'], [['N', 'C', 'h', 'w']])), false, 'channels unknown: not said to be a picture');
  assert.equal(isImageToImage(model([1, 3, 224, 224], [[1, 1000]], true)), false);
  assert.equal(isImageToImage(undefined), false);
});
