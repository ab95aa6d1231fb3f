// The photos of a style job at a stage's size. The reference resizes with PIL's bicubic filter; sharp's
// 'cubic' kernel (Catmull-Rom, antialiased when shrinking) is the nearest of libvips' kernels, so the
// targets match the reference's to about a pixel level.
import sharp from 'sharp';
import { decodeRgb, type Rgb } from '../pixels/index';

/** Width and height of a `width`×`height` picture scaled so its long side is `long` (the reference's rounding). */
export function longSide(width: number, height: number, long: number): { width: number; height: number } {
  const s = long / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

export async function resizeCubic(img: Rgb, width: number, height: number): Promise<Rgb> {
  if (width === img.width && height === img.height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: 1 << 28 })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Decode a photo; the error names it (`label`: the photo's name or file). */
export async function decodePhoto(bytes: Uint8Array, label: string): Promise<Rgb> {
  return decodeRgb(bytes, label);
}
