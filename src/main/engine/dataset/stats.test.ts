// LayerStats.add against a brute force on hand-made maps where zeros matter: add() counts zeros apart from
// the other values (ReLU maps are mostly zeros), so extremes at a zero, ties between a zero and -0, all-zero
// maps and zeros outside the histogram's range must come out as a plain pass over every value would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerStats } from './stats';

function brute(maps: number[][]): { max: number; iMax: number; min: number; iMin: number; sum: number }[] {
  return maps.map((m) => {
    let max = -Infinity, min = Infinity, iMax = 0, iMin = 0, sum = 0;
    m.forEach((v, i) => { if (v > max) { max = v; iMax = i; } if (v < min) { min = v; iMin = i; } sum += v; });
    return { max, iMax, min, iMin, sum };
  });
}

test('extremes, sums and histogram counts with zeros: equal to a brute force over every value', () => {
  const W = 4;
  // one channel, 1×4 maps; photo ids 1..n
  const maps = [
    [3, 1, 2, 5], // no zeros: sets the range [1, 5]
    [0, -0, 0, 0], // all zeros, below the range: the range grows down
    [-2, 0, 4, 0], // a negative, zeros in the middle
    [0, 7, -0, -3], // zero first, a new max above the range
    [-0, 0, -1, 0], // min at -1, max at the first zero (-0)
    [0, 0, 0, 0],
  ];
  const s = new LayerStats({ channels: 1, height: 1, width: W }, 6, 8);
  const pooled = new Float32Array(1);
  const want = brute(maps);
  maps.forEach((m, p) => {
    s.add(p + 1, new Float32Array(m), 0, pooled);
    assert.equal(pooled[0], want[p]!.sum / W, `photo ${p + 1}: pooled mean`);
  });
  // every photo's max and min sit in the lists (k = 6 holds them all), at the brute force's first position
  const top = s.extremes(0), bottom = s.extremes(0, true);
  for (const [p, w] of want.entries()) {
    const t = top.find((e) => e.photoId === p + 1)!, b = bottom.find((e) => e.photoId === p + 1)!;
    assert.ok(Object.is(t.value === 0 ? 0 : t.value, w.max === 0 ? 0 : w.max) && t.x === w.iMax, `photo ${p + 1}: max ${t.value}@${t.x}, brute ${w.max}@${w.iMax}`);
    assert.ok(b.value === w.min && b.x === w.iMin, `photo ${p + 1}: min ${b.value}@${b.x}, brute ${w.min}@${w.iMin}`);
  }
  // the lists are ordered by value, ties by photo id
  assert.deepEqual(top.map((e) => e.photoId), [4, 1, 3, 2, 5, 6]);
  assert.deepEqual(bottom.map((e) => e.photoId), [4, 3, 5, 2, 6, 1]);
  const h = s.histogramOf(0);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), maps.length * W, 'every value counted once');
  assert.equal(h.count, maps.length * W);
  // each value in its bin: recount all of them against the final bins
  const expected = new Array<number>(8).fill(0);
  const width = (h.hi - h.lo) / 8;
  for (const v of maps.flat()) expected[Math.min(7, Math.floor((v - h.lo) / width))]!++;
  assert.deepEqual(h.counts, expected);
  assert.equal(h.min, -3);
  assert.equal(h.max, 7);
});
