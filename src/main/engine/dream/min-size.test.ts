// Sizes a dream can run at: the first node left without pixels, the smallest side that works (checked
// against the conv/pool arithmetic by hand), every octave checked, and the memory budget for big photos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Node } from '../onnx/model';
import { BUDGET_ENV } from '../runtime/budget';
import { checkDreamSize, DREAM_BYTES_PER_PIXEL, emptyNodeAt, smallestSide } from './min-size';

const ints = (value: number[]) => ({ type: 'ints' as const, value });
const node = (opType: string, inputs: string[], out: string, attrs: Node['attrs'] = {}): Node => ({ name: out, opType, domain: '', inputs, outputs: [out], attrs });

/** x → Conv 3×3 stride 2 (no pad) → MaxPool 3×3 stride 2 → Relu: out = ⌊(⌊(n−3)/2⌋+1 − 3)/2⌋ + 1 ≥ 1 needs n ≥ 7. */
const model: Model = {
  irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
  graph: {
    name: 'g', valueInfo: [], initializers: [],
    nodes: [
      node('Conv', ['x', 'w'], 'conv', { kernel_shape: ints([3, 3]), strides: ints([2, 2]) }),
      node('MaxPool', ['conv'], 'pool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]) }),
      node('Relu', ['pool'], 'relu'),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, null, null] }], outputs: [{ name: 'relu', dtype: 'float32', shape: [] }],
  },
};

test('the first node without pixels, and the smallest side', () => {
  assert.deepEqual(emptyNodeAt(model, 'x', 1, 1, ['relu']), { node: 'conv', opType: 'Conv', size: [0, 0] });
  assert.equal(emptyNodeAt(model, 'x', 5, 40, ['relu'])?.node, 'pool');
  assert.equal(emptyNodeAt(model, 'x', 7, 7, ['relu']), undefined);
  assert.equal(emptyNodeAt(model, 'x', 5, 5, ['conv']), undefined, 'nodes after the dreamed layer do not count');
  assert.equal(smallestSide(model, 'x', ['relu']), 7);
  assert.equal(smallestSide(model, 'x', ['conv']), 3);
});

test('checkDreamSize names the photo, the node, the octave and the size that works', () => {
  const photo = { name: 'tiny.png', width: 6, height: 6 };
  assert.throws(() => checkDreamSize(model, 'x', ['relu'], [{ h: 6, w: 6 }], photo, 'net.onnx'),
    /^Error: tiny\.png is 6×6: too small for net\.onnx's layer relu — its MaxPool node "pool" would have no pixels left \(0×0\)\. Dream at least 7×7 pixels/);
  const big = { name: 'wide.jpg', width: 40, height: 10 };
  assert.throws(() => checkDreamSize(model, 'x', ['relu'], [{ h: 5, w: 20 }, { h: 10, w: 40 }], big, 'net.onnx'), /wide\.jpg is 40×10 \(its smallest octave is 20×5\): too small/);
  assert.doesNotThrow(() => checkDreamSize(model, 'x', ['relu'], [{ h: 7, w: 7 }, { h: 10, w: 10 }], { name: 'ok.png', width: 10, height: 10 }, 'net.onnx'));
});

test('a dream bigger than the memory budget is refused before it starts, naming the photo and the setting', () => {
  const saved = process.env[BUDGET_ENV];
  try {
    process.env[BUDGET_ENV] = '64M';
    const side = Math.ceil(Math.sqrt((128 * 2 ** 20) / DREAM_BYTES_PER_PIXEL)); // twice the budget
    assert.throws(() => checkDreamSize(model, 'x', ['relu'], [{ h: side, w: side }], { name: 'huge.jpg', width: side, height: side }, 'net.onnx'),
      (e: Error & { code?: string }) => e.code === 'over-budget' && /^A dream on huge\.jpg at \d+×\d+ \(about 114 bytes a pixel\) needs 128 MiB, more than the engine's memory budget of 64 MiB \(FEATURESCOPE_MEMORY_BUDGET=64M\)/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env[BUDGET_ENV];
    else process.env[BUDGET_ENV] = saved;
  }
});
