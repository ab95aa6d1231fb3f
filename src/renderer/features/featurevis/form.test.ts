import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FORM, formRender, formSettings, NO_TRANSFORMS, settingsLabel, resolvedFormSettings } from './form';

test('formSettings: empty size/steps/batch/seed leave them to the preset and the engine', () => {
  assert.deepEqual(formSettings(DEFAULT_FORM), { preset: 'quick', param: 'fourier', decorrelate: true, lr: 0.05 });
  assert.deepEqual(formRender(DEFAULT_FORM), { size: 64, steps: 64, batch: 16 });
  assert.deepEqual(formRender({ ...DEFAULT_FORM, preset: 'full' }), { size: 128, steps: 512, batch: 8 });
});

test('formSettings: overrides, transforms off, seed', () => {
  const s = formSettings({ ...DEFAULT_FORM, steps: '16', size: '48', batch: '4', seed: '3', transforms: false, param: 'pixel', decorrelate: false });
  assert.deepEqual(s, { preset: 'quick', param: 'pixel', decorrelate: false, lr: 0.05, size: 48, steps: 16, batch: 4, seed: 3, transforms: NO_TRANSFORMS });
  assert.deepEqual(formRender({ ...DEFAULT_FORM, steps: '16' }), { size: 64, steps: 16, batch: 16 });
});

test('formSettings: a bad field is named', () => {
  assert.throws(() => formSettings({ ...DEFAULT_FORM, steps: '1.5' }), /Steps must be a whole number/);
  assert.throws(() => formSettings({ ...DEFAULT_FORM, lr: '' }), /Learning rate must be a number/);
  assert.throws(() => formSettings({ ...DEFAULT_FORM, size: '8' }), /^Error: Size: /);
  assert.throws(() => formSettings({ ...DEFAULT_FORM, batch: '65' }), /^Error: Batch: /);
  assert.equal(formRender({ ...DEFAULT_FORM, size: 'x' }), null);
});

test('settingsLabel names what differs from Lucid', () => {
  const pre = { preset: 'caffe', channelOrder: 'BGR' as const, rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1] };
  assert.equal(settingsLabel({ ...resolvedFormSettings(DEFAULT_FORM), preprocess: pre }), 'quick · 64 px · 64 steps');
  assert.equal(
    settingsLabel({ ...resolvedFormSettings({ ...DEFAULT_FORM, preset: 'full', param: 'maco', transforms: false, lr: '0.1' }), preprocess: pre }),
    'full · 128 px · 512 steps · maco · no transforms · lr 0.1',
  );
});
