import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDescription, ModelRecord } from '../../../shared/contract';
import { hasBuiltInImagenetNames, modelKind } from './kind';

function model(d: Partial<ModelDescription>, labels?: string[]): ModelRecord {
  const description = {
    inputs: [{ name: 'data', dtype: 'float32', shape: [1, 3, 224, 224] }], outputs: [{ name: 'prob', dtype: 'float32', shape: [1, 1000] }],
    layers: [], isClassifier: false, ...d,
  } as unknown as ModelDescription;
  return { id: 'm', name: 'x', path: 'x', sha256: 's', embedded: true, addedAt: '', description, preprocess: {} as never, ...(labels ? { labels } : {}) };
}
const imagenet = ['tench', ...Array.from({ length: 998 }, (_, i) => `c${i}`), 'toilet tissue'];

test('a classifier says its class count and where its names come from', () => {
  const k = modelKind(model({ isClassifier: true, classCount: 1000, classifierOutput: 'prob' }, imagenet));
  assert.equal(k.kind, 'classifier');
  assert.equal(k.text, 'Classifier · 1000 classes');
  assert.match(k.hint, /ImageNet class names \(built in\)/);
  assert.match(modelKind(model({ isClassifier: true, classCount: 10 }, ['a'])).hint, /labels file/);
  assert.match(modelKind(model({ isClassifier: true, classCount: 10 })).hint, /no class names/);
});

test('a fast-style network is image-to-image; a headless network is a feature extractor', () => {
  const style = model({ inputs: [{ name: 'inputImage', dtype: 'float32', shape: [1, 3, 720, 720] }], outputs: [{ name: 'outputImage', dtype: 'float32', shape: [1, 3, 720, 720] }] });
  assert.equal(modelKind(style).kind, 'image-to-image');
  assert.equal(modelKind(style).text, 'Image-to-image (fast style transfer)');
  const features = model({ outputs: [{ name: 'mixed5', dtype: 'float32', shape: [1, 768, 17, 17] }], layers: [{ name: 'mixed5', opType: 'Concat', nodeName: 'mixed5', shape: [1, 768, 17, 17], preActivation: false, order: 1 }] });
  assert.equal(modelKind(features).kind, 'features');
  assert.match(modelKind(features).hint, /^1 feature map to study/);
});

test('the built-in ImageNet names are recognised, 1001-way too; other 1000-name lists are not', () => {
  assert.equal(hasBuiltInImagenetNames(imagenet), true);
  assert.equal(hasBuiltInImagenetNames(['background', ...imagenet]), true);
  assert.equal(hasBuiltInImagenetNames(imagenet.map((n, i) => (i === 0 ? 'carp' : n))), false);
  assert.equal(hasBuiltInImagenetNames(undefined), false);
});
