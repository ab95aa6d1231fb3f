// Photo ↔ model space for DeepDream. Uses only the fields of the contract's Preprocess that matter
// for a fully convolutional run (channel order, value range, mean, std): dreaming keeps the photo's
// own size, so width/height/resize of the preset are ignored on purpose.
import sharp from 'sharp';
import type { Preprocess } from '../../../shared/contract';
import { MAX_PIXELS } from '../image/image';
import { planar, type Planar } from './planar';

export type PixelSpace = Pick<Preprocess, 'channelOrder' | 'rangeMin' | 'rangeMax' | 'mean' | 'std'>;

/** Caffe's BVLC models (GoogLeNet of the original DeepDream): BGR 0..255 minus the ImageNet mean. */
export const CAFFE_SPACE: PixelSpace = { channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1] };

export const PIXEL_PRESETS: Record<string, PixelSpace> = {
  caffe: CAFFE_SPACE,
  torch: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  tf: { channelOrder: 'RGB', rangeMin: -1, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw01: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  raw255: { channelOrder: 'RGB', rangeMin: 0, rangeMax: 255, mean: [0, 0, 0], std: [1, 1, 1] },
};

/** RGB bytes, 3 per pixel, row-major: what sharp decodes to. */
export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decode any image sharp reads, turned upright by its EXIF orientation, alpha dropped — as bytes, not the
 * image module's float RGB: a 24-MP photo is 72 MB this way instead of 288 MB.
 */
export async function decodeRgb(input: string | Uint8Array, label = typeof input === 'string' ? input : 'image'): Promise<Rgb> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_PIXELS })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw new Error(`cannot read image ${label}: ${(e as Error).message}`);
  }
}

/** High-quality downscale of RGB bytes (sharp's Lanczos): the octave pyramid is built from the photo itself. */
export async function resizeRgb(img: Rgb, width: number, height: number): Promise<Rgb> {
  if (width === img.width && height === img.height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: 1 << 28 })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The [lo, hi] each model-space channel takes for real pixels (0..255): the dream is clipped to it. */
export function validRange(space: PixelSpace): { lo: number[]; hi: number[] } {
  const lo: number[] = [], hi: number[] = [];
  for (let c = 0; c < 3; c++) {
    const a = (space.rangeMin - space.mean[c]) / space.std[c];
    const b = (space.rangeMax - space.mean[c]) / space.std[c];
    lo.push(Math.min(a, b));
    hi.push(Math.max(a, b));
  }
  return { lo, hi };
}

/** RGB bytes → model space planes (channel order, range, mean, std of `space`). */
export function toPlanar(img: Rgb, space: PixelSpace, out?: Planar): Planar {
  const { width: w, height: h } = img;
  const dst = out ?? planar(3, h, w);
  const plane = w * h;
  const scale = (space.rangeMax - space.rangeMin) / 255;
  for (let c = 0; c < 3; c++) {
    const src = space.channelOrder === 'BGR' ? 2 - c : c;
    const m = space.mean[c], s = space.std[c], o = c * plane;
    for (let i = 0; i < plane; i++) dst.data[o + i] = (img.data[i * 3 + src] * scale + space.rangeMin - m) / s;
  }
  return dst;
}

/** dst −= toPlanar(img) without allocating the second image (a 24-MP float copy is 288 MB). */
export function subtractPhoto(dst: Planar, img: Rgb, space: PixelSpace): void {
  const plane = img.width * img.height;
  if (dst.c !== 3 || dst.h !== img.height || dst.w !== img.width) throw new Error('subtractPhoto: sizes differ');
  const scale = (space.rangeMax - space.rangeMin) / 255;
  for (let c = 0; c < 3; c++) {
    const src = space.channelOrder === 'BGR' ? 2 - c : c;
    const m = space.mean[c], s = space.std[c], o = c * plane;
    for (let i = 0; i < plane; i++) dst.data[o + i] -= (img.data[i * 3 + src] * scale + space.rangeMin - m) / s;
  }
}

/** Model space planes → RGB bytes, rounded and clamped. */
export function fromPlanar(img: Planar, space: PixelSpace): Rgb {
  const { w, h } = img;
  const plane = w * h;
  const data = new Uint8Array(plane * 3);
  const inv = 255 / (space.rangeMax - space.rangeMin);
  for (let c = 0; c < 3; c++) {
    const dstC = space.channelOrder === 'BGR' ? 2 - c : c;
    const m = space.mean[c], s = space.std[c], o = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = Math.round((img.data[o + i] * s + m - space.rangeMin) * inv);
      data[i * 3 + dstC] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: w, height: h, data };
}
