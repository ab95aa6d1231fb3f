// The style loop on a small random VGG (real onnxruntime, milliseconds per step): the loss falls; original
// colours keep the content photo's chroma exactly (in the 8-bit result, for every pixel); multires stages
// grow; cancel keeps the current image; texture synthesis and inversion run their own terms. The host half
// refuses bad input by name before anything runs: an unreadable style image, an output beyond the memory
// budget, inversion from two layers, an NHWC model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { errorCode } from '../../../shared/errors';
import { parseStyleSettings } from '../../../shared/jobs/style';
import { presetSpace } from '../../../shared/pixels';
import { inspectModel, loadModelBytes } from '../onnx/inspect';
import { GradientRuntime } from '../gradients/runtime';
import { SessionCache } from '../runtime/sessions';
import type { Rgb } from '../pixels/index';
import { chromaIQ, luma, originalColors } from './colors';
import { resizeCubic } from './images';
import { prepareStyle, type LossNetwork } from './prepare';
import { normalizedGradient, styleTransfer, type StyleJob, type StylePosition } from './transfer';
import { bytesOf, vggModel } from './testing';
import { resizePlanes } from './resize';

const runtime = new GradientRuntime({ sessions: new SessionCache(1) });
const blocks = [2, 2, 2];
const vgg = vggModel('caffe', blocks, { channels: 8, size: 32 });

/** a picture with structure: colour gradients and a disc */
function picture(w: number, h: number, seed: number): Rgb {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const disc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 3) ** 2;
      data.set([(x * 255) / w, (y * 255) / h, disc ? 40 + seed * 50 : 200 - seed * 30].map((v) => Math.round(v) & 255), (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data };
}

async function pngOf(img: Rgb): Promise<Uint8Array> {
  return new Uint8Array(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer());
}

async function net(): Promise<LossNetwork> {
  const lm = loadModelBytes(bytesOf(vgg), 'tiny-vgg.onnx');
  const description = await inspectModel(lm, { intraOpNumThreads: 1 });
  return { name: 'tiny-vgg.onnx', sha256: lm.sha256, description, preprocess: { ...description.suggestedPreprocess, ...presetSpace('caffe') } };
}

async function job(settings: Record<string, unknown>, content = picture(40, 30, 0), style = picture(36, 36, 1)): Promise<StyleJob> {
  const n = await net();
  const p = await prepareStyle({
    net: n, model: vgg, modelRef: { sha: n.sha256, fileName: n.name }, settings,
    content: { bytes: await pngOf(content), name: 'content.png' }, styles: [{ bytes: await pngOf(style), name: 'style.png' }],
  });
  const i = p.input;
  return { model: vgg, modelSha: n.sha256, input: i.input, space: i.space, ...(i.content ? { content: i.content } : {}), styles: i.styles, layers: i.layers, settings: i.resolved, runtime };
}

test('transfer: the loss falls; the run records every stage; the preset layers are relu4_2-less VGG\'s nearest', async () => {
  const j = await job({ styles: [{ photoId: 'style.png' }], size: 32, iterations: 12 });
  assert.deepEqual(j.layers.content, ['relu3_2']);
  assert.deepEqual(j.layers.style, ['relu1_1', 'relu2_1', 'relu3_1', 'relu3_2']);
  const seen: number[] = [];
  const r = await styleTransfer(j, { onProgress: (p) => seen.push(p.losses.total) });
  assert.equal(r.status, 'done');
  assert.equal(r.iterationsDone, 12);
  assert.deepEqual([r.image.width, r.image.height], [32, 24]);
  assert.ok(r.losses.total < 0.5 * r.lossesStart.total, `loss ${r.lossesStart.total} → ${r.losses.total}`);
  assert.equal(seen.length, 12);
  assert.equal(r.losses.styleLayers.length, 4);
  const sum = r.losses.contentLayers.reduce((a, b) => a + b, 0) + r.losses.styleLayers.reduce((a, b) => a + b, 0) + r.losses.tv;
  assert.ok(Math.abs(sum - r.losses.total) <= 1e-6 * r.losses.total, 'the per-layer losses add up to the total');
});

test('original colours: the result has the content photo\'s chroma exactly, pixel for pixel', async () => {
  const j = await job({ styles: [{ photoId: 'style.png' }], size: 32, iterations: 6, originalColors: true });
  const r = await styleTransfer(j);
  const content = await resizeCubic(j.content!, r.image.width, r.image.height);
  for (let i = 0; i < r.image.width * r.image.height; i++) {
    const [ci, cq] = chromaIQ(content.data[i * 3]!, content.data[i * 3 + 1]!, content.data[i * 3 + 2]!);
    const [ri, rq] = chromaIQ(r.image.data[i * 3]!, r.image.data[i * 3 + 1]!, r.image.data[i * 3 + 2]!);
    assert.ok(Math.abs(ci - ri) < 1e-9 && Math.abs(cq - rq) < 1e-9, `pixel ${i}: chroma ${ri},${rq} vs the content's ${ci},${cq}`);
  }
});

test('originalColors: luminance from the styled picture, clamped into gamut without touching the chroma', () => {
  const content: Rgb = { width: 3, height: 1, data: Uint8Array.from([100, 50, 20, 250, 240, 10, 5, 5, 200]) };
  const styled = { width: 3, height: 1, data: [200, 200, 200, 0, 0, 0, 128, 128, 128] };
  const out = originalColors(content, styled);
  // pixel 0: ΔY = 200 − Y(content) added to each channel
  const dy = Math.round(200 - luma(100, 50, 20));
  assert.deepEqual([...out.data.slice(0, 3)], [100 + dy, 50 + dy, 20 + dy]);
  // pixel 1 asks for black: ΔY stops where the darkest channel (10) reaches 0
  assert.deepEqual([...out.data.slice(3, 6)], [240, 230, 0]);
  for (let i = 0; i < 3; i++) {
    const c = chromaIQ(content.data[i * 3]!, content.data[i * 3 + 1]!, content.data[i * 3 + 2]!), o = chromaIQ(out.data[i * 3]!, out.data[i * 3 + 1]!, out.data[i * 3 + 2]!);
    assert.ok(Math.abs(c[0] - o[0]) < 1e-9 && Math.abs(c[1] - o[1]) < 1e-9);
  }
});

test('multires: each stage starts from the last one upsampled; cancel keeps the current image', async () => {
  const j = await job({ styles: [{ photoId: 'style.png' }], multires: [16, 32], stageIterations: [4, 4] });
  const r = await styleTransfer(j);
  assert.deepEqual(r.stages.map((s) => [s.width, s.height, s.iterations]), [[16, 12, 4], [32, 24, 4]]);
  assert.equal(r.iterationsDone, 8);

  let checks = 0;
  const c = await styleTransfer({ ...j, settings: { ...j.settings, stages: [32], stageIterations: [50] } }, { checkpoint: async () => ++checks > 3 });
  assert.equal(c.status, 'cancelled');
  assert.equal(c.iterationsDone, 3);
  assert.deepEqual([c.image.width, c.image.height], [32, 24]);
});

test('resume: the run goes on at the checkpoint\'s stage, tile and iteration, and does only what was left', async () => {
  const j = await job({ styles: [{ photoId: 'style.png' }], multires: [16, 32], stageIterations: [4, 4], optimizer: 'adam', lr: 2 });
  // the second stage in tiles of 20 px (24 × 32 → 2 × 2 tiles), as a stage beyond the memory budget runs
  const tiled = { ...j, settings: { ...j.settings, stageTiles: [null, { size: 20, overlap: 4 }] } };
  const frames: { img: Rgb; at: StylePosition }[] = [];
  const whole = await styleTransfer(tiled, { onPreview: (img, at) => frames.push({ img: { ...img, data: img.data.slice() }, at }) });
  assert.equal(whole.iterationsDone, 4 + 4 * 4);
  const pos = (f: { at: StylePosition }) => `${f.at.stage}/${f.at.tile}/${f.at.iteration}`;
  assert.deepEqual(frames.map(pos).slice(0, 6), ['0/0/1', '0/0/2', '0/0/3', '0/0/4', '1/0/1', '1/0/2']);
  for (const at of [{ stage: 0, tile: 0, iteration: 3 }, { stage: 1, tile: 1, iteration: 1 }]) {
    const f = frames.find((x) => pos(x) === `${at.stage}/${at.tile}/${at.iteration}`)!;
    let steps = 0;
    const r = await styleTransfer({ ...tiled, start: f.img, resumeAt: at }, { onProgress: () => steps++ });
    const left = at.stage === 0 ? (4 - at.iteration) + 4 * 4 : (4 - at.iteration) + 4 * (4 - at.tile - 1);
    assert.equal(steps, left, `after ${pos(f)}: only the iterations left`);
    assert.equal(r.iterationsDone, whole.iterationsDone, 'counted with those done before');
    assert.deepEqual(r.stages.map((st) => [st.width, st.height]), at.stage === 0 ? [[16, 12], [32, 24]] : [[32, 24]]);
    assert.ok(r.losses.total < 1.1 * whole.losses.total, `resumed at ${pos(f)}: loss ${r.losses.total.toExponential(3)}, the whole run's ${whole.losses.total.toExponential(3)}`);
  }
  await assert.rejects(styleTransfer({ ...tiled, start: frames[0]!.img, resumeAt: { stage: 1, tile: 9, iteration: 0 } }), /tile 9 is not one of this stage's 4/);
});

test('texture synthesis (style only, from noise) and inversion (one content layer) run their own terms', async () => {
  const t = await job({ mode: 'texture', styles: [{ photoId: 'style.png' }], size: 32, iterations: 8, seed: 3 });
  assert.equal(t.settings.contentWeight, 0);
  const rt = await styleTransfer(t);
  assert.equal(rt.losses.content, 0);
  assert.ok(rt.losses.style < rt.lossesStart.style);
  const inv = await job({ mode: 'inversion', contentLayers: ['relu2_1'], size: 32, iterations: 8, seed: 3 });
  assert.deepEqual(inv.layers, { content: ['relu2_1'], style: [], styleChannels: [] });
  const ri = await styleTransfer(inv);
  assert.equal(ri.losses.style, 0);
  assert.ok(ri.losses.content < ri.lossesStart.content);
});

test('normalized gradients: each term\'s layer gradient scaled to L1 norm = its weight, then summed at the input', async () => {
  // two terms, input of 2 values, layer gradients of 3 values per item
  const terms = [{ layer: 'a', weight: 5 }, { layer: 'b', weight: 100 }] as never;
  const out = new Float32Array(2);
  const c = normalizedGradient({ terms }, Float32Array.from([1, 2, 10, 20]), { a: { data: Float32Array.from([1, -1, 2, 9, 9, 9]) }, b: { data: Float32Array.from([7, 7, 7, 0.5, -0.25, 0.25]) } }, out);
  // term 0 reads item 0 of layer a (L1 4), term 1 item 1 of layer b (L1 1)
  assert.ok(Math.abs(c[0]! - 5 / 4) < 1e-6 && Math.abs(c[1]! - 100) < 1e-4);
  assert.ok(Math.abs(out[0]! - (1.25 * 1 + 100 * 10)) < 1e-3 && Math.abs(out[1]! - (1.25 * 2 + 100 * 20)) < 1e-3);
  // on the small VGG, with Adam (neural-style's advice for it), the loss falls and every term is reported
  const j = await job({ styles: [{ photoId: 'style.png' }], size: 32, iterations: 10, optimizer: 'adam', normalizeGradients: true });
  const r = await styleTransfer(j);
  assert.equal(r.losses.styleLayers.length, 4);
  assert.ok(r.losses.total < r.lossesStart.total, `loss ${r.lossesStart.total} → ${r.losses.total}`);
});

test('bad input is refused by name before anything runs', async () => {
  const n = await net();
  const base = { net: n, model: vgg, modelRef: { sha: n.sha256, fileName: n.name } };
  const content = { bytes: await pngOf(picture(40, 30, 0)), name: 'content.png' };
  const good = { bytes: await pngOf(picture(20, 20, 1)), name: 'wave.jpg' };
  const broken = { bytes: new TextEncoder().encode('not an image at all'), name: 'broken.jpg' };
  const refuses = async (o: Partial<Parameters<typeof prepareStyle>[0]>, code: string, message: RegExp) => {
    await assert.rejects(prepareStyle({ ...base, settings: {}, styles: [], ...o }), (e) => {
      assert.equal(errorCode(e), code, (e as Error).message);
      assert.match((e as Error).message, message);
      return true;
    });
  };
  await refuses({ settings: { styles: [{ photoId: 'b' }] }, content, styles: [broken] }, 'bad-image', /^styles\[0\] \(broken\.jpg\): cannot read image broken\.jpg/);
  await refuses({ settings: { styles: [{ photoId: 'w' }] }, content: broken, styles: [good] }, 'bad-image', /^photoId \(broken\.jpg\): cannot read image/);
  await refuses({ settings: { styles: [{ photoId: 'w' }], size: 4000 }, content, styles: [good], budget: 64 * 1024 ** 2 }, 'too-big', /^size: a 4000×3000 stage on tiny-vgg\.onnx needs about .* GB as one image .*and not even 128-px tiles fit beside its .* GB of whole-image buffers; the engine's budget is 0\.1 GB\. A long side of \d+ px fits/);
  // 8192×6144 runs as tiles under the default budget; under 3 GB its whole-image buffers alone do not fit
  await refuses({ settings: { styles: [{ photoId: 'w' }], multires: [256, 8192] }, content, styles: [good], budget: 3 * 1024 ** 3 }, 'too-big', /^multires: a 8192×6144 stage/);
  const tiled = await prepareStyle({ ...base, settings: { styles: [{ photoId: 'w' }], multires: [256, 8192] }, content, styles: [good] });
  assert.equal(tiled.input.settings.stages[0]!.tile, undefined);
  assert.ok((tiled.input.settings.stages[1]!.tile?.count ?? 0) > 1, JSON.stringify(tiled.input.settings.stages[1]));
  await refuses({ settings: { mode: 'inversion', contentLayers: ['relu1_1', 'relu2_1'] }, content }, 'bad-args', /contentLayers: feature inversion reconstructs from exactly one layer/);
  await refuses({ settings: { styles: [{ photoId: 'w' }] }, styles: [good] }, 'bad-args', /^photoId: style transfer needs a content photo/);
  await refuses({ settings: { styles: [{ photoId: 'w' }], styleLayers: ['nope'] }, content, styles: [good] }, 'bad-args', /^styleLayers: tiny-vgg\.onnx has no layer "nope"/);
  await refuses({ net: { ...n, preprocess: { ...n.preprocess, layout: 'NHWC' } }, settings: { styles: [{ photoId: 'w' }] }, content, styles: [good] }, 'bad-args', /takes NHWC images/);
  // the same settings, well-formed, pass
  const ok = await prepareStyle({ ...base, settings: { styles: [{ photoId: 'w', weight: 2 }], size: 64, seed: 5 }, content, styles: [good] });
  assert.equal(ok.input.settings.layerChoice.preset, 'vgg-caffe');
  assert.deepEqual(ok.input.settings.stages, [{ width: 64, height: 48, iterations: 500 }]);
  assert.equal(ok.input.styles[0]!.weight, 2);
  assert.deepEqual(parseStyleSettings({ styles: [{ photoId: 'w' }] }).stages, [512]);
});

test('resizePlanes: bilinear with half-pixel centres keeps a constant and a linear ramp', () => {
  const c = resizePlanes(new Float32Array(3 * 4 * 4).fill(7), 3, 4, 4, 8, 8);
  assert.ok(c.every((v) => Math.abs(v - 7) < 1e-6));
  const ramp = resizePlanes(Float32Array.from([0, 1, 2, 3]), 1, 1, 4, 1, 8);
  assert.deepEqual([...ramp].map((v) => Number(v.toFixed(3))), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
});
