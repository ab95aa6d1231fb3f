// Transforms: every drawn map's adjoint against finite differences, what each one does to an image,
// Lucid's standard list, and batch items transformed alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose, drawTransform, drawTransforms, STANDARD_ANGLES, STANDARD_SCALES, STANDARD_TRANSFORMS, type TransformSpec } from './index';
import { checkGradient, dot, randomVector } from '../testing';
import { seededRandom } from '../../../../shared/random';
import type { Dims } from '../types';

const size = (d: Dims) => d[0] * d[1] * d[2] * d[3];

/** L(x) = ⟨w, T(x)⟩ for one draw of T: T's adjoint(w) against central differences at every input value */
function checkAdjoint(spec: TransformSpec, dims: Dims, seed: number): string {
  const t = drawTransform(spec, dims, seededRandom(seed));
  const x = randomVector(size(dims), seed);
  const w = randomVector(size(t.outDims), seed + 1);
  const grad = t.adjoint(w);
  const r = checkGradient((p) => dot(w, t.forward(p)), x.slice(), grad);
  assert.ok(r.maxError <= 1e-9 * Math.max(1, r.scale), `${JSON.stringify(spec)} (${t.draw}): ${r.maxError} (scale ${r.scale})`);
  assert.ok(r.scale > 0.1, `${t.draw}: the check saw a gradient`);
  return t.draw;
}

test('every transform: the adjoint is the exact gradient (several draws each, batch 2, odd sizes)', () => {
  const dims: Dims = [2, 3, 9, 11];
  const specs: TransformSpec[] = [
    { kind: 'pad', pixels: 3 },
    { kind: 'pad', pixels: 4, mode: 'reflect' },
    { kind: 'jitter', pixels: 4 },
    { kind: 'jitter', pixels: 3, mode: 'translate' },
    { kind: 'jitter', pixels: 5, mode: 'roll' },
    { kind: 'scale', factors: [0.7, 1.3, 0.95, 2] },
    { kind: 'rotate', degrees: [-10, 7, 33, 90] },
    compose([{ kind: 'pad', pixels: 2, mode: 'reflect' }, { kind: 'rotate', degrees: [15] }, { kind: 'jitter', pixels: 2 }]),
  ];
  for (const spec of specs) {
    const draws = new Set<string>();
    for (let seed = 1; seed <= 4; seed++) draws.add(checkAdjoint(spec, dims, seed));
    if (spec.kind !== 'pad' && spec.kind !== 'compose') assert.ok(draws.size > 1, `${spec.kind}: draws vary with the seed`);
  }
  // on a square, quarter turns carry the corner pixels onto corners: their adjoint entries are checked too
  for (let seed = 1; seed <= 3; seed++) checkAdjoint({ kind: 'rotate', degrees: [90, -90, 180] }, [1, 2, 7, 7], seed);
  // Lucid's standard transforms on a 24 px image (pad 12 → 48, crop 40, scale, rotate, crop 36-ish)
  for (let seed = 1; seed <= 3; seed++) checkAdjoint(compose(STANDARD_TRANSFORMS), [1, 3, 24, 24], seed);
});

test('pad: constant fills the value; reflect mirrors without repeating the edge (torch "reflect")', () => {
  const x = Float64Array.from([1, 2, 3]);
  const c = drawTransform({ kind: 'pad', pixels: 1, value: 0.5 }, [1, 1, 1, 3], seededRandom(1));
  assert.deepEqual(c.outDims, [1, 1, 3, 5]);
  assert.deepEqual(Array.from(c.forward(x)), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  const r = drawTransform({ kind: 'pad', pixels: 2, mode: 'reflect' }, [1, 1, 3, 3], seededRandom(1));
  const img = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const out = r.forward(img);
  assert.deepEqual(Array.from(out.subarray(2 * 7, 3 * 7)), [3, 2, 1, 2, 3, 2, 1]); // row 0 of the image: 3 2 [1 2 3] 2 1
  assert.deepEqual(Array.from(out.subarray(0, 7)), [9, 8, 7, 8, 9, 8, 7]); // two rows up mirrors to row 2
  assert.throws(() => drawTransform({ kind: 'pad', pixels: 3, mode: 'reflect' }, [1, 1, 3, 3], seededRandom(1)), /reflect/);
});

test("jitter: Lucid's crop keeps a (H−n)×(W−n) window at offsets 0..n; translate shifts with zero fill", () => {
  const img = Float64Array.from({ length: 36 }, (_, i) => i); // 6×6, value = 6y + x
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const t = drawTransform({ kind: 'jitter', pixels: 2 }, [1, 1, 6, 6], seededRandom(seed));
    assert.deepEqual(t.outDims, [1, 1, 4, 4]);
    const out = t.forward(img);
    const oy = Math.floor(out[0]! / 6), ox = out[0]! % 6;
    seen.add(`${ox},${oy}`);
    assert.equal(t.draw, `jitter(${ox},${oy})`);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.equal(out[y * 4 + x], 6 * (y + oy) + x + ox);
  }
  assert.equal(seen.size, 9, 'every offset 0..2 × 0..2 is drawn');
  const t = drawTransform({ kind: 'jitter', pixels: 3, mode: 'translate' }, [1, 1, 6, 6], seededRandom(4));
  const [dx, dy] = t.draw.match(/\d+/g)!.map(Number) as [number, number];
  const out = t.forward(img);
  for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) assert.equal(out[y * 6 + x], y >= dy && x >= dx ? 6 * (y - dy) + x - dx : 0);
});

test('jitter roll: np.roll by −n..n on each axis; its adjoint rolls back', () => {
  const img = Float64Array.from({ length: 20 }, (_, i) => i); // 4×5
  const seen = new Set<string>();
  for (let seed = 0; seed < 100; seed++) {
    const t = drawTransform({ kind: 'jitter', pixels: 1, mode: 'roll' }, [1, 1, 4, 5], seededRandom(seed));
    const [dx, dy] = t.draw.match(/-?\d+/g)!.map(Number) as [number, number];
    seen.add(`${dx},${dy}`);
    const out = t.forward(img);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) assert.equal(out[((y + dy + 4) % 4) * 5 + ((x + dx + 5) % 5)], img[y * 5 + x]);
    assert.deepEqual(t.adjoint(out), img);
  }
  assert.equal(seen.size, 9);
});

test('scale: round(s·size), corners kept (aligned corners), linear ramps stay linear, constants constant', () => {
  const t = drawTransform({ kind: 'scale', factors: [1.5] }, [1, 1, 4, 6], seededRandom(1));
  assert.deepEqual(t.outDims, [1, 1, 6, 9]);
  const ramp = Float64Array.from({ length: 24 }, (_, i) => 2 * Math.floor(i / 6) + 0.5 * (i % 6)); // 2y + x/2
  const out = t.forward(ramp);
  for (let y = 0; y < 6; y++) for (let x = 0; x < 9; x++) {
    const want = 2 * (y * 3 / 5) + 0.5 * (x * 5 / 8); // aligned corners: src = dst·(in − 1)/(out − 1)
    assert.ok(Math.abs(out[y * 9 + x]! - want) < 1e-12, `(${y},${x})`);
  }
  const down = drawTransform({ kind: 'scale', factors: [0.5] }, [1, 2, 7, 7], seededRandom(1));
  assert.deepEqual(down.outDims, [1, 2, 4, 4]);
  assert.ok(down.forward(new Float64Array(98).fill(0.3)).every((v) => Math.abs(v - 0.3) < 1e-15));
});

test('rotate: 90° turns a square counter-clockwise on screen; 0° is the identity; corners leave zeros', () => {
  const img = Float64Array.from({ length: 9 }, (_, i) => i + 1); // [[1,2,3],[4,5,6],[7,8,9]]
  const t = drawTransform({ kind: 'rotate', degrees: [90] }, [1, 1, 3, 3], seededRandom(1));
  const out = Array.from(t.forward(img), (v) => Math.round(v * 1e9) / 1e9);
  assert.deepEqual(out, [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  const id = drawTransform({ kind: 'rotate', degrees: [0] }, [1, 1, 3, 3], seededRandom(1));
  assert.deepEqual(Array.from(id.forward(img)), Array.from(img));
  const r = drawTransform({ kind: 'rotate', degrees: [45] }, [1, 1, 9, 9], seededRandom(1));
  const o = r.forward(new Float64Array(81).fill(1));
  assert.equal(o[0], 0); // the corner samples outside the input
  assert.ok(Math.abs(o[40]! - 1) < 1e-12); // the centre stays
});

test("Lucid's standard transforms: the constants, the shapes at 128 px, and one draw per step for the whole batch", () => {
  assert.deepEqual(STANDARD_SCALES.map((s) => Math.round(s * 100) / 100), [0.9, 0.92, 0.94, 0.96, 0.98, 1, 1.02, 1.04, 1.06, 1.08, 1.1]);
  assert.equal(STANDARD_ANGLES.length, 26);
  assert.equal(STANDARD_ANGLES.filter((a) => a === 0).length, 6);
  const rand = seededRandom(0);
  for (let step = 0; step < 20; step++) {
    const t = drawTransforms(STANDARD_TRANSFORMS, [1, 3, 128, 128], rand);
    const s = Number(t.draw.match(/scale\(([\d.]+)\)/)![1]);
    const side = Math.round(s * 144) - 4; // pad to 152, crop 8 → 144, scale, crop 4
    assert.deepEqual(t.outDims, [1, 3, side, side], t.draw);
  }
  // same seed, same draws; batch items get the same transform
  const a = drawTransforms(STANDARD_TRANSFORMS, [2, 3, 20, 20], seededRandom(9));
  const b = drawTransforms(STANDARD_TRANSFORMS, [1, 3, 20, 20], seededRandom(9));
  assert.equal(a.draw, b.draw);
  const two = randomVector(2 * 3 * 400, 1);
  const both = a.forward(two);
  const per = size(b.outDims);
  assert.deepEqual(both.subarray(per), b.forward(two.slice(1200)));
  assert.deepEqual(both.subarray(0, per), b.forward(two.slice(0, 1200)));
  assert.deepEqual(drawTransforms([], [1, 3, 5, 5], seededRandom(1)).outDims, [1, 3, 5, 5]);
});
