// The attack's images as files and frames: planar 0..255 pixels ↔ interleaved RGB, the 8-bit PNGs the
// run keeps (original, adversarial with its settings in a text chunk, the amplified difference), the PNG
// decoded back for the 8-bit check, and the live preview (adversarial | difference, side by side).
import sharp from 'sharp';
import { addPngText } from '../image/image';
import type { RgbImage } from '../image/image';
import type { RgbFrame } from '../jobs/control';
import type { PixelImage } from './attack';

/** The PNG text key holding an adversarial example's settings and outcome. */
export const ADVERSARIAL_TEXT_KEY = 'featurescope:adversarial';

/** Interleaved float RGB (decodeResized's output) → planar pixels. */
export function planarPixels(img: RgbImage | RgbFrame): PixelImage {
  const hw = img.width * img.height;
  const data = new Float32Array(3 * hw);
  for (let i = 0; i < hw; i++) for (let c = 0; c < 3; c++) data[c * hw + i] = img.data[i * 3 + c]!;
  return { width: img.width, height: img.height, data };
}

/** Planar pixels → interleaved 8-bit RGB, rounded and clipped to 0..255 (what a PNG holds). */
export function toBytes(p: PixelImage, map: (v: number, i: number) => number = (v) => v): RgbFrame {
  const hw = p.width * p.height;
  const data = new Uint8Array(3 * hw);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(map(p.data[c * hw + i]!, c * hw + i));
      data[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: p.width, height: p.height, data };
}

export async function encodePngBytes(f: RgbFrame, text?: Record<string, string>): Promise<Uint8Array> {
  const png = new Uint8Array(await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } }).png().toBuffer());
  return text ? addPngText(png, text) : png;
}

/** A PNG's pixels, planar; it must be width×height (the 8-bit check reads back exactly what was written). */
export async function decodePng(png: Uint8Array, width: number, height: number, what: string): Promise<PixelImage> {
  const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`${what} is ${info.width}×${info.height}×${info.channels}, not ${width}×${height}×3`);
  }
  return planarPixels({ width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
}

/** The gain that shows a change of `linf` levels at full contrast (mid-grey ± 127). */
export function diffGain(linf: number): number {
  return linf > 0 ? 127 / linf : 1;
}

/** Mid-grey plus the change amplified: 128 + gain · (adversarial − original). */
export function differenceFrame(original: PixelImage, adversarial: PixelImage, gain: number): RgbFrame {
  return toBytes(adversarial, (v, k) => 128 + gain * (v - original.data[k]!));
}

/** The preview: the image the model saw and the difference (at ε's gain), side by side with a 4 px gap. */
export function previewFrame(original: PixelImage, adversarial: PixelImage, eps: number): RgbFrame {
  const a = toBytes(adversarial), d = differenceFrame(original, adversarial, diffGain(eps));
  const gap = 4, w = a.width, h = a.height, W = 2 * w + gap;
  const data = new Uint8Array(W * h * 3).fill(255);
  for (let y = 0; y < h; y++) {
    data.set(a.data.subarray(y * w * 3, (y + 1) * w * 3), y * W * 3);
    data.set(d.data.subarray(y * w * 3, (y + 1) * w * 3), (y * W + w + gap) * 3);
  }
  return { width: W, height: h, data };
}
