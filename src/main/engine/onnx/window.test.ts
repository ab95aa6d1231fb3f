// A window op's arithmetic against sizes onnxruntime produces for the same attributes (hand-checked here):
// plain, padded and strided, dilated, SAME_UPPER / SAME_LOWER, and ceil_mode with its last-window rule —
// the case the dream's own copy used to get wrong (one position too many).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attr, Node } from './model';
import { windowAxes } from './window';

const ints = (value: number[]): Attr => ({ type: 'ints', value });
function node(opType: string, attrs: Record<string, Attr>): Node {
  return { name: 'n', opType, domain: '', inputs: ['x'], outputs: ['y'], attrs };
}

test('windowAxes: output size, begin pad and effective kernel per axis', () => {
  // 3×3 conv, pad 1, stride 2 on 224: 112 positions, windows start at −1
  assert.deepEqual(windowAxes(node('Conv', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }), [224, 224]),
    [{ size: 112, begin: 1, eff: 3, stride: 2 }, { size: 112, begin: 1, eff: 3, stride: 2 }]);
  // dilation 2 makes a 3-tap kernel span 5
  assert.deepEqual(windowAxes(node('Conv', { kernel_shape: ints([3, 3]), dilations: ints([2, 2]) }), [10, 9]).map((a) => [a.size, a.eff]), [[6, 5], [5, 5]]);
  // SAME pads: ceil(n / s) positions; the odd total pad goes after (UPPER) or before (LOWER)
  const same = (mode: string) => windowAxes(node('Conv', { kernel_shape: ints([4, 4]), strides: ints([2, 2]), auto_pad: { type: 'string', value: mode } }), [7, 7])[0]!;
  assert.deepEqual(same('SAME_UPPER'), { size: 4, begin: 1, eff: 4, stride: 2 });
  assert.deepEqual(same('SAME_LOWER'), { size: 4, begin: 2, eff: 4, stride: 2 });
  // a Conv without kernel_shape gets the asked default
  assert.equal(windowAxes(node('Conv', {}), [8], 3)[0]!.size, 6);
});

test('ceil_mode: a window that would start in the end padding is dropped (ONNX / PyTorch rule)', () => {
  const pool = (n: number, attrs: Record<string, Attr>) => windowAxes(node('MaxPool', { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: { type: 'int', value: 1 }, ...attrs }), [n, n])[0]!.size;
  // GoogLeNet's pool1: 3×3 / 2 on 112 with ceil → 56
  assert.equal(windowAxes(node('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: { type: 'int', value: 1 } }), [112, 112])[0]!.size, 56);
  // 5 wide, pads 1 / 1: ceil((5 + 2 − 2) / 2) + 1 = 4, but the 4th window would start at 6 ≥ 5 + 1 (in the end pad): 3
  assert.equal(pool(5, { pads: ints([1, 1, 1, 1]) }), 3);
  // without ceil_mode the floor gives 3 as well; with ceil and no pads, 5 → 3 (the last window starts at 4, inside)
  assert.equal(pool(5, {}), 3);
});
