// The recipes' resume hooks ([Note: unfinished runs]): an interrupted dream restarts from its last
// checkpoint image (full size, PNG: as is; an old row's small preview: enlarged to the start image's size);
// an interrupted style run's first stage starts from the frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { dreamRecipe } from './dream';
import { styleRecipe } from './style';

const png = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer().then((b) => new Uint8Array(b));

test('dream resumes from the frame at the photo\'s size; style starts its first stage from the frame', async () => {
  const photo = await png(64, 48, [0, 0, 255]);
  const frame = await sharp(await png(32, 24, [255, 0, 0])).jpeg().toBuffer();
  const prepared = { title: 'Dream', input: { photo, other: 1 } } as never;
  const r = await dreamRecipe.resume!(prepared, frame, {} as never, {} as never);
  const out = await sharp((r.input as unknown as { photo: Uint8Array }).photo).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([out.info.width, out.info.height], [64, 48], 'the photo\'s size');
  assert.ok(out.data[0]! > 200 && out.data[2]! < 50, `the frame's pixels (${[...out.data.subarray(0, 3)]}), not the photo's`);
  assert.equal((r.input as unknown as { other: number }).other, 1, 'the rest of the input as prepared');

  const s = await styleRecipe.resume!({ title: 'Style', input: { layers: [] }, transfer: [] } as never, frame, {} as never, {} as never);
  const start = (s.input as unknown as { start: { width: number; height: number; data: Uint8Array } }).start;
  assert.deepEqual([start.width, start.height], [32, 24]);
  assert.ok(s.transfer?.includes(start.data.buffer as ArrayBuffer), 'moved to the worker, not copied');
});

test('dream resumes from a full-size PNG checkpoint exactly as it is', async () => {
  const photo = await png(64, 48, [0, 0, 255]);
  const raw = new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256);
  const frame = new Uint8Array(await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer());
  const r = await dreamRecipe.resume!({ title: 'Dream', input: { photo } } as never, frame, {} as never, {} as never);
  const out = await sharp((r.input as unknown as { photo: Uint8Array }).photo).raw().toBuffer();
  assert.deepEqual(new Uint8Array(out), raw, 'every pixel of the checkpoint, no resampling');
});
