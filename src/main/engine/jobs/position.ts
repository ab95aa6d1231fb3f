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

/**
 * The position a checkpoint PNG carries, with every one of `keys`; undefined for older rows, JPEG previews,
 * anything unreadable and a position without one of them. Whether the numbers fit the run is the engine's
 * check (each loop's own), not this one's.
 */
export function positionOf<K extends string>(frame: Uint8Array, keys: readonly K[]): Record<K, number> | undefined {
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
    const p = Object.fromEntries(entries) as JobPosition;
    return keys.every((k) => p[k] !== undefined) ? (p as Record<K, number>) : undefined;
  } catch {
    return undefined;
  }
}
