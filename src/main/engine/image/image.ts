// Images as the engine sees them: float RGB, row-major, values 0..255 (HWC). Decoding honours EXIF
// orientation (`.rotate()`), so a phone photo is upright before any model sees it.
import sharp from 'sharp';
import type { FitEnum, Metadata, OutputInfo, Sharp } from 'sharp';
import type { Preprocess } from '../../../shared/contract';
import { checkBudget } from '../runtime/budget';

export interface RgbImage {
  width: number;
  height: number;
  /** width·height·3 floats, RGB, 0..255 nominal (may exceed the range before encoding) */
  data: Float32Array;
}

/** Largest image we decode (pixels): protects memory from a hostile "decompression bomb" file. */
export const MAX_PIXELS = 100_000_000;

export class ImageError extends Error {
  constructor(public code: 'not-image' | 'too-large', message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

export interface ImageInfo {
  width: number;
  height: number;
  mime: string;
}

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', tiff: 'image/tiff', avif: 'image/avif', heif: 'image/heif' };

/** Size (after EXIF rotation) and type of an encoded image, without decoding its pixels. */
export async function imageInfo(bytes: Uint8Array, name = 'image'): Promise<ImageInfo> {
  let meta: Metadata;
  try {
    // metadata reads the header only: sharp's own pixel limit would fire here first and call a big photo
    // "not an image"; ours below says its size and the limit
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError('not-image', `${name} is not an image Featurescope can read (JPEG, PNG, WebP): ${(e as Error).message}`);
  }
  if (!meta.width || !meta.height || !meta.format) throw new ImageError('not-image', `${name} has no readable image size.`);
  if (meta.width * meta.height > MAX_PIXELS) {
    throw new ImageError('too-large', `${name} is ${meta.width}×${meta.height} (${(meta.width * meta.height / 1e6).toFixed(1)} megapixels); images above ${MAX_PIXELS / 1e6} megapixels are refused.`);
  }
  // EXIF orientations 5..8 swap width and height.
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, mime: MIME[meta.format] ?? `image/${meta.format}` };
}

function pipeline(bytes: Uint8Array, name: string): Sharp {
  return sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
}

async function toRgb(s: Sharp, name: string, size?: { width: number; height: number }): Promise<RgbImage> {
  // the decoded bytes plus their float copy (13 bytes a pixel), checked before sharp or we allocate them
  if (size) checkBudget(13 * size.width * size.height, `decoding ${name} at ${size.width}×${size.height}`);
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await s.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageError('not-image', `${name} could not be decoded: ${(e as Error).message}`);
  }
  const { width, height, channels } = out.info;
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[i * 3 + c] = out.data[i * channels + (channels >= 3 ? c : 0)]!;
  }
  return { width, height, data };
}

/** Decode JPEG/PNG/WebP (any size, EXIF-rotated) to float RGB. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<RgbImage> {
  const info = await imageInfo(bytes, name);
  return toRgb(pipeline(bytes, name), name, info);
}

const FIT: Record<Preprocess['resize'], keyof FitEnum> = { stretch: 'fill', 'center-crop': 'cover', pad: 'contain' };

/** Decode and resize in one pass (the fast path for model input). */
export async function decodeResized(bytes: Uint8Array, width: number, height: number, resize: Preprocess['resize'] = 'stretch', name = 'image'): Promise<RgbImage> {
  await imageInfo(bytes, name);
  return toRgb(pipeline(bytes, name).resize(width, height, { fit: FIT[resize], background: { r: 0, g: 0, b: 0 } }), name, { width, height });
}

function toRawSharp(img: RgbImage): Sharp {
  const u8 = Buffer.alloc(img.width * img.height * 3);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.max(0, Math.min(255, Math.round(img.data[i]!)));
  return sharp(u8, { raw: { width: img.width, height: img.height, channels: 3 } });
}

export async function resizeImage(img: RgbImage, width: number, height: number, resize: Preprocess['resize'] = 'stretch'): Promise<RgbImage> {
  return toRgb(toRawSharp(img).resize(width, height, { fit: FIT[resize], background: { r: 0, g: 0, b: 0 } }), 'image', { width, height });
}

/** PNG, optionally with tEXt chunks (key → value) carrying e.g. the exact settings that made it. */
export async function encodePng(img: RgbImage, opts: { text?: Record<string, string> } = {}): Promise<Uint8Array> {
  const png = await toRawSharp(img).png().toBuffer();
  return opts.text && Object.keys(opts.text).length ? addPngText(png, opts.text) : new Uint8Array(png);
}

export async function encodeJpeg(img: RgbImage, quality = 90): Promise<Uint8Array> {
  return new Uint8Array(await toRawSharp(img).jpeg({ quality }).toBuffer());
}

/** A display-size JPEG of an encoded photo (EXIF-rotated), longest side at most maxSize. */
export async function thumbnail(bytes: Uint8Array, maxSize: number, name = 'image'): Promise<{ mime: string; bytes: Uint8Array; width: number; height: number }> {
  await imageInfo(bytes, name);
  const { data, info } = await pipeline(bytes, name)
    .resize(maxSize, maxSize, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  return { mime: 'image/jpeg', bytes: new Uint8Array(data), width: info.width, height: info.height };
}

// ---- PNG tEXt chunks ---------------------------------------------------------------------------------

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Insert text chunks right after IHDR: tEXt for ASCII values, iTXt (UTF-8) for anything else, since
 * tEXt is Latin-1 only by the PNG spec. readPngText returns either kind exactly as written.
 */
export function addPngText(png: Uint8Array, text: Record<string, string>): Uint8Array {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(PNG_SIG)) throw new Error('addPngText: not a PNG');
  const ihdrEnd = 8 + 12 + buf.readUInt32BE(8);
  const chunks: Buffer[] = [];
  for (const [key, value] of Object.entries(text)) {
    if (!/^[\x20-\x7e]{1,79}$/.test(key)) throw new Error(`PNG text key "${key}" must be 1-79 printable ASCII characters`);
    const k = Buffer.from(key, 'latin1');
    if (/^[\x20-\x7e\n]*$/.test(value)) chunks.push(chunk('tEXt', Buffer.concat([k, Buffer.from([0]), Buffer.from(value, 'latin1')])));
    // iTXt: keyword \0, compression flag 0, method 0, empty language \0, empty translated keyword \0, UTF-8 text
    else chunks.push(chunk('iTXt', Buffer.concat([k, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')])));
  }
  return new Uint8Array(Buffer.concat([buf.subarray(0, ihdrEnd), ...chunks, buf.subarray(ihdrEnd)]));
}

/** All tEXt chunks of a PNG as key → value. */
export function readPngText(png: Uint8Array): Record<string, string> {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!buf.subarray(0, 8).equals(PNG_SIG)) throw new Error('readPngText: not a PNG');
  const out: Record<string, string> = {};
  let off = 8;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'tEXt') {
      const data = buf.subarray(off + 8, off + 8 + len);
      const z = data.indexOf(0);
      if (z > 0) out[data.toString('latin1', 0, z)] = data.toString('latin1', z + 1);
    } else if (type === 'iTXt') {
      const data = buf.subarray(off + 8, off + 8 + len);
      const z = data.indexOf(0);
      // skip compression flag+method, then language tag and translated keyword (both \0-terminated)
      const lang = data.indexOf(0, z + 3);
      const trans = data.indexOf(0, lang + 1);
      if (z > 0 && data[z + 1] === 0 && trans > 0) out[data.toString('latin1', 0, z)] = data.toString('utf8', trans + 1);
    }
    if (type === 'IEND') break;
    off += 12 + len;
  }
  return out;
}

// ---- JPEG XMP properties -----------------------------------------------------------------------------
// A JPEG has no text chunks; the place for our own UTF-8 text is an XMP packet (APP1), which sharp writes
// with withXmp() and photo tools show. Properties live in the featurescope namespace: key "dream" is
// <featurescope:dream> (so readers see "featurescope:dream", the same name as the PNG text key).

const XMP_NS = 'https://featurescope.app/ns/xmp/1.0/';
const XMP_APP1_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlUnescape = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

/** An XMP packet (for sharp's withXmp) carrying key → text as featurescope:<key> properties. */
export function xmpPacket(props: Record<string, string>): string {
  const body = Object.entries(props).map(([key, value]) => {
    if (!/^[A-Za-z_][\w.-]*$/.test(key)) throw new Error(`XMP property name "${key}" must be an XML name (letters, digits, _ . -)`);
    return `<featurescope:${key}>${xmlEscape(value)}</featurescope:${key}>`;
  });
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:featurescope="${XMP_NS}">` +
    `<xmp:CreatorTool>Featurescope</xmp:CreatorTool>${body.join('')}` +
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/** The featurescope:<key> properties of a JPEG's XMP packet (as written by xmpPacket); {} when it has none. */
export function readJpegXmp(jpeg: Uint8Array): Record<string, string> {
  const buf = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (buf[0] !== 0xff || buf[1] !== 0xd8) throw new Error('readJpegXmp: not a JPEG');
  const out: Record<string, string> = {};
  let off = 2;
  // metadata segments all come before the scan (SOS), each FF <marker> <16-bit length incl. itself>
  while (off + 4 <= buf.length && buf[off] === 0xff) {
    const marker = buf[off + 1]!;
    if (marker === 0xff) { off++; continue; } // fill byte
    if (marker === 0xda || marker === 0xd9) break;
    const len = buf.readUInt16BE(off + 2);
    const data = buf.subarray(off + 4, off + 2 + len);
    if (marker === 0xe1 && data.toString('latin1', 0, XMP_APP1_HEADER.length) === XMP_APP1_HEADER) {
      const xml = data.toString('utf8', XMP_APP1_HEADER.length);
      for (const m of xml.matchAll(/<featurescope:([A-Za-z_][\w.-]*)>([\s\S]*?)<\/featurescope:\1>/g)) out[m[1]!] = xmlUnescape(m[2]!);
    }
    off += 2 + len;
  }
  return out;
}
