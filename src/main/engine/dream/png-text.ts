// PNG tEXt chunks: a dream's PNG carries its settings, so the file documents itself and can be run
// again. (Local helper until the image module offers the same; the format is plain PNG spec §11.3.4.)
import { crc32 } from 'node:zlib';

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && SIGNATURE.every((v, i) => b[i] === v);
}

/** Insert tEXt chunks right after IHDR. Keys are Latin-1 keywords (1–79 chars); values may be any text (stored UTF-8). */
export function addPngText(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  if (!isPng(png)) throw new Error('addPngText: not a PNG');
  const ihdrEnd = 8 + 12 + readU32(png, 8);
  const chunks: Buffer[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (!/^[\x20-\x7e]{1,79}$/.test(key)) throw new Error(`PNG text key "${key}" must be 1–79 printable ASCII characters`);
    chunks.push(chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'utf8')])));
  }
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

/** All tEXt chunks of a PNG (values decoded as UTF-8, which covers Latin-1 ASCII). */
export function readPngText(png: Uint8Array): Record<string, string> {
  if (!isPng(png)) throw new Error('readPngText: not a PNG');
  const out: Record<string, string> = {};
  let p = 8;
  while (p + 12 <= png.length) {
    const len = readU32(png, p);
    const type = Buffer.from(png.subarray(p + 4, p + 8)).toString('latin1');
    if (type === 'tEXt') {
      const data = Buffer.from(png.subarray(p + 8, p + 8 + len));
      const nul = data.indexOf(0);
      if (nul > 0) out[data.subarray(0, nul).toString('latin1')] = data.subarray(nul + 1).toString('utf8');
    }
    if (type === 'IEND') break;
    p += 12 + len;
  }
  return out;
}

function readU32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
