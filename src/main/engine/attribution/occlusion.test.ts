// Occlusion on tiny linear models: f(x) = W·x + b, so hiding a window drops f by Σ_window W∘(x − v),
// and every pixel's value is the mean drop over the windows covering it (Captum's semantics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attributor } from './attribute';
import { occlusionWindows } from './methods/occlusion';
import { linearModel } from './testing/tiny-models';
import type { InputImage } from './types';

const img = (chw: [number, number, number], values: number[]): InputImage => ({ data: Float32Array.from(values), shape: [1, ...chw] });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('window positions follow Captum: ceil((H − w)/s) + 1, last one clipped', () => {
  assert.deepEqual(occlusionWindows(224, 224, 32, 16).ys.length, 13);
  assert.deepEqual(occlusionWindows(3, 3, 2, 2), { ys: [0, 2], xs: [0, 2] });
  assert.deepEqual(occlusionWindows(5, 4, 2, 1), { ys: [0, 1, 2, 3], xs: [0, 1, 2] });
});

test('occlusion 1×1 windows on a linear model give W∘(x − baseline) exactly', async () => {
  const a = new Attributor(linearModel([1, 2, 2], [[1, 2, 3, 4], [0, 0, 0, 1]], [0.5, 0]), [1, 2, 2]);
  const r = await a.attribute(img([1, 2, 2], [1, 1, 1, 1]), { method: 'occlusion', window: 1, stride: 1, target: { kind: 'class', index: 0 } });
  close(r.map, [1, 2, 3, 4]);
  assert.equal(r.targetScore, 10.5);
  const r2 = await a.attribute(img([1, 2, 2], [1, 1, 1, 1]), { method: 'occlusion', window: 1, stride: 1, baselineValue: 1, target: { kind: 'class', index: 0 } });
  close(r2.map, [0, 0, 0, 0]);
  // one window covering everything: every pixel gets the whole drop
  const r3 = await a.attribute(img([1, 2, 2], [1, 1, 1, 1]), { method: 'occlusion', window: 2, stride: 1, target: { kind: 'class', index: 0 } });
  close(r3.map, [10, 10, 10, 10]);
  await a.release();
});

test('overlapping and clipped windows average the drops; all channels are hidden together; same map at batch sizes 1, 2, 7', async () => {
  const chw: [number, number, number] = [2, 3, 3];
  const W = [Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) - 2), Array.from({ length: 18 }, (_, i) => i / 10)];
  const x = Array.from({ length: 18 }, (_, i) => Math.sin(i + 1));
  const a = new Attributor(linearModel(chw, W, [0.1, -0.2]), chw);
  for (const [window, stride, v] of [[2, 1, 0], [2, 2, 0.5]] as const) {
    // reference written independently: loop over pixels, then over the windows covering them
    const { ys, xs } = occlusionWindows(3, 3, window, stride);
    const drop = (y0: number, x0: number) => {
      let d = 0;
      for (let c = 0; c < 2; c++) for (let y = y0; y < Math.min(3, y0 + window); y++) for (let xx = x0; xx < Math.min(3, x0 + window); xx++) {
        const i = c * 9 + y * 3 + xx;
        d += W[1]![i]! * (x[i]! - v);
      }
      return d;
    };
    const expect = new Array<number>(18).fill(0);
    for (let y = 0; y < 3; y++) for (let xx = 0; xx < 3; xx++) {
      const cover = ys.flatMap((y0) => xs.filter((x0) => y >= y0 && y < y0 + window && xx >= x0 && xx < x0 + window).map((x0) => drop(y0, x0)));
      const m = cover.length ? cover.reduce((p, q) => p + q, 0) / cover.length : 0;
      expect[y * 3 + xx] = m; expect[9 + y * 3 + xx] = m;
    }
    for (const batchSize of [1, 2, 7]) {
      const r = await a.attribute(img(chw, x), { method: 'occlusion', window, stride, baselineValue: v, batchSize, target: { kind: 'class', index: 1 } });
      close(r.map, expect, 1e-4);
      assert.deepEqual(r.shape, [1, 2, 3, 3]);
      assert.equal(r.timings.passes >= ys.length * xs.length + 1, true);
    }
  }
  await a.release();
});

test('top-1 resolves to the highest logit and names its label; a bad layer is named in the error', async () => {
  const a = new Attributor(linearModel([1, 1, 2], [[1, 0], [0, 1], [1, 1]], [0, 0, 0]), [1, 1, 2], { labels: ['a', 'b', 'c'], label: 'tiny.onnx' });
  const r = await a.attribute(img([1, 1, 2], [2, 3]), { method: 'occlusion', window: 1, stride: 1 });
  assert.deepEqual(r.settings.target, { kind: 'class', index: 2, label: 'c' });
  assert.equal(r.targetScore, 5);
  await assert.rejects(a.attribute(img([1, 1, 2], [2, 3]), { method: 'occlusion', target: { kind: 'channel', layer: 'nope', channel: 0 } }), /tiny\.onnx: no layer \(tensor\) named "nope"/);
  await assert.rejects(a.attribute(img([1, 1, 2], [2, 3]), { method: 'occlusion', window: 0 }), /bad attribution setting window/);
  await a.release();
});

test('top-1 on a model whose output is a feature map is refused with the output named', async () => {
  const { camModel } = await import('./testing/tiny-models');
  const m = camModel([4, 4], [1, -1], [[1, 1]]);
  // cut the head: the graph now ends at the [N,2,2,2] feature map
  m.graph.nodes = m.graph.nodes.slice(0, 2);
  m.graph.outputs = [{ name: 'feat', dtype: 'float32', shape: ['N', 2, 2, 2] }];
  const a = new Attributor(m, [1, 4, 4], { label: 'fmap.onnx' });
  await assert.rejects(a.attribute(img([1, 4, 4], new Array(16).fill(1)), { method: 'occlusion', window: 2, stride: 2 }), /fmap\.onnx: the top-1 target needs class scores, but the output "feat" is \[1,2,2,2\]/);
  const r = await a.attribute(img([1, 4, 4], new Array(16).fill(1)), { method: 'occlusion', window: 2, stride: 2, target: { kind: 'channel', layer: 'feat', channel: 0 } });
  assert.equal(r.targetScore, 1);
  await a.release();
});
