// The pieces of the dream loop that need no model: tiling arithmetic, resizing, PNG text, settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { resizeBilinear } from './planar';
import { gridPlan, readTile, tileShapes, wholePlan, writeTileCore } from './tiles';
import { dreamRecord, encodeDream, readDreamRecord } from './export';
import { parseLayerSpec, parseDreamSettings } from '../../../shared/jobs/dream';
import { octaveSizes } from './loop';
import { receptiveField } from './receptive-field';
import { defaultDreamLayer } from './objective';
import { readModelFile } from '../onnx/model';
import { fromPlanar, planar, PRESETS, toPlanar, subtractPhoto } from '../pixels/index';

const CAFFE_SPACE = PRESETS.caffe;

function ramp(c: number, h: number, w: number) {
  const img = planar(c, h, w);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.sin(i * 0.37) * 100 + i * 0.001;
  return img;
}

/** np.roll over the last two axes */
function roll(img: ReturnType<typeof planar>, sy: number, sx: number) {
  const out = planar(img.c, img.h, img.w);
  const m = (a: number, n: number) => ((a % n) + n) % n;
  for (let c = 0; c < img.c; c++)
    for (let y = 0; y < img.h; y++)
      for (let x = 0; x < img.w; x++)
        out.data[c * img.h * img.w + m(y + sy, img.h) * img.w + m(x + sx, img.w)] = img.data[c * img.h * img.w + y * img.w + x];
  return out;
}

test('a whole-image tile is np.roll of the image', () => {
  const img = ramp(3, 13, 17);
  const plan = wholePlan(13, 17);
  const tile = new Float32Array(3 * 13 * 17);
  readTile(img, plan.rows[0]!, plan.cols[0]!, 5, -7, tile);
  assert.deepEqual(Array.from(tile), Array.from(roll(img, 5, -7).data));
});

test('tile cores written back (un-rolled) rebuild the image exactly, for any shift and margin', () => {
  const img = ramp(3, 37, 53);
  for (const [core, margin, sy, sx] of [[16, 0, 0, 0], [16, 8, 3, 41], [10, 4, -9, 100], [64, 16, 7, 7]] as const) {
    const plan = gridPlan(37, 53, core, margin);
    const back = planar(3, 37, 53);
    back.data.fill(NaN);
    for (const row of plan.rows) for (const col of plan.cols) {
      const tile = new Float32Array(3 * row.size * col.size);
      readTile(img, row, col, sy, sx, tile);
      writeTileCore(back, row, col, sy, sx, tile);
    }
    assert.deepEqual(Array.from(back.data), Array.from(img.data), `core ${core} margin ${margin} shift ${sy},${sx}`);
  }
});

test('tile windows take margins inside the image and stop at its edges', () => {
  const plan = gridPlan(100, 70, 32, 16);
  assert.deepEqual(plan.rows, [
    { core: 0, coreLen: 32, start: 0, size: 48 },
    { core: 32, coreLen: 32, start: 16, size: 64 },
    { core: 64, coreLen: 32, start: 48, size: 52 },
    { core: 96, coreLen: 4, start: 80, size: 20 },
  ]);
  assert.deepEqual(tileShapes(plan).length, 4 * 3);
  const img = ramp(1, 8, 8);
  const p2 = gridPlan(8, 8, 4, 2);
  const tile = new Float32Array(p2.rows[1]!.size * p2.cols[0]!.size);
  readTile(img, p2.rows[1]!, p2.cols[0]!, 0, 0, tile);
  assert.equal(p2.rows[1]!.size, 6);
  assert.equal(tile[0], img.data[2 * 8 + 0]); // the window of row 1 starts at y = 2
});

test('bilinear zoom keeps corners and constant images, and interpolates linearly', () => {
  const a = planar(1, 2, 2, Float32Array.from([0, 10, 20, 30]));
  const b = resizeBilinear(a, 3, 3);
  assert.deepEqual(Array.from(b.data), [0, 5, 10, 10, 15, 20, 20, 25, 30]);
  const c = planar(2, 5, 7); c.data.fill(3.5);
  assert.ok(resizeBilinear(c, 11, 4).data.every((v) => v === 3.5));
});

test('octave sizes follow the notebook: each 1/scale of the last, smallest first', () => {
  assert.deepEqual(octaveSizes(413, 550, 4, 1.4), [{ h: 151, w: 201 }, { h: 211, w: 281 }, { h: 295, w: 393 }, { h: 413, w: 550 }]);
});

test('model space round trip (Caffe BGR minus mean) and in-place subtraction', () => {
  const rgb = { width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 50, 100, 150, 255, 254, 253, 7, 8, 9, 200, 100, 0, 1, 1, 1]) };
  const p = toPlanar(rgb, CAFFE_SPACE);
  assert.equal(p.data[0], 2 - 104); // B of pixel 0
  assert.equal(p.data[6 * 2], 0 - 123); // R of pixel 0
  assert.deepEqual(Array.from(fromPlanar(p, CAFFE_SPACE).data), Array.from(rgb.data));
  subtractPhoto(p, rgb, CAFFE_SPACE);
  assert.ok(p.data.every((v) => v === 0));
});

test('a dream record survives the PNG text chunk, non-ASCII included', async () => {
  const img = { width: 4, height: 3, data: new Uint8Array(36).fill(90) };
  const rec = dreamRecord({ status: 'done', settings: { seed: 3, layers: [{ name: 'schicht/ü', weight: 1 }] }, provider: 'cpu', timings: { totalMs: 1 } }, { modelName: 'm.onnx', width: 4, height: 3 });
  const png = await encodeDream(img, 'png', rec);
  assert.deepEqual(readDreamRecord(png)?.settings, rec.settings);
  assert.equal((await sharp(png).metadata()).width, 4);
  assert.equal(readDreamRecord(await encodeDream(img, 'png')), undefined);
});

test('a dream record survives the JPEG XMP packet, XML characters and non-ASCII included', async () => {
  const img = { width: 4, height: 3, data: new Uint8Array(36).fill(90) };
  const settings = { seed: 3, layers: [{ name: 'schicht/ü <a&b> "c"', weight: 1 }], note: ']]></featurescope:dream>' };
  const rec = dreamRecord({ status: 'done', settings, provider: 'cpu', timings: { totalMs: 1 } }, { modelName: 'm & n.onnx', width: 4, height: 3 });
  const jpeg = await encodeDream(img, 'jpeg', rec);
  const back = readDreamRecord(jpeg);
  assert.deepEqual(back?.settings, rec.settings);
  assert.deepEqual(back, JSON.parse(JSON.stringify(rec)));
  // an ordinary XMP packet that photo tools read, in a real JPEG
  const meta = await sharp(jpeg).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.match(meta.xmp?.toString('utf8') ?? '', /<xmp:CreatorTool>Featurescope<\/xmp:CreatorTool>/);
  assert.equal(readDreamRecord(await encodeDream(img, 'jpeg')), undefined);
});

test('layer specs and settings', () => {
  assert.deepEqual(parseLayerSpec('inception_4c/output'), { name: 'inception_4c/output', weight: 1 });
  assert.deepEqual(parseLayerSpec('inception_4c/output:0.5'), { name: 'inception_4c/output', weight: 0.5 });
  assert.deepEqual(parseLayerSpec('inception_4c/output:2:3,7'), { name: 'inception_4c/output', weight: 2, channels: [3, 7] });
  const s = parseDreamSettings({});
  assert.equal(s.octaves, 4); assert.equal(s.octaveScale, 1.4); assert.equal(s.iterations, 10); assert.equal(s.step, 1.5); assert.equal(s.jitter, 32);
  assert.throws(() => parseDreamSettings({ octaves: 0 }), /octaves/);
});

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');

test('receptive field, stride and default layers of real models', (t) => {
  if (!fs.existsSync(googlenet)) return t.skip(`no ${googlenet} (../shared absent)`);
  const m = readModelFile(googlenet);
  assert.deepEqual(receptiveField(m, 'data', ['inception_4c/output']), { field: 299, stride: 16 });
  assert.deepEqual(receptiveField(m, 'data', ['inception_3b/output']), { field: 91, stride: 8 });
  assert.throws(() => receptiveField(m, 'data', ['loss3/classifier']), /not spatial/);
  assert.equal(defaultDreamLayer(m, 'data'), 'inception_4c/output');
  const sq = readModelFile(path.join(shared, 'models/squeezenet1.1.onnx'));
  assert.equal(defaultDreamLayer(sq, 'data'), 'fire6/concat');
});
