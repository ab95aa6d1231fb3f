// Fast style: tiling a fixed-size network equals one whole-image run where both fit (a margin that covers
// the receptive field), and visibly does not without the margin (so the comparison can fail); tile
// positions; the shared zoo model runs in onnxruntime-node (opset 7: ImageScaler, Crop, InstanceNormalization)
// and its pixel space is read from the graph; a model whose output is not an image is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../../shared/random';
import { errorCode } from '../../../shared/errors';
import { inspectModel, loadModelBytes, loadModelFile } from '../onnx/inspect';
import { encodeModel } from '../onnx/model';
import { inspectedOutput } from '../recipes/stylize';
import { GradientRuntime, runtimeModel, type ForwardSession } from '../gradients/runtime';
import { SessionCache } from '../runtime/sessions';
import { presetSpace } from '../../../shared/pixels';
import { fastNet, fastSpaces, stylizePlanes, stylizeRgb, tileStarts } from './fast';
import { fixedImageNet, mlpModel } from './testing';

const runtime = new GradientRuntime({ sessions: new SessionCache(1) });

function runnerFor(model: ReturnType<typeof fixedImageNet>, sha: string, input: string, output: string) {
  const sessions: ForwardSession[] = [];
  return {
    sessions,
    runner: {
      session: async (width: number, height: number) => {
        const s = await runtime.forward({ model: runtimeModel(model, sha), input, shape: [1, 3, height, width], fetch: [output], rewrite: false });
        sessions.push(s);
        return s;
      },
    },
  };
}

test('tileStarts: tiles cover the axis, overlap by at least the overlap, and stay inside', () => {
  assert.deepEqual(tileStarts(10, 16, 4), [0]);
  assert.deepEqual(tileStarts(16, 16, 4), [0]);
  for (const [n, t, o] of [[40, 16, 12], [1000, 720, 64], [4000, 720, 64], [3001, 512, 100]] as const) {
    const s = tileStarts(n, t, o);
    assert.equal(s[0], 0);
    assert.equal(s[s.length - 1]! + t, n);
    for (let i = 1; i < s.length; i++) assert.ok(s[i - 1]! + t - s[i]! >= o, `${n}/${t}/${o}: tiles ${i - 1} and ${i} overlap by ${s[i - 1]! + t - s[i]!}`);
  }
});

test('a fixed 16×16 network tiled over 40×28 equals its whole-image run when the margin covers the receptive field', async () => {
  const net16 = fixedImageNet(16);
  const rand = seededRandom(7);
  const h = 28, w = 40;
  const x = Float32Array.from({ length: 3 * h * w }, () => rand() * 2 - 1);
  const whole = await runtime.forward({ model: runtimeModel(net16, 'fixed16'), input: 'img', shape: [1, 3, h, w], fetch: ['out'], rewrite: false });
  const ref = (await whole.run(x)).out!.data.slice();
  await whole.release({ drop: true });
  const net = fastNet(net16, 'fixed16.onnx');
  assert.deepEqual(net.fixed, { width: 16, height: 16 });
  const { runner, sessions } = runnerFor(net16, 'fixed16', 'img', 'out');
  // receptive radius 3 px (three 3×3 convs): margin 3, overlap 12
  const tiled = await stylizePlanes(x, h, w, net, runner, { tile: net.fixed!, overlap: 12, margin: 3 });
  assert.ok(tiled);
  assert.equal(tiled.tiles, tileStarts(h, 16, 12).length * tileStarts(w, 16, 12).length);
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < ref.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(tiled.out[i]! - ref[i]!)); maxRef = Math.max(maxRef, Math.abs(ref[i]!)); }
  assert.ok(maxDiff <= 1e-5 * Math.max(1, maxRef), `tiled vs whole: max |Δ| ${maxDiff} (max |out| ${maxRef})`);

  // without a margin the tiles' zero-padded borders leak into the blend: the same comparison fails
  const noMargin = await stylizePlanes(x, h, w, net, runner, { tile: net.fixed!, overlap: 12, margin: 0 });
  let leak = 0;
  for (let i = 0; i < ref.length; i++) leak = Math.max(leak, Math.abs(noMargin!.out[i]! - ref[i]!));
  assert.ok(leak > 1e-3, `margin 0 should differ from the whole run (max |Δ| ${leak})`);
  for (const s of sessions) await s.release({ drop: true });
});

test('a photo smaller than the fixed input is reflect-padded into one tile and comes back at its own size', async () => {
  const net16 = fixedImageNet(16);
  const net = fastNet(net16, 'fixed16.onnx');
  const { runner, sessions } = runnerFor(net16, 'fixed16', 'img', 'out');
  const img = { width: 10, height: 7, data: Uint8Array.from({ length: 10 * 7 * 3 }, (_, i) => (i * 37) % 256) };
  const space = presetSpace('raw255');
  const r = await stylizeRgb(img, net, { input: space, output: space }, runner, { tile: net.fixed!, overlap: 4 });
  assert.equal(r?.tiles, 1);
  assert.deepEqual([r?.image.width, r?.image.height, r?.image.data.length], [10, 7, 10 * 7 * 3]);
  for (const s of sessions) await s.release({ drop: true });
});

test('a model whose output is not an image is refused, naming the file and the output', async () => {
  const mlp = mlpModel();
  // as declared in the file
  const declared = { ...mlp, graph: { ...mlp.graph, outputs: [{ name: 'prob', dtype: 'float32' as const, shape: [1, 5] }] } };
  assert.throws(() => fastNet(declared, 'classifier.onnx'), (e) => {
    assert.equal(errorCode(e), 'not-image-model');
    assert.match((e as Error).message, /^classifier\.onnx: its output "prob" has shape \[1,5\]; stylize needs a network whose output is an image/);
    return true;
  });
  // declared nowhere: the shape of the model's inspection run
  const d = await inspectModel(loadModelBytes(encodeModel(mlp), 'classifier.onnx'), { intraOpNumThreads: 1 });
  assert.throws(() => fastNet(mlp, 'classifier.onnx', inspectedOutput(d)), /classifier\.onnx: its output "prob" is \[1,5\] for a 8×8 image/);
  // an image-to-image net passes the same check
  const img = fixedImageNet(16);
  const di = await inspectModel(loadModelBytes(encodeModel(img), 'fixed16.onnx'), { intraOpNumThreads: 1 });
  assert.equal(fastNet(img, 'fixed16.onnx', inspectedOutput(di)).output, 'out');
});

const candy = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'models', 'style', 'candy.onnx');
test('the zoo\'s candy.onnx (opset 7: ImageScaler, Crop, InstanceNormalization) runs in onnxruntime-node: BGR 0..255 in and out', { skip: !fs.existsSync(candy) && `${candy} not found`, timeout: 120_000 }, async () => {
  const lm = loadModelFile(candy);
  const net = fastNet(lm.model, lm.fileName);
  assert.deepEqual(net, { input: 'inputImage', output: 'outputImage', fixed: { width: 720, height: 720 } });
  const spaces = fastSpaces(lm.model, presetSpace('caffe'));
  assert.deepEqual(spaces.input, { channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [0, 0, 0], std: [1, 1, 1] });
  const { runner, sessions } = runnerFor(lm.model, lm.sha256, net.input, net.output);
  // a grey photo with a red square: the network paints it (the output is not the input) and keeps its size
  const w = 96, h = 64;
  const data = new Uint8Array(w * h * 3).fill(128);
  for (let y = 20; y < 40; y++) for (let x = 30; x < 60; x++) data.set([220, 30, 30], (y * w + x) * 3);
  const r = await stylizeRgb({ width: w, height: h, data }, net, spaces, runner, { tile: net.fixed!, overlap: 64 });
  assert.deepEqual([r!.image.width, r!.image.height], [w, h]);
  let diff = 0;
  for (let i = 0; i < data.length; i++) diff += Math.abs(r!.image.data[i]! - data[i]!);
  assert.ok(diff / data.length > 10, `the stylized picture should differ from the photo (mean |Δ| ${diff / data.length})`);
  for (const s of sessions) await s.release({ drop: true });
});
