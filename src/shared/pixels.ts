// Pixel space: how an RGB photo's 0..255 values become a model's input values — the one definition,
// pure (no Node, no sharp) so the renderer's preprocessing editor reads the same presets the engine
// runs. A pixel value p becomes v = rangeMin + p/255·(rangeMax − rangeMin), then (v − mean[c]) / std[c],
// with the model's channels in `channelOrder` (mean and std are listed in that order too).
// The engine side (decoding, tensors, planes, the preset guess) is src/main/engine/pixels/.
import type { Preprocess } from './contract';

/** The part of a Preprocess that maps values (size, layout and resize are about geometry). */
export type PixelSpace = Pick<Preprocess, 'channelOrder' | 'rangeMin' | 'rangeMax' | 'mean' | 'std'>;

export type PresetName = Exclude<Preprocess['preset'], 'custom'>;
export const PRESET_NAMES: readonly PresetName[] = ['torch', 'caffe', 'tf', 'raw01', 'raw255'];

/** The standard recipes. */
export const PRESETS: Readonly<Record<PresetName, Readonly<PixelSpace>>> = {
  // torchvision: RGB in 0..1, ImageNet mean/std
  torch: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  // Caffe (BVLC GoogLeNet — the original DeepDream's network —, SqueezeNet): BGR in 0..255 minus the mean, in B,G,R order
  caffe: { channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1] },
  // TensorFlow / Keras "inception" style: RGB in −1..1
  tf: { channelOrder: 'RGB', rangeMin: -1, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw01: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw255: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 255, mean: [0, 0, 0], std: [1, 1, 1] },
};

/** Keras VGG16/19 ("caffe" mode in keras.applications) uses these exact BGR means. */
export const KERAS_CAFFE_MEAN: [number, number, number] = [103.939, 116.779, 123.68];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** A fresh copy of a preset's pixel space (callers may change it: the Keras means, a channel order). */
export function presetSpace(name: PresetName): PixelSpace {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preprocessing preset "${name}"; use one of ${PRESET_NAMES.join(', ')}`);
  return { channelOrder: p.channelOrder, rangeMin: p.rangeMin, rangeMax: p.rangeMax, mean: [...p.mean], std: [...p.std] };
}

/** A whole Preprocess for a preset at a size. */
export function preset(name: PresetName, width = 224, height = width, layout: Preprocess['layout'] = 'NCHW'): Preprocess {
  // key order as projects have always stored it (JSON comparisons see it)
  return { preset: name, ...presetSpace(name), width, height, layout, resize: 'stretch' };
}

/** Just the pixel-space fields of a Preprocess (or of anything that has them): what a worker message or a cache key needs. */
export function pixelSpace(p: PixelSpace): PixelSpace {
  return { channelOrder: p.channelOrder, rangeMin: p.rangeMin, rangeMax: p.rangeMax, mean: [...p.mean], std: [...p.std] };
}

/**
 * The pixel → model map per model channel c: value = pixel[source[c]] · scale[c] + offset[c], with pixel
 * in 0..255 and source[c] the RGB channel (0 = R) that model channel c reads.
 */
export interface Affine {
  scale: [number, number, number];
  offset: [number, number, number];
  source: [number, number, number];
}

export function affine(space: PixelSpace): Affine {
  const k = (space.rangeMax - space.rangeMin) / 255;
  const s = space.std;
  return {
    scale: [k / s[0], k / s[1], k / s[2]],
    offset: [(space.rangeMin - space.mean[0]) / s[0], (space.rangeMin - space.mean[1]) / s[1], (space.rangeMin - space.mean[2]) / s[2]],
    source: space.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2],
  };
}

/** The [lo, hi] each model channel takes for real pixels (0..255): what a dream is clipped to. */
export function validRange(space: PixelSpace): { lo: number[]; hi: number[] } {
  const { scale, offset } = affine(space);
  const lo: number[] = [], hi: number[] = [];
  for (let c = 0; c < 3; c++) {
    const a = offset[c]!, b = offset[c]! + 255 * scale[c]!;
    lo.push(Math.min(a, b));
    hi.push(Math.max(a, b));
  }
  return { lo, hi };
}

/** An RGB colour (0..255) in model space, model channel order. */
export function toModel(space: PixelSpace, rgb: readonly [number, number, number]): [number, number, number] {
  const { scale, offset, source } = affine(space);
  return [0, 1, 2].map((c) => rgb[source[c]!]! * scale[c]! + offset[c]!) as [number, number, number];
}

/** A model-space value triple (model channel order) as an RGB colour, unclamped. */
export function toPixel(space: PixelSpace, v: readonly [number, number, number]): [number, number, number] {
  const { scale, offset, source } = affine(space);
  const rgb: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) rgb[source[c]!] = (v[c]! - offset[c]!) / scale[c]!;
  return rgb;
}
