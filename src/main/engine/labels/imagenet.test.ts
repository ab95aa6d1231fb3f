import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInLabels, classText, IMAGENET_1000 } from './imagenet';

test('the shipped ImageNet names are the 1000 classes in the standard order', () => {
  assert.equal(IMAGENET_1000.length, 1000);
  assert.equal(IMAGENET_1000[0], 'tench');
  assert.equal(IMAGENET_1000[207], 'golden retriever');
  assert.equal(IMAGENET_1000[999], 'toilet tissue');
  // the two names that occur twice are why an index is always shown beside a name
  assert.deepEqual([IMAGENET_1000[638], IMAGENET_1000[639]], ['maillot', 'maillot']);
  assert.equal(IMAGENET_1000.filter((n) => !n.trim()).length, 0);
});

test('built-in names only for 1000- and 1001-way outputs', () => {
  assert.equal(builtInLabels(1000)?.labels[207], 'golden retriever');
  assert.equal(builtInLabels(1001)?.labels[0], 'background');
  assert.equal(builtInLabels(1001)?.labels[208], 'golden retriever');
  assert.equal(builtInLabels(10), undefined);
  assert.equal(builtInLabels(undefined), undefined);
});

test('a class reads as "name (index)", or "class N" without a name — never "389 (389)"', () => {
  assert.equal(classText(207, 'golden retriever'), 'golden retriever (207)');
  assert.equal(classText(639, 'maillot'), 'maillot (639)');
  assert.equal(classText(389, undefined), 'class 389');
  assert.equal(classText(389, 'class 389'), 'class 389');
});
