// The receptive field against the truth: a hand-built net of all-positive kernels run by onnxruntime on an
// impulse at every input pixel. With positive weights nothing cancels, so the input pixels a map position
// responds to are exactly its receptive field clipped to the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { encodeModel, makeTensor, type Attr, type Model, type Node, type Tensor } from '../onnx/model';
import { clipRect, FieldError, fitMap, patchRect, receptiveField } from './receptive-field';

const ints = (value: number[]): Attr => ({ type: 'ints', value });

/** conv/pool chain on a 1-channel image; every conv kernel is all ones */
function fieldNet(): Model {
  const nodes: Node[] = [], inits: Tensor[] = [];
  const conv = (name: string, input: string, k: number, attrs: Record<string, Attr>, cin = 1) => {
    inits.push(makeTensor(`${name}_w`, 'float32', [1, cin, k, k], new Array(cin * k * k).fill(1)));
    nodes.push({ name, opType: 'Conv', domain: '', inputs: [input, `${name}_w`], outputs: [name], attrs: { kernel_shape: ints([k, k]), ...attrs } });
  };
  conv('c1', 'x', 3, { pads: ints([1, 1, 1, 1]) });
  nodes.push({ name: 'r1', opType: 'Relu', domain: '', inputs: ['c1'], outputs: ['r1'], attrs: {} });
  nodes.push({ name: 'p1', opType: 'MaxPool', domain: '', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([0, 0, 1, 1]), ceil_mode: { type: 'int', value: 1 } } });
  conv('c2', 'p1', 5, { strides: ints([2, 2]), pads: ints([2, 2, 2, 2]) });
  conv('c3', 'c2', 3, { dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) });
  // an Inception-like join: a 1×1 branch and a 3×3 branch of c3, concatenated
  conv('b1', 'c3', 1, {});
  conv('b3', 'c3', 3, { pads: ints([1, 1, 1, 1]) });
  nodes.push({ name: 'cat', opType: 'Concat', domain: '', inputs: ['b1', 'b3'], outputs: ['cat'], attrs: { axis: { type: 'int', value: 1 } } });
  conv('v', 'cat', 3, { auto_pad: { type: 'string', value: 'VALID' } }, 2);
  nodes.push({ name: 'gap', opType: 'GlobalAveragePool', domain: '', inputs: ['v'], outputs: ['gap'], attrs: {} });
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'featurescope-tests', producerVersion: '0', docString: '', metadata: {},
    graph: { name: 'rf', nodes, initializers: inits, inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 1, 'H', 'W'] }], outputs: ['c1', 'p1', 'c2', 'c3', 'cat', 'v', 'gap'].map((name) => ({ name, dtype: 'float32' as const })), valueInfo: [] },
  };
}

test('receptive fields of a conv/pool/dilated/concat chain equal the impulse responses onnxruntime computes', async () => {
  const m = fieldNet();
  const H = 29, W = 33;
  const session = await ort.InferenceSession.create(encodeModel(m));
  // one impulse per input pixel, all in one batch
  const n = H * W;
  const x = new Float32Array(n * n);
  for (let i = 0; i < n; i++) x[i * n + i] = 1;
  const out = await session.run({ x: new ort.Tensor('float32', x, [n, 1, H, W]) });
  for (const layer of ['c1', 'p1', 'c2', 'c3', 'cat', 'v']) {
    const f = receptiveField(m, 'x', layer, H, W);
    const t = out[layer]!;
    const [, c, h, w] = t.dims as number[];
    assert.deepEqual(f.mapSize, [h, w], `${layer}: map size`);
    const data = t.data as Float32Array;
    for (let oy = 0; oy < h!; oy++) {
      for (let ox = 0; ox < w!; ox++) {
        // the input pixels this position responds to, in any channel (a layer's field is its widest branch's)
        let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
        for (let i = 0; i < n; i++) {
          let hit = false;
          for (let ch = 0; ch < c!; ch++) hit ||= data[((i * c! + ch) * h! + oy) * w! + ox]! > 0;
          if (hit) {
            const py = Math.floor(i / W), px = i % W;
            x0 = Math.min(x0, px); x1 = Math.max(x1, px); y0 = Math.min(y0, py); y1 = Math.max(y1, py);
          }
        }
        const r = clipRect(patchRect(f, fitMap(W, H, W, H, 'stretch'), ox, oy), W, H);
        assert.deepEqual(r, { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, `${layer} at (${ox},${oy}): field ${JSON.stringify(f)}`);
      }
    }
  }
  const c3 = receptiveField(m, 'x', 'c3', H, W);
  // by hand: 3 → 3+2·1=5 (pool) → stride 2 → 5+4·2=13 (conv5 s2) → stride 4 → 13+4·4=29 (dilated 3×3)
  assert.deepEqual(c3.size, [29, 29]);
  assert.deepEqual(c3.stride, [4, 4]);
  await session.release();
});

test('non-spatial and unknown layers are refused with the reason', () => {
  const m = fieldNet();
  assert.throws(() => receptiveField(m, 'x', 'gap', 32, 32), (e: unknown) => e instanceof FieldError && e.code === 'not-spatial' && /"gap" is not spatial/.test(e.message));
  assert.throws(() => receptiveField(m, 'x', 'nope', 32, 32), (e: unknown) => e instanceof FieldError && e.code === 'no-such-layer');
  const resized: Model = { ...m, graph: { ...m.graph, nodes: [{ name: 'up', opType: 'Resize', domain: '', inputs: ['x'], outputs: ['u'], attrs: {} }, ...m.graph.nodes.map((nd) => (nd.name === 'c1' ? { ...nd, inputs: ['u', ...nd.inputs.slice(1)] } : nd))] } };
  assert.throws(() => receptiveField(resized, 'x', 'c2', 32, 32), (e: unknown) => e instanceof FieldError && e.code === 'unsupported-op' && /Resize node "up"/.test(e.message));
});

test('patches land on the photo through each resize mode', () => {
  // a 3×3 field with stride 2 and offset 0 at a 10×10 model input
  const field = { size: [3, 3] as [number, number], stride: [2, 2] as [number, number], offset: [0, 0] as [number, number] };
  // stretch: a 40×20 photo is 4× wider and 2× taller than the model input
  const s = patchRect(field, fitMap(40, 20, 10, 10, 'stretch'), 2, 3);
  // model pixels x 3..5, y 5..7 → photo x [12, 24), y [10, 16)
  assert.deepEqual({ x: s.x, y: s.y, width: s.width, height: s.height }, { x: 12, y: 10, width: 12, height: 6 });
  assert.deepEqual({ cx: s.cx, cy: s.cy }, { cx: 18, cy: 13 });
  // center-crop: 40×20 → scale 2 (the short side), 10 px cropped off each side horizontally
  const c = patchRect(field, fitMap(40, 20, 10, 10, 'center-crop'), 0, 0);
  assert.deepEqual({ x: c.x, y: c.y, width: c.width, height: c.height }, { x: 10 - 2, y: -2, width: 6, height: 6 });
  // pad: 40×20 → scale 4, the photo is centred vertically with 5 model px (20 photo px) of padding above
  const p = patchRect(field, fitMap(40, 20, 10, 10, 'pad'), 1, 3);
  assert.deepEqual({ x: p.x, y: p.y }, { x: 4 * 1, y: -10 + 4 * 5 });
  assert.deepEqual(clipRect(c, 40, 20), { x: 8, y: 0, width: 6, height: 4 });
});
