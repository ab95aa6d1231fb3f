// The small pure pieces: quadrature, resampling, targets as typed, export formats, display scaling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorAt, normalizeForDisplay, reduceChannels } from '../../../shared/colormap';
import { fromNpy, toCsv, toNpy } from './export';
import { defaultCamLayer, parseLabels } from './model-info';
import { gaussianBlur, quadrature, resizeBilinear } from './numeric';
import { findClass, parseTarget } from '../../../shared/attribution-target';
import { camModel, linearModel } from './testing/tiny-models';
import { makeBaseline } from './baselines';
import { pixelSpace, preset } from '../../../shared/pixels';
import { balancedBatch, leastPaddingBatch } from './forward';

test('Gauss–Legendre and trapezoid weights integrate polynomials on [0, 1]', () => {
  for (const n of [1, 2, 5, 32, 256]) {
    const { alphas, weights } = quadrature(n, 'gausslegendre');
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12, `weights sum, n=${n}`);
    // exact for degree ≤ 2n − 1
    const deg = Math.min(2 * n - 1, 9);
    const integral = alphas.reduce((s, a, i) => s + weights[i]! * a ** deg, 0);
    assert.ok(Math.abs(integral - 1 / (deg + 1)) < 1e-12, `∫α^${deg}, n=${n}: ${integral}`);
  }
  const t = quadrature(5, 'trapezoid');
  assert.deepEqual(t.alphas, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(t.weights, [0.125, 0.25, 0.25, 0.25, 0.125]);
});

test('batch sizes: fewest batches for forward passes, least padding for gradient passes', () => {
  assert.equal(balancedBatch(170, 16), 16);
  assert.equal(balancedBatch(170, 13), 13);
  assert.equal(balancedBatch(10, 16), 10);
  assert.equal(leastPaddingBatch(25, 8), 5);
  assert.equal(leastPaddingBatch(32, 8), 8);
  assert.equal(leastPaddingBatch(3, 8), 3);
  assert.equal(leastPaddingBatch(1, 8), 1);
  assert.equal(leastPaddingBatch(7, 2), 2); // never below 2 when 2 was asked for
});

test('bilinear upsampling matches PyTorch (align_corners=False); blur keeps constants', () => {
  assert.deepEqual(Array.from(resizeBilinear(Float32Array.from([0, 1, 2, 3]), 2, 2, 4, 4)), [
    0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3,
  ]);
  const flat = gaussianBlur(new Float32Array(2 * 5 * 5).fill(7), 2, 5, 5, 2);
  assert.ok(flat.every((v) => Math.abs(v - 7) < 1e-5));
});

test('baselines live in input space: black is the preprocessed black pixel', () => {
  const space = pixelSpace(preset('caffe'));
  const b = makeBaseline('black', new Float32Array(3 * 4), [3, 2, 2], { space, blurSigma: 1, seed: 0 });
  assert.deepEqual(Array.from(b), [-104, -104, -104, -104, -117, -117, -117, -117, -123, -123, -123, -123]);
  const n = makeBaseline('noise', new Float32Array(3 * 4), [3, 2, 2], { space, blurSigma: 1, seed: 3 });
  assert.ok(n.every((v, i) => v >= -[104, 117, 123][Math.floor(i / 4)]! && v <= 255 - [104, 117, 123][Math.floor(i / 4)]!));
  assert.deepEqual(n, makeBaseline('noise', new Float32Array(3 * 4), [3, 2, 2], { space, blurSigma: 1, seed: 3 }));
});

test('targets as typed: top1, index, class name, LAYER:CHANNEL, LAYER:CHANNEL:Y:X', () => {
  const labels = parseLabels('n01440764 tench, Tinca tinca\nn02099601 golden retriever\nn02099712 Labrador retriever\n');
  assert.deepEqual(labels, ['tench, Tinca tinca', 'golden retriever', 'Labrador retriever']);
  assert.deepEqual(parseTarget(undefined), { kind: 'top1' });
  assert.deepEqual(parseTarget('top1'), { kind: 'top1' });
  assert.deepEqual(parseTarget('1', labels), { kind: 'class', index: 1, label: 'golden retriever' });
  assert.deepEqual(parseTarget('Golden Retriever', labels), { kind: 'class', index: 1, label: 'golden retriever' });
  assert.deepEqual(parseTarget('tinca tinca', labels), { kind: 'class', index: 0, label: 'tench, Tinca tinca' });
  assert.deepEqual(parseTarget('inception_4c/output:97'), { kind: 'channel', layer: 'inception_4c/output', channel: 97 });
  assert.deepEqual(parseTarget('inception_4c/output:97:6:7'), { kind: 'neuron', layer: 'inception_4c/output', channel: 97, y: 6, x: 7 });
  assert.throws(() => findClass('retriever', labels), /matches 2 labels/);
  assert.throws(() => findClass('zebra', labels), /no class is named "zebra"/);
  assert.throws(() => parseTarget('9', labels), /out of range/);
  assert.throws(() => parseTarget('dog'), /no labels are loaded/);
});

test('Grad-CAM default layer: walk back through the classifier head', () => {
  assert.equal(defaultCamLayer(camModel([4, 4], [1], [[1]]), 'logits'), 'feat');
  assert.throws(() => defaultCamLayer(linearModel([1, 1, 2], [[1, 1]], [0]), 'logits', 'lin.onnx'), /lin\.onnx: could not find a convolutional block/);
});

test('.npy round-trips with a 64-byte aligned header; CSV is one image row per line', () => {
  const data = Float32Array.from([1.5, -2, 3, 4, 5, 6]);
  const npy = toNpy(data, [1, 2, 1, 3]);
  const hlen = npy.readUInt16LE(8);
  assert.equal((10 + hlen) % 64, 0);
  assert.ok(npy.toString('latin1', 10, 10 + hlen).includes("'shape': (1, 2, 1, 3)"));
  const back = fromNpy(npy);
  assert.deepEqual(back.shape, [1, 2, 1, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.equal(toCsv({ map: data, shape: [1, 2, 1, 3] }), '5.5,3,9\n');
  assert.equal(toCsv({ map: data, shape: [1, 1, 2, 3] }), '1.5,-2,3\n4,5,6\n');
});

test('display scaling: channel sum, sign modes, the 98th percentile is full colour', () => {
  const { data } = reduceChannels(Float32Array.from([1, -2, 3, 1]), [1, 2, 1, 2]);
  assert.deepEqual(Array.from(data), [4, -1]);
  const vals = Float32Array.from(Array.from({ length: 100 }, (_, i) => i - 50));
  const pos = normalizeForDisplay(vals, 'positive');
  assert.equal(pos.values[10], 0);
  assert.equal(pos.values[99], 1);
  const neg = normalizeForDisplay(vals, 'negative');
  assert.equal(neg.scale, 48); // 98th percentile of |negative part| (50 zeros, then 1..50)
  assert.equal(neg.values[0], 1);
  assert.equal(neg.values[60], 0);
  const all = normalizeForDisplay(vals, 'all');
  assert.ok(all.values[0]! === -1 && all.values[99]! > 0.9);
  assert.deepEqual(colorAt('bwr', 0.5), [255, 255, 255]);
  assert.deepEqual(colorAt('gray', 1), [255, 255, 255]);
});
