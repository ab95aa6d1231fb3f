// Full-resolution export of a dream. The file carries everything needed to run it again, so a result
// documents itself: a PNG in a text chunk (key "featurescope:dream", JSON), a JPEG in its XMP packet
// (property featurescope:dream, the same JSON).
import sharp, { type Sharp } from 'sharp';
import type { Rgb } from '../pixels/rgb';
import { addPngText, readJpegXmp, readPngText, xmpPacket } from '../image/image';

export const DREAM_TEXT_KEY = 'featurescope:dream';

/** What goes into the PNG: settings as run plus provenance (model sha256, provider, timings…). */
export interface DreamRecord {
  kind: 'dream';
  version: 1;
  settings: Record<string, unknown>;
  model: { name?: string; sha256?: string };
  photo?: { name?: string; sha256?: string; width: number; height: number };
  provider: string;
  status: 'done' | 'cancelled';
  objectiveBefore?: number;
  objectiveAfter?: number;
  totalMs: number;
  createdAt: string;
}

export async function encodeDream(img: Rgb, format: 'png' | 'jpeg', record?: DreamRecord): Promise<Uint8Array> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 }, limitInputPixels: 1 << 28 });
  if (format === 'jpeg') return jpegWithRecord(s, record);
  const png = new Uint8Array(await s.png({ compressionLevel: 6 }).toBuffer());
  return record ? addPngText(png, { Software: 'Featurescope', [DREAM_TEXT_KEY]: JSON.stringify(record) }) : png;
}

/** A JPEG of a dream PNG (as stored with a run) that keeps the PNG's record, in its XMP packet. */
export async function dreamPngToJpeg(png: Uint8Array): Promise<Uint8Array> {
  return jpegWithRecord(sharp(png, { limitInputPixels: 1 << 28 }), readDreamRecord(png));
}

async function jpegWithRecord(s: Sharp, record: DreamRecord | undefined): Promise<Uint8Array> {
  const withRecord = record ? s.withXmp(xmpPacket({ dream: JSON.stringify(record) })) : s;
  return new Uint8Array(await withRecord.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer());
}

/** The dream record of a PNG or JPEG written by encodeDream, or undefined when it has none. */
export function readDreamRecord(file: Uint8Array): DreamRecord | undefined {
  const t = file[0] === 0xff && file[1] === 0xd8 ? readJpegXmp(file).dream : readPngText(file)[DREAM_TEXT_KEY];
  if (!t) return undefined;
  const r = JSON.parse(t) as DreamRecord;
  return r && r.kind === 'dream' ? r : undefined;
}

/** The record saved with a result: the resolved settings plus where it came from. */
export function dreamRecord(
  o: { status: 'done' | 'cancelled'; settings: object; provider: string; objectiveBefore?: number; objectiveAfter?: number; timings: { totalMs: number } },
  src: { modelName?: string; modelSha256?: string; photoName?: string; photoSha256?: string; width: number; height: number },
): DreamRecord {
  return {
    kind: 'dream',
    version: 1,
    settings: { ...o.settings },
    model: { name: src.modelName, sha256: src.modelSha256 },
    photo: { name: src.photoName, sha256: src.photoSha256, width: src.width, height: src.height },
    provider: o.provider,
    status: o.status,
    objectiveBefore: o.objectiveBefore,
    objectiveAfter: o.objectiveAfter,
    totalMs: Math.round(o.timings.totalMs),
    createdAt: new Date().toISOString(),
  };
}
