// Where in its work a job's checkpoint image was taken ([Note: unfinished runs]): a few numbers a recipe
// chooses (a dream: octave, step within it, seed), written into the checkpoint PNG's text chunk by the
// worker and read back by the recipe's resume hook, so Resume does the steps that were left, not all again.
import { addPngText, readPngText } from '../image/image';

/** Numbers only: the checkpoint row is written by one engine and may be resumed by another version. */
export type JobPosition = Record<string, number>;

const KEY = 'featurescope:position';

export function withPosition(png: Uint8Array, position: JobPosition): Uint8Array {
  return addPngText(png, { [KEY]: JSON.stringify(position) });
}

/** The position a checkpoint PNG carries; undefined for older rows, JPEG previews and anything unreadable. */
export function positionOf(frame: Uint8Array): JobPosition | undefined {
  let text: Record<string, string>;
  try {
    text = readPngText(frame);
  } catch {
    return undefined;
  }
  const raw = text[KEY];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.every(([, n]) => typeof n === 'number' && Number.isFinite(n))) return undefined;
    return Object.fromEntries(entries) as JobPosition;
  } catch {
    return undefined;
  }
}
