// Regularizers: values and gradients against finite differences, the neural-style and Lucid forms, and
// Lucid's blur kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRegularizer, blur, type RegularizerSpec } from './regularizers';
import { checkGradient, randomVector } from './testing';
import type { Dims } from './types';

test('TV (squared and abs), L1, L2: the gradient is the derivative of the value (weights, batch 2)', () => {
  const dims: Dims = [2, 3, 5, 6];
  const n = 2 * 3 * 30;
  // random values: no two neighbours equal and none at the L1 constant, so no kink is crossed
  const x = randomVector(n, 21, 0.3).map((v) => 0.5 + v);
  const specs: RegularizerSpec[] = [
    { kind: 'tv', weight: 0.7 },
    { kind: 'tv', weight: 2, form: 'abs' },
    { kind: 'l1', weight: 1.5, constant: 0.5 },
    { kind: 'l2', weight: 3, constant: 0.25 },
  ];
  for (const spec of specs) {
    const grad = new Float64Array(n);
    const values = applyRegularizer(spec, x, dims, grad);
    assert.equal(values.length, 2);
    const total = (p: Float64Array) => applyRegularizer(spec, p, dims, new Float64Array(n)).reduce((a, b) => a + b, 0);
    const r = checkGradient(total, x.slice(), grad, 1e-6);
    assert.ok(r.maxError < 1e-7 * Math.max(1, r.scale), `${spec.kind} ${JSON.stringify(spec)}: ${r.maxError} (scale ${r.scale})`);
    // items are independent: item 1's value ignores item 0's pixels
    const y = x.slice();
    y.fill(0.123, 0, n / 2);
    assert.equal(applyRegularizer(spec, y, dims, new Float64Array(n))[1], values[1]);
  }
});

test('TV values: neural-style ½Σ(dx² + dy²) over the top-left (H−1)×(W−1); Lucid Σ|dx| + Σ|dy| over all pairs', () => {
  // one 2×3 plane [[0, 1, 3], [2, 2, 2]]
  const x = Float64Array.from([0, 1, 3, 2, 2, 2]);
  const d: Dims = [1, 1, 2, 3];
  // squared, pixels (0,0) and (0,1): ½[(0−1)² + (0−2)²] + ½[(1−3)² + (1−2)²] = 2.5 + 2.5 = 5
  assert.deepEqual(applyRegularizer({ kind: 'tv', weight: 1 }, x, d, new Float64Array(6)), [5]);
  // abs: horizontal |1−0| + |3−1| + |2−2| + |2−2| = 3, vertical |2−0| + |2−1| + |2−3| = 4 → 7 (× weight 2)
  assert.deepEqual(applyRegularizer({ kind: 'tv', weight: 2, form: 'abs' }, x, d, new Float64Array(6)), [14]);
  // L1 around 1: 1 + 0 + 2 + 1 + 1 + 1 = 6; L2 around 0: √(ε + 0 + 1 + 9 + 4 + 4 + 4) ≈ √22
  assert.deepEqual(applyRegularizer({ kind: 'l1', weight: 1, constant: 1 }, x, d, new Float64Array(6)), [6]);
  assert.ok(Math.abs(applyRegularizer({ kind: 'l2', weight: 1 }, x, d, new Float64Array(6))[0]! - Math.sqrt(22 + 1e-6)) < 1e-15);
});

test("blur: Lucid's normalized 3×3 kernel; the penalty's gradient is weight·(x − blur(x)), so a step blurs", () => {
  // 3×3 plane with a single 1 in the corner: the corner's own window holds weights 1 + 3·0.5 = 2.5
  const x = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]);
  const b = blur(x, 0, 1, 3, 3);
  assert.ok(Math.abs(b[0]! - 1 / 2.5) < 1e-15);
  assert.ok(Math.abs(b[1]! - 0.5 / 3.5) < 1e-15); // edge pixel: 1 + 5·0.5
  assert.ok(Math.abs(b[4]! - 0.5 / 5) < 1e-15); // centre: 1 + 8·0.5
  assert.equal(b[8], 0);
  assert.ok(blur(new Float64Array(2 * 16).fill(0.7), 0, 2, 4, 4).every((v) => Math.abs(v - 0.7) < 1e-15));
  const grad = new Float64Array(9);
  const [v] = applyRegularizer({ kind: 'blur', weight: 2 }, x, [1, 1, 3, 3], grad);
  let want = 0;
  for (let i = 0; i < 9; i++) {
    const dlt = x[i]! - b[i]!;
    want += 0.5 * dlt * dlt;
    assert.ok(Math.abs(grad[i]! - 2 * dlt) < 1e-15);
  }
  assert.ok(Math.abs(v! - 2 * want) < 1e-15);
});
