// The classic DeepDream zoom loop: each frame dreams on the previous frame, zoomed in a little about
// its centre, so the patterns grow into new ones ("Dream again" repeated).
import sharp from 'sharp';
import type { Rgb } from '../pixels/rgb';

/** Crop the centre 1/factor of the image and scale it back to full size. */
export async function zoomIn(img: Rgb, factor: number): Promise<Rgb> {
  if (!(factor >= 1 && factor <= 4)) throw new Error(`zoom factor must be in [1, 4], got ${factor}`);
  const w = Math.max(1, Math.round(img.width / factor)), h = Math.max(1, Math.round(img.height / factor));
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left: Math.floor((img.width - w) / 2), top: Math.floor((img.height - h) / 2), width: w, height: h })
    .resize(img.width, img.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width: img.width, height: img.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
