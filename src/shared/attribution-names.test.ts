import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributionFileStem, photoStem, targetStem } from './attribution-names';

test('export names read as photo-method-class', () => {
  assert.equal(attributionFileStem('dog.jpg', 'gradcam', { kind: 'class', index: 207, label: 'golden retriever' }), 'dog-gradcam-golden_retriever');
  assert.equal(attributionFileStem('My Photo.final.JPG', 'guided-gradcam', { kind: 'class', index: 638, label: 'maillot, tank suit' }), 'my_photo_final-guided-gradcam-maillot');
  assert.equal(attributionFileStem(undefined, 'ig', { kind: 'class', index: 3 }), 'photo-ig-class3');
});

test('targets without a class name stay readable', () => {
  assert.equal(targetStem({ kind: 'channel', layer: 'inception_4c/output', channel: 97 }), 'inception_4c_output-ch97');
  assert.equal(targetStem({ kind: 'neuron', layer: 'conv1', channel: 2, y: 3, x: 4 }), 'conv1-ch2-y3-x4');
  assert.equal(targetStem({ kind: 'top1' }), 'top1');
  assert.equal(targetStem({ kind: 'class', index: 5, label: '???' }), 'class5');
  assert.equal(photoStem('C:\\pics\\Été.png'), 'ete');
});
