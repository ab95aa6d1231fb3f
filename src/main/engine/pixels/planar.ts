// Float images in a model's own space, one batch item: C planes of H×W float32 (NCHW without N), and
// the conversions between them and RGB bytes through a pixel space. Every conversion goes through the
// one pixel → model map (`affine` in src/shared/pixels.ts) and writes into a caller-owned buffer where
// it can: a 24-MP float image is 288 MB, so an extra copy is a real cost.
import { affine, type PixelSpace } from '../../../shared/pixels';
import type { Rgb } from './rgb';

export interface Planar {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

export function planar(c: number, h: number, w: number, data?: Float32Array): Planar {
  const n = c * h * w;
  if (data && data.length !== n) throw new Error(`planar image ${c}×${h}×${w} needs ${n} values, got ${data.length}`);
  return { c, h, w, data: data ?? new Float32Array(n) };
}

/** RGB bytes → model-space planes (3 channels in the space's order). */
export function toPlanar(img: Rgb, space: PixelSpace, out?: Planar): Planar {
  const { width: w, height: h } = img;
  const dst = out ?? planar(3, h, w);
  if (dst.c !== 3 || dst.h !== h || dst.w !== w) throw new Error('toPlanar: output buffer has the wrong shape');
  const plane = w * h;
  const { scale, offset, source } = affine(space);
  for (let c = 0; c < 3; c++) {
    const k = scale[c], b = offset[c], src = source[c], o = c * plane;
    for (let i = 0; i < plane; i++) dst.data[o + i] = img.data[i * 3 + src] * k + b;
  }
  return dst;
}

/** dst −= toPlanar(img) without allocating the second image. */
export function subtractPhoto(dst: Planar, img: Rgb, space: PixelSpace): void {
  const plane = img.width * img.height;
  if (dst.c !== 3 || dst.h !== img.height || dst.w !== img.width) throw new Error('subtractPhoto: sizes differ');
  const { scale, offset, source } = affine(space);
  for (let c = 0; c < 3; c++) {
    const k = scale[c], b = offset[c], src = source[c], o = c * plane;
    for (let i = 0; i < plane; i++) dst.data[o + i] -= img.data[i * 3 + src] * k + b;
  }
}

/** Model-space planes → RGB bytes, rounded and clamped. */
export function fromPlanar(img: Planar, space: PixelSpace): Rgb {
  const { w, h } = img;
  const plane = w * h;
  const data = new Uint8Array(plane * 3);
  const { scale, offset, source } = affine(space);
  for (let c = 0; c < 3; c++) {
    const inv = 1 / scale[c], b = offset[c], dst = source[c], o = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = Math.round((img.data[o + i] - b) * inv);
      data[i * 3 + dst] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: w, height: h, data };
}
