// Raw map exports: NumPy .npy (format 1.0, little-endian float32, C order) for any map, CSV for small
// 2-D maps (one image row per line).
import type { AttributionResult } from './types';
import { reduceChannels } from '../../../shared/colormap';

export function toNpy(data: Float32Array, shape: readonly number[]): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic(6) + version(2) + header length(2) + header, padded with spaces to a multiple of 64, ending in \n
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + data.length * 4);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1; out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i]!, 10 + header.length + i * 4);
  return out;
}

/** Read back what toNpy wrote (float32 little-endian, C order) — for tests and re-opening exports. */
export function fromNpy(buf: Buffer): { data: Float32Array; shape: number[] } {
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error('not a .npy file (bad magic)');
  const hlen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + hlen);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) throw new Error(`unsupported .npy layout: ${header.trim()}`);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(10 + hlen + i * 4);
  return { data, shape };
}

/** Maps up to this many values export as CSV; bigger ones only as .npy. */
export const CSV_MAX_VALUES = 256 * 256;

/** The channel-summed H×W map as CSV, one image row per line. */
export function toCsv(result: Pick<AttributionResult, 'map' | 'shape'>): string {
  const { data, h, w } = reduceChannels(result.map, result.shape);
  if (h * w > CSV_MAX_VALUES) throw new Error(`the map is ${h}×${w}; CSV export is for maps of at most ${CSV_MAX_VALUES} values — use .npy`);
  const lines: string[] = [];
  for (let y = 0; y < h; y++) lines.push(Array.from(data.subarray(y * w, (y + 1) * w), (v) => String(v)).join(','));
  return lines.join('\n') + '\n';
}
