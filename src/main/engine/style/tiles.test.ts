// Tiled refinement (tiles.ts + transfer.ts's tiled stage) on a small random VGG: the tiles cover the
// image with the asked overlap; the paste weights ramp only on shared sides; a Gram summed over tiles with
// a margin equals the whole image's; the engine tiles a stage the budget cannot hold whole (and says how);
// a tiled stage's result has no seam where the tiles meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { presetSpace } from '../../../shared/pixels';
import { inspectModel, loadModelBytes } from '../onnx/inspect';
import { GradientRuntime, runtimeModel } from '../gradients/runtime';
import { SessionCache } from '../runtime/sessions';
import { toPlanar, type Rgb } from '../pixels/index';
import { gramMatrix } from './losses';
import { prepareStyle, type LossNetwork } from './prepare';
import { styleTransfer, tiledGrams, type StyleJob } from './transfer';
import { cropPlanes, pastePlanes, pasteWeights, tileGrid } from './tiles';
import { bytesOf, vggModel } from './testing';

const runtime = new GradientRuntime({ sessions: new SessionCache(1) });
const vgg = vggModel('caffe', [2, 2, 2], { channels: 8, size: 32 });

/** structure at every scale: colour ramps, stripes and a disc */
function picture(w: number, h: number, seed: number): Rgb {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const disc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 3) ** 2;
      const stripe = seed && Math.floor((x + y * seed) / 7) % 2 ? 60 : 0;
      data.set([(x * 255) / w, (y * 255) / h, (disc ? 40 + seed * 50 : 200 - seed * 30) - stripe].map((v) => Math.round(v) & 255), (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data };
}

const pngOf = async (img: Rgb) => new Uint8Array(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer());

async function net(): Promise<LossNetwork> {
  const lm = loadModelBytes(bytesOf(vgg), 'tiny-vgg.onnx');
  const description = await inspectModel(lm, { intraOpNumThreads: 1 });
  return { name: 'tiny-vgg.onnx', sha256: lm.sha256, description, preprocess: { ...description.suggestedPreprocess, ...presetSpace('caffe') } };
}

async function job(settings: Record<string, unknown>, content: Rgb, style: Rgb, budget?: number) {
  const n = await net();
  const p = await prepareStyle({
    net: n, model: vgg, modelRef: { sha: n.sha256, fileName: n.name }, settings, ...(budget ? { budget } : {}),
    content: { bytes: await pngOf(content), name: 'content.png' }, styles: [{ bytes: await pngOf(style), name: 'style.png' }],
  });
  const i = p.input;
  const j: StyleJob = { model: vgg, modelSha: n.sha256, input: i.input, space: i.space, ...(i.content ? { content: i.content } : {}), styles: i.styles, layers: i.layers, settings: i.resolved, runtime };
  return { job: j, record: i.settings };
}

test('tileGrid covers the image, neighbours overlap by at least the asked overlap, tiles are the same size', () => {
  for (const [W, H, t, o] of [[4000, 3000, 768, 96], [1000, 700, 256, 32], [300, 200, 300, 40], [129, 64, 64, 16]] as const) {
    const rects = tileGrid(W, H, t, o);
    const cover = new Uint8Array(W * H);
    for (const r of rects) {
      assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.w <= W && r.y + r.h <= H, `${JSON.stringify(r)} inside ${W}×${H}`);
      assert.equal(r.w, Math.min(t, W)); assert.equal(r.h, Math.min(t, H));
      for (let y = r.y; y < r.y + r.h; y++) cover.fill(1, y * W + r.x, y * W + r.x + r.w);
    }
    assert.ok(cover.every((c) => c === 1), `${W}×${H} covered`);
    const xs = [...new Set(rects.map((r) => r.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i - 1]! + Math.min(t, W) - xs[i]! >= o, `x overlap at ${xs[i]}`);
  }
  assert.equal(tileGrid(4000, 3000, 768, 96).length, 6 * 5);
});

test('paste weights ramp from 0 on sides shared with another tile and stay 1 on the image border; paste blends by them', () => {
  const m = pasteWeights({ x: 0, y: 10, w: 8, h: 8 }, 20, 18, 4);
  // left border: 1; top (shared): ramps; bottom is the image's border: 1; right (shared): ramps
  assert.equal(m[4 * 8 + 0], 1);
  assert.ok(m[0 * 8 + 2]! < 0.2 && m[3 * 8 + 2]! > 0.8 && m[3 * 8 + 2]! <= 1);
  assert.equal(m[7 * 8 + 2], 1);
  assert.ok(m[5 * 8 + 7]! < 0.2 && m[5 * 8 + 3]! === 1);
  const x = new Float32Array(2 * 18 * 20).fill(10);
  const r = { x: 0, y: 10, w: 8, h: 8 };
  pastePlanes(x, 2, 18, 20, r, new Float32Array(2 * 64).fill(20), m);
  const back = cropPlanes(x, 2, 18, 20, r);
  for (let i = 0; i < 64; i++) { assert.ok(Math.abs(back[i]! - (10 + 10 * m[i]!)) < 1e-5); assert.ok(Math.abs(back[64 + i]! - (10 + 10 * m[i]!)) < 1e-5); }
  assert.equal(x[0], 10, 'outside the tile untouched');
});

test('a Gram matrix summed over tiles with a margin equals the whole image\'s', async () => {
  const { job: j } = await job({ styles: [{ photoId: 's' }], size: 64, iterations: 1 }, picture(64, 48, 0), picture(64, 48, 1));
  const img = picture(300, 220, 2);
  const planes = toPlanar(img, j.space).data;
  const rm = runtimeModel(j.model, j.modelSha);
  const placement = runtime.placement();
  const tiled = await tiledGrams(j, rm, placement, planes, img.height, img.width, 128);
  const f = await runtime.forward({ model: rm, input: j.input, shape: [1, 3, img.height, img.width], fetch: j.layers.style, placement, label: 'whole' });
  const out = await f.run(planes);
  j.layers.style.forEach((l, i) => {
    const whole = gramMatrix(out[l]!.data, out[l]!.dims);
    let num = 0, den = 0;
    for (let k = 0; k < whole.length; k++) { num += (tiled[i]![k]! - whole[k]!) ** 2; den += whole[k]! ** 2; }
    assert.ok(Math.sqrt(num / den) < 1e-4, `${l}: relative L2 ${Math.sqrt(num / den)}`);
  });
  await f.release({ drop: true });
});

test('a stage the budget cannot hold whole runs as tiles, says so in the record, and leaves no seam', async () => {
  const W = 240, H = 160;
  const content = picture(W, H, 0), style = picture(64, 64, 1);
  // whole at 240×160 needs more than this; a tile of 128 px or more fits
  const { job: j, record } = await job({ styles: [{ photoId: 's' }], size: W, iterations: 15, seed: 3 }, content, style, 385 * 1024 ** 2);
  const tile = record.stages[0]!.tile;
  assert.ok(tile, `the stage is tiled: ${JSON.stringify(record.stages)}`);
  assert.ok(tile.size >= 128 && tile.size < W && tile.count >= 2, JSON.stringify(tile));
  const progress: string[] = [];
  const r = await styleTransfer(j, { onProgress: (p) => progress.push(`${p.tile}/${p.tiles}`) });
  assert.equal(r.status, 'done');
  assert.deepEqual([r.image.width, r.image.height], [W, H]);
  assert.equal(r.stages[0]!.tile?.count, tile.count);
  assert.ok(progress.includes(`${tile.count}/${tile.count}`), 'progress names the tiles');
  assert.ok(r.losses.total < r.lossesStart.total, `loss ${r.lossesStart.total} → ${r.losses.total}`);
  // seams: the step between neighbouring columns (rows) at every tile edge is no bigger than elsewhere
  // on what the optimization changed (result − content), so the content's own edges do not count
  const lum = (x: number, y: number) => { const o = (y * W + x) * 3; let s = 0; for (let c = 0; c < 3; c++) s += r.image.data[o + c]! - content.data[o + c]!; return s; };
  const colStep = (x: number) => { let s = 0; for (let y = 0; y < H; y++) s += Math.abs(lum(x + 1, y) - lum(x, y)); return s / H; };
  const all = Array.from({ length: W - 1 }, (_, x) => colStep(x));
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const edges = tileGrid(W, H, tile.size, tile.overlap).flatMap((t) => [t.x - 1, t.x + t.w - 1]).filter((x) => x >= 0 && x < W - 1);
    for (const x of edges) assert.ok(all[x]! < 2.5 * mean, `column ${x}: step ${all[x]!.toFixed(1)} vs mean ${mean.toFixed(1)}`);
});
