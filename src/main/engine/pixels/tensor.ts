// Preprocessing: how an RGB photo becomes the tensor a model expects, made explicit (the contract's
// `Preprocess`), with the usual presets and a guess from the model that the person can correct.
//
// A pixel value p in 0..255 becomes v = rangeMin + p/255·(rangeMax − rangeMin), then (v − mean[c]) / std[c],
// with channels in `channelOrder` (mean/std are listed in that order too).
import type { Preprocess } from '../../../shared/contract';
import type { Model } from '../onnx/model';
import type { RgbImage } from './image';

export type PresetName = 'torch' | 'caffe' | 'tf' | 'raw01' | 'raw255';
export const PRESET_NAMES: PresetName[] = ['torch', 'caffe', 'tf', 'raw01', 'raw255'];

const BASE: Record<PresetName, Omit<Preprocess, 'width' | 'height' | 'layout' | 'resize'>> = {
  // torchvision: RGB in 0..1, ImageNet mean/std
  torch: { preset: 'torch', channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  // Caffe (BVLC GoogLeNet, SqueezeNet): BGR in 0..255 minus the per-channel mean, in B,G,R order
  caffe: { preset: 'caffe', channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1] },
  // TensorFlow / Keras "inception" style: RGB in −1..1
  tf: { preset: 'tf', channelOrder: 'RGB', rangeMin: -1, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw01: { preset: 'raw01', channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw255: { preset: 'raw255', channelOrder: 'RGB', rangeMin: 0, rangeMax: 255, mean: [0, 0, 0], std: [1, 1, 1] },
};

/** Keras VGG16/19 ("caffe" mode in keras.applications) uses these exact BGR means. */
export const KERAS_CAFFE_MEAN: [number, number, number] = [103.939, 116.779, 123.68];

export function preset(name: PresetName, width = 224, height = width, layout: 'NCHW' | 'NHWC' = 'NCHW'): Preprocess {
  const b = BASE[name];
  if (!b) throw new Error(`unknown preprocessing preset "${name}"; use one of ${PRESET_NAMES.join(', ')}`);
  return { ...b, mean: [...b.mean], std: [...b.std], width, height, layout, resize: 'stretch' };
}

/**
 * A best guess from what the file says about itself. Caffe-converted models name their input `data`,
 * use LRN, or say "caffe" in the producer; Keras/TF models are NHWC; PyTorch exports say so.
 */
export function guessPreprocess(
  m: Model,
  img: { name: string; layout: 'NCHW' | 'NHWC' },
  fileName: string,
  size: { width: number; height: number },
): Preprocess {
  const producer = `${m.producerName} ${m.producerVersion}`.toLowerCase();
  const input = img.name.toLowerCase();
  const ops = new Set(m.graph.nodes.map((n) => n.opType));
  const hint = `${fileName} ${m.graph.name} ${m.docString}`.toLowerCase();
  let p: Preprocess;
  if (input.includes('bgr') && (input.includes('meansub') || input.includes('mean'))) {
    p = preset('caffe', size.width, size.height, img.layout);
    if (/vgg/.test(hint) || /keras/.test(producer)) p.mean = [...KERAS_CAFFE_MEAN];
  } else if (input === 'data' || producer.includes('caffe') || ops.has('LRN') || (size.width === 227 && size.height === 227 && !/pytorch/.test(producer))) {
    // 227×227 is the Caffe AlexNet/SqueezeNet crop
    p = preset('caffe', size.width, size.height, img.layout);
  } else if (ops.has('ImageScaler') || input.includes('bgr')) {
    // The model scales its own input (style-transfer nets): it wants plain 0..255 pixels.
    p = preset('raw255', size.width, size.height, img.layout);
    if (input.includes('bgr') || /onnxmltools|coreml/.test(producer)) p.channelOrder = 'BGR';
  } else if (img.layout === 'NHWC' || /tf2onnx|keras|tensorflow/.test(producer) || (size.width === 299 && !/pytorch/.test(producer))) {
    // 299×299 is the Keras/TF Inception v3 / Xception size
    p = preset('tf', size.width, size.height, img.layout);
  } else {
    p = preset('torch', size.width, size.height, img.layout);
  }
  return p;
}

/** Per-channel affine map pixel(0..255) → model value, in the model's channel order. */
function affine(p: Preprocess): { scale: number[]; offset: number[] } {
  const k = (p.rangeMax - p.rangeMin) / 255;
  return {
    scale: [0, 1, 2].map((c) => k / p.std[c]!),
    offset: [0, 1, 2].map((c) => (p.rangeMin - p.mean[c]!) / p.std[c]!),
  };
}

export interface ModelTensor {
  data: Float32Array;
  dims: number[];
}

/** An RGB image already at width×height → [1,3,H,W] or [1,H,W,3] float tensor (1 channel: luma). */
export function imageToTensor(img: RgbImage, p: Preprocess, channels: 1 | 3 = 3): ModelTensor {
  if (img.width !== p.width || img.height !== p.height) {
    throw new Error(`imageToTensor: image is ${img.width}×${img.height} but preprocessing expects ${p.width}×${p.height}; resize first`);
  }
  const { scale, offset } = affine(p);
  const hw = p.width * p.height;
  const out = new Float32Array(hw * channels);
  const order = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < channels; c++) {
      const px = channels === 1
        ? 0.299 * img.data[i * 3]! + 0.587 * img.data[i * 3 + 1]! + 0.114 * img.data[i * 3 + 2]!
        : img.data[i * 3 + order[c]!]!;
      const v = px * scale[c]! + offset[c]!;
      if (p.layout === 'NCHW') out[c * hw + i] = v;
      else out[i * channels + c] = v;
    }
  }
  return { data: out, dims: p.layout === 'NCHW' ? [1, channels, p.height, p.width] : [1, p.height, p.width, channels] };
}

/** The inverse of imageToTensor: a model-space tensor (batch 0) back to RGB pixels 0..255 (unclamped). */
export function tensorToImage(t: ModelTensor, p: Preprocess): RgbImage {
  const [, a, b, c] = t.dims as [number, number, number, number];
  const channels = p.layout === 'NCHW' ? a : c;
  const height = p.layout === 'NCHW' ? b : a;
  const width = p.layout === 'NCHW' ? c : b;
  const { scale, offset } = affine(p);
  const hw = width * height;
  const data = new Float32Array(hw * 3);
  const order = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let i = 0; i < hw; i++) {
    for (let k = 0; k < 3; k++) {
      const mc = channels === 1 ? 0 : k;
      const v = p.layout === 'NCHW' ? t.data[mc * hw + i]! : t.data[i * channels + mc]!;
      // model channel k holds RGB channel order[k]
      data[i * 3 + (channels === 1 ? k : order[k]!)] = (v - offset[mc]!) / scale[mc]!;
    }
  }
  return { width, height, data };
}
