// Photos as RGB bytes: decoding any image sharp reads and high-quality resizing. Bytes, not floats: a
// 24-MP photo is 72 MB this way instead of 288 MB, so long runs (dreams) keep the photo like this and
// convert to model space (planar.ts) one octave or tile at a time.
import sharp from 'sharp';
import { MAX_PIXELS } from '../image/image';

/** RGB bytes, 3 per pixel, row-major: what sharp decodes to. */
export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decode any image sharp reads, turned upright by its EXIF orientation, alpha dropped. */
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

/** High-quality downscale of RGB bytes (sharp's Lanczos): a dream's octave pyramid is built from the photo itself. */
export async function resizeRgb(img: Rgb, width: number, height: number): Promise<Rgb> {
  if (width === img.width && height === img.height) return img;
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: 1 << 28 })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
