// Feature visualization images as files that document themselves, like a dream's: a PNG whose text chunk
// "featurescope:featurevis" holds the settings as they ran and the item it shows (JSON), so the picture
// can be rendered again from the file alone.
import sharp from 'sharp';
import type { FeatureItem } from '../../../shared/jobs/featurevis';
import { addPngText, readPngText } from '../image/image';
import type { RgbFrame } from '../jobs/control';

export const FEATUREVIS_TEXT_KEY = 'featurescope:featurevis';

export interface FeaturevisRecord {
  kind: 'featurevis';
  version: 1;
  /** the run's settings as they ran (preset resolved, seed drawn, preprocessing) */
  settings: Record<string, unknown>;
  /** the item shown (absent for a grid of all the run's items) */
  item?: { index: number; label: string; spec: FeatureItem; objective: number; objectiveStart: number };
  /** a grid: its items in order, `cols` per row */
  grid?: { cols: number; items: { index: number; label: string; objective: number }[] };
  model: { name: string; sha256: string };
  provider: string;
  status: 'done' | 'cancelled';
  createdAt: string;
}

export async function encodeFeaturevisPng(img: RgbFrame, record?: FeaturevisRecord): Promise<Uint8Array> {
  const png = new Uint8Array(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer());
  return record ? addPngText(png, { Software: 'Featurescope', [FEATUREVIS_TEXT_KEY]: JSON.stringify(record) }) : png;
}

/** The record of a PNG written by encodeFeaturevisPng, or undefined. */
export function readFeaturevisRecord(png: Uint8Array): FeaturevisRecord | undefined {
  const t = readPngText(png)[FEATUREVIS_TEXT_KEY];
  if (!t) return undefined;
  const r = JSON.parse(t) as FeaturevisRecord;
  return r?.kind === 'featurevis' ? r : undefined;
}

/** RGB pixels of a PNG (for assembling grids from stored items) */
export async function decodePngRgb(png: Uint8Array): Promise<RgbFrame> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
