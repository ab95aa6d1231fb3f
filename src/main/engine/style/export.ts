// A style result's PNG carries everything needed to run it again: the settings as they ran (layers
// resolved, seed drawn), the loss network, the photos and the final losses, as JSON in a text chunk
// "featurescope:style"; a JPEG export carries the same JSON in its XMP packet.
import sharp from 'sharp';
import type { StyleLosses } from '../../../shared/jobs/style';
import { addPngText, readJpegXmp, readPngText, xmpPacket } from '../image/image';
import type { Rgb } from '../pixels/index';

export const STYLE_TEXT_KEY = 'featurescope:style';
/** a fast-style result's PNG text chunk (its settings, network and photo) */
export const STYLIZE_TEXT_KEY = 'featurescope:stylize';

export interface StyleRecord {
  kind: 'style';
  version: 1;
  settings: Record<string, unknown>;
  model: { name?: string; sha256?: string };
  content?: { name?: string; sha256?: string };
  styles: { name?: string; sha256?: string; weight: number }[];
  provider: string;
  status: 'done' | 'cancelled';
  losses: StyleLosses;
  totalMs: number;
  createdAt: string;
}

export async function encodeStyle(img: Rgb, format: 'png' | 'jpeg', record?: StyleRecord): Promise<Uint8Array> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: 1 << 28 });
  if (format === 'jpeg') {
    const withRecord = record ? s.withXmp(xmpPacket({ style: JSON.stringify(record) })) : s;
    return new Uint8Array(await withRecord.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer());
  }
  const png = new Uint8Array(await s.png({ compressionLevel: 6 }).toBuffer());
  return record ? addPngText(png, { Software: 'Featurescope', [STYLE_TEXT_KEY]: JSON.stringify(record) }) : png;
}

/** The style record of a PNG or JPEG written by encodeStyle, or undefined. */
export function readStyleRecord(file: Uint8Array): StyleRecord | undefined {
  const t = file[0] === 0xff && file[1] === 0xd8 ? readJpegXmp(file).style : readPngText(file)[STYLE_TEXT_KEY];
  if (!t) return undefined;
  const r = JSON.parse(t) as StyleRecord;
  return r && r.kind === 'style' ? r : undefined;
}
