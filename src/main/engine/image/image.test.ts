import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeImage, decodeResized, encodeJpeg, encodePng, imageInfo, readPngText, thumbnail, ImageError, type RgbImage } from './image';
import { activationGrid, rankChannels } from './grid';

const shared = path.resolve(__dirname, '../../../../../shared');

function gradient(w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 10, y * 10, 200], (y * w + x) * 3);
  return { width: w, height: h, data };
}

test('PNG round trip is exact and carries tEXt / iTXt settings', async () => {
  const img = gradient(5, 3);
  const png = await encodePng(img, { text: { featurescope: '{"layer":"inception_4c/output","step":1.5}', note: 'grüße ✓' } });
  const text = readPngText(png);
  assert.equal(text.featurescope, '{"layer":"inception_4c/output","step":1.5}');
  assert.equal(text.note, 'grüße ✓');
  const back = await decodeImage(png);
  assert.deepEqual(Array.from(back.data), Array.from(img.data));
  // sharp (libpng) still reads the file, so the chunks are well-formed (CRC included)
  assert.equal((await sharp(png).metadata()).width, 5);
});

test('EXIF orientation is applied: a 4×2 JPEG tagged "rotate 90°" decodes 2×4', async () => {
  const raw = Buffer.alloc(4 * 2 * 3, 128);
  const jpg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  assert.deepEqual(await imageInfo(jpg), { width: 2, height: 4, mime: 'image/jpeg' });
  const img = await decodeImage(jpg);
  assert.equal(img.width, 2);
  assert.equal(img.height, 4);
});

test('WebP and grayscale PNG decode to RGB; resize; JPEG encode', async () => {
  const webp = await sharp(Buffer.alloc(6 * 6 * 3, 50), { raw: { width: 6, height: 6, channels: 3 } }).webp({ lossless: true }).toBuffer();
  const w = await decodeResized(webp, 3, 2);
  assert.deepEqual([w.width, w.height, w.data.length], [3, 2, 18]);
  assert.equal(w.data[0], 50);
  const gray = await sharp(Buffer.alloc(4, 77), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
  const g = await decodeImage(gray);
  assert.deepEqual(Array.from(g.data.slice(0, 3)), [77, 77, 77]);
  const jpg = await encodeJpeg(gradient(8, 8));
  assert.equal((await imageInfo(jpg)).mime, 'image/jpeg');
});

test('not an image: clear error naming the file', async () => {
  await assert.rejects(decodeImage(new TextEncoder().encode('hello'), 'notes.txt'), (e: ImageError) => e.code === 'not-image' && /notes\.txt/.test(e.message));
});

test('thumbnail of a real photo keeps the aspect and the long side', async (t) => {
  const dog = path.join(shared, 'images/content/dog.jpg');
  if (!fs.existsSync(dog)) return t.skip(`${dog} absent (../shared not checked out)`);
  const th = await thumbnail(fs.readFileSync(dog), 256);
  assert.equal(Math.max(th.width, th.height), 256);
  assert.equal(th.mime, 'image/jpeg');
});

test('activation grid: channels ranked by mean, strongest first', () => {
  // 3 channels of 2×2: means 1, 3, 2
  const data = Float32Array.from([0, 1, 1, 2, 3, 3, 3, 3, 1, 2, 2, 3]);
  assert.deepEqual(rankChannels(data, [1, 3, 2, 2]).map((c) => c.channel), [1, 2, 0]);
  const g = activationGrid(data, [1, 3, 2, 2], 2);
  assert.deepEqual(g.channels.map((c) => c.channel), [1, 2]);
  assert.equal(g.cols, 2);
  assert.equal(g.rows, 1);
  assert.equal(g.image.width, 2 * g.cell.width + 3 * 2);
});
