// The one pixel space (src/shared/pixels.ts) and the engine's conversions built on it: presets, the
// pixel → model map, tensors for classification and attribution, planes for dreams, the preset guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  affine, fromPlanar, guessPreprocess, imageToTensor, KERAS_CAFFE_MEAN, pixelSpace, preset, PRESET_NAMES, PRESETS, subtractPhoto,
  tensorToImage, toModel, toPixel, toPlanar, validRange,
} from './index';
import type { RgbImage } from '../image/image';
import type { Model } from '../onnx/model';

// Two pixels: (255, 0, 128) and (10, 20, 30).
const img: RgbImage = { width: 2, height: 1, data: Float32Array.from([255, 0, 128, 10, 20, 30]) };
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} ≠ ${b}`);

test('torch: RGB, 0..1, ImageNet mean/std (NCHW: channel planes)', () => {
  const t = imageToTensor(img, preset('torch', 2, 1));
  assert.deepEqual(t.dims, [1, 3, 1, 2]);
  close(t.data[0]!, (1 - 0.485) / 0.229); // R of pixel 0
  close(t.data[1]!, (10 / 255 - 0.485) / 0.229); // R of pixel 1
  close(t.data[2]!, (0 - 0.456) / 0.224); // G plane
  close(t.data[4]!, (128 / 255 - 0.406) / 0.225); // B plane
});

test('caffe: BGR, 0..255 minus [104,117,123] (channel 0 is blue)', () => {
  const t = imageToTensor(img, preset('caffe', 2, 1));
  assert.deepEqual(Array.from(t.data), [128 - 104, 30 - 104, 0 - 117, 20 - 117, 255 - 123, 10 - 123]);
});

test('tf: RGB −1..1; raw01; raw255 (NHWC interleaved)', () => {
  const tf = imageToTensor(img, preset('tf', 2, 1, 'NHWC'));
  assert.deepEqual(tf.dims, [1, 1, 2, 3]);
  close(tf.data[0]!, 1);
  close(tf.data[1]!, -1);
  close(tf.data[2]!, -1 + (2 * 128) / 255);
  const r01 = imageToTensor(img, preset('raw01', 2, 1, 'NHWC'));
  close(r01.data[2]!, 128 / 255);
  close(r01.data[3]!, 10 / 255);
  const r255 = imageToTensor(img, preset('raw255', 2, 1, 'NHWC'));
  assert.deepEqual(Array.from(r255.data), [255, 0, 128, 10, 20, 30]);
});

test('tensor → image inverts image → tensor for every preset and layout', () => {
  for (const name of PRESET_NAMES) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const p = preset(name, 2, 1, layout);
      const back = tensorToImage(imageToTensor(img, p), p);
      assert.equal(back.width, 2);
      for (let i = 0; i < 6; i++) close(back.data[i]!, img.data[i]!);
    }
  }
});

test('1-channel models get luma', () => {
  const t = imageToTensor(img, preset('raw255', 2, 1), 1);
  assert.deepEqual(t.dims, [1, 1, 1, 2]);
  close(t.data[0]!, 0.299 * 255 + 0.114 * 128);
});

test('size mismatch is an error naming both sizes', () => {
  assert.throws(() => imageToTensor(img, preset('torch', 224)), /2×1 but preprocessing expects 224×224/);
});

function fakeModel(inputName: string, ops: string[], producer = ''): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: producer, producerVersion: '', docString: '', metadata: {},
    graph: { name: 'g', nodes: ops.map((op, i) => ({ name: `n${i}`, opType: op, domain: '', inputs: [], outputs: [], attrs: {} })), initializers: [], inputs: [], outputs: [], valueInfo: [] },
  };
}

test('guess: Caffe "data" input → caffe; Keras VGG BGR-meansub → Keras means; PyTorch → torch; NHWC → tf', () => {
  const size = { width: 224, height: 224 };
  assert.equal(guessPreprocess(fakeModel('data', ['Conv']), { name: 'data', layout: 'NCHW' }, 'x.onnx', size).preset, 'caffe');
  const vgg = guessPreprocess(fakeModel('input_bgr_meansub', ['Conv']), { name: 'input_bgr_meansub', layout: 'NCHW' }, 'vgg19.onnx', size);
  assert.equal(vgg.channelOrder, 'BGR');
  assert.deepEqual(vgg.mean, KERAS_CAFFE_MEAN);
  assert.equal(guessPreprocess(fakeModel('input', ['Conv'], 'pytorch'), { name: 'input', layout: 'NCHW' }, 'r.onnx', size).preset, 'torch');
  const tf = guessPreprocess(fakeModel('input_1', ['Conv'], 'tf2onnx'), { name: 'input_1', layout: 'NHWC' }, 'm.onnx', size);
  assert.equal(tf.preset, 'tf');
  assert.equal(tf.layout, 'NHWC');
  assert.equal(guessPreprocess(fakeModel('inputImage', ['ImageScaler', 'Conv'], 'OnnxMLTools'), { name: 'inputImage', layout: 'NCHW' }, 'candy.onnx', size).preset, 'raw255');
  // sizes say something too: 227 is Caffe's AlexNet/SqueezeNet crop, 299 Keras Inception v3
  assert.equal(guessPreprocess(fakeModel('input', ['Conv']), { name: 'input', layout: 'NCHW' }, 'alex.onnx', { width: 227, height: 227 }).preset, 'caffe');
  assert.equal(guessPreprocess(fakeModel('input', ['Conv']), { name: 'input', layout: 'NCHW' }, 'inc.onnx', { width: 299, height: 299 }).preset, 'tf');
  assert.equal(guessPreprocess(fakeModel('input', ['Conv'], 'pytorch'), { name: 'input', layout: 'NCHW' }, 'inc.onnx', { width: 299, height: 299 }).preset, 'torch');
});

test('one table: every preset is a full Preprocess, copies are independent, key order as stored before', () => {
  for (const name of PRESET_NAMES) {
    const p = preset(name, 10, 20, 'NHWC');
    assert.equal(p.preset, name);
    assert.deepEqual(pixelSpace(p), PRESETS[name]);
    assert.deepEqual([p.width, p.height, p.layout, p.resize], [10, 20, 'NHWC', 'stretch']);
    p.mean[0] = 999;
    assert.notEqual(PRESETS[name].mean[0], 999, 'preset() hands out copies');
  }
  assert.deepEqual(Object.keys(preset('torch')), ['preset', 'channelOrder', 'rangeMin', 'rangeMax', 'mean', 'std', 'width', 'height', 'layout', 'resize']);
  assert.deepEqual(Object.keys(pixelSpace(preset('caffe'))), ['channelOrder', 'rangeMin', 'rangeMax', 'mean', 'std']);
  assert.throws(() => preset('nope' as 'torch'), /unknown preprocessing preset "nope"/);
});

test('affine: per model channel scale, offset and source RGB channel; validRange is its image of 0..255', () => {
  const caffe = affine(PRESETS.caffe);
  assert.deepEqual(caffe, { scale: [1, 1, 1], offset: [-104, -117, -123], source: [2, 1, 0] });
  assert.deepEqual(validRange(PRESETS.caffe), { lo: [-104, -117, -123], hi: [151, 138, 132] });
  const torch = affine(PRESETS.torch);
  close(torch.scale[0], 1 / 255 / 0.229);
  close(torch.offset[2], -0.406 / 0.225);
  assert.deepEqual(torch.source, [0, 1, 2]);
  const tf = validRange(PRESETS.tf);
  assert.deepEqual(tf, { lo: [-1, -1, -1], hi: [1, 1, 1] });
  // a negative std flips the range, which validRange orders
  const flipped = validRange({ ...PRESETS.raw01, std: [-1, 1, 1] });
  assert.deepEqual([flipped.lo[0], flipped.hi[0]], [-1, -0]);
  for (const name of PRESET_NAMES) {
    const v = toModel(PRESETS[name], [255, 0, 128]);
    toPixel(PRESETS[name], v).forEach((px, i) => close(px, [255, 0, 128][i]!));
  }
  assert.deepEqual(toModel(PRESETS.caffe, [255, 0, 128]), [128 - 104, 0 - 117, 255 - 123]);
});

test('planes (dreams) and tensors (classification, attribution) are the same map', () => {
  const rgb = { width: 2, height: 1, data: Uint8Array.from([255, 0, 128, 10, 20, 30]) };
  for (const name of PRESET_NAMES) {
    const p = preset(name, 2, 1);
    const planes = toPlanar(rgb, p);
    const t = imageToTensor({ ...rgb, data: Float32Array.from(rgb.data) }, p);
    assert.deepEqual(Array.from(planes.data), Array.from(t.data), name);
    assert.deepEqual(Array.from(fromPlanar(planes, p).data), Array.from(rgb.data), `${name} round trip`);
    subtractPhoto(planes, rgb, p);
    assert.ok(planes.data.every((v) => Math.abs(v) < 1e-6), `${name} subtract`);
  }
});
