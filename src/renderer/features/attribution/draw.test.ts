import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapPixels, sheetFileName, toGrey } from './draw';

// a sparse saliency-like map: most pixels tiny, a few large, one huge outlier
const map = new Float32Array(1000).map((_, i) => (i === 0 ? 1000 : i < 50 ? 1 : 0.01));

test('percentile clipping: one outlier no longer washes the map out', () => {
  const none = mapPixels(map, 'absolute', 'inferno', 'overlay', 1, 0);
  const clipped = mapPixels(map, 'absolute', 'inferno', 'overlay', 1, 2);
  assert.equal(none.scale, 1000);
  assert.equal(clipped.scale, 1);
  // pixel 10 (value 1): nearly transparent unclipped, opaque once the outlier is clipped
  assert.ok(none.rgba[10 * 4 + 3]! < 5);
  assert.equal(clipped.rgba[10 * 4 + 3], 255);
});

test('blend draws every pixel at the opacity; map only is opaque; overlay follows |value|', () => {
  const blend = mapPixels(map, 'absolute', 'inferno', 'blend', 0.5, 2);
  const only = mapPixels(map, 'absolute', 'inferno', 'map', 0.5, 2);
  const over = mapPixels(map, 'absolute', 'inferno', 'overlay', 0.5, 2);
  assert.equal(blend.rgba[500 * 4 + 3], 128);
  assert.equal(only.rgba[500 * 4 + 3], 255);
  assert.equal(over.rgba[500 * 4 + 3], Math.round(255 * 0.5 * 0.01));
});

test('grey photo and sheet names', () => {
  const px = new Uint8ClampedArray([255, 0, 0, 255]);
  toGrey(px);
  assert.deepEqual([...px], [76, 76, 76, 255]);
  assert.equal(sheetFileName('dog', ['gradcam', 'ig', 'gradcam']), 'dog-gradcam-ig-comparison.png');
});
