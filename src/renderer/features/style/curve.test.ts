import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStyleProgress, type StyleLosses } from '../../../shared/jobs/style';
import { addProgress, curveLength, curveSeries, decades, EMPTY_CURVE, formatLoss, savedCurve, stageBreaks, thin } from './curve';

const losses = (total: number, styleLayers = [total / 4, total / 4]): StyleLosses => ({
  total, content: total / 2, style: total / 2 - 1, tv: 1, contentLayers: [total / 2], styleLayers,
});
const msg = (stage: number, stages: number, iteration: number, iterations: number, l: StyleLosses) => formatStyleProgress({ stage, stages, iteration, iterations, losses: l });

test('addProgress: the engine\'s messages become points over all stages; other messages, repeats and late ones change nothing', () => {
  let c = addProgress(EMPTY_CURVE, 'stage 1/2: compiling the gradient at 128×96');
  assert.equal(c, EMPTY_CURVE);
  c = addProgress(c, msg(0, 2, 1, 10, losses(8e6)));
  c = addProgress(c, msg(0, 2, 2, 10, losses(4e6)));
  assert.equal(addProgress(c, msg(0, 2, 2, 10, losses(4e6))), c, 'a repeat');
  assert.equal(addProgress(c, msg(0, 2, 1, 10, losses(9e6))), c, 'an older iteration');
  c = addProgress(c, msg(1, 2, 3, 5, losses(1e6)));
  assert.deepEqual(c.stageIterations, [10, 5]);
  assert.deepEqual(c.points.map((p) => [p.x, p.stage]), [[1, 0], [2, 0], [13, 1]]);
  // the message rounds to 4 significant digits; the per-layer losses travel with the point
  assert.deepEqual(c.points[2]!.losses.styleLayers, [2.5e5, 2.5e5]);
  assert.equal(c.points[0]!.losses.total, 8e6);
  assert.deepEqual(stageBreaks(c), [10]);
  assert.equal(curveLength(c), 15);
});

test('savedCurve: the result\'s rows placed after the earlier stages\' iterations', () => {
  const c = savedCurve([[0, 1, 10, 5, 4, 1], [0, 4, 8, 4, 3, 1], [1, 2, 6, 3, 2, 1]], [{ iterations: 4 }, { iterations: 2 }]);
  assert.deepEqual(c.points.map((p) => p.x), [1, 4, 6]);
  assert.deepEqual(c.points[1]!.losses, { total: 8, content: 4, style: 3, tv: 1 });
  assert.equal(curveLength(c), 6);
});

test('curveSeries: terms that stay 0 are left out; style layers get their names when there is more than one', () => {
  let c = addProgress(EMPTY_CURVE, msg(0, 1, 1, 5, { total: 101, content: 0, style: 100, tv: 1, contentLayers: [], styleLayers: [60, 40] }));
  c = addProgress(c, msg(0, 1, 2, 5, { total: 51, content: 0, style: 50, tv: 1, contentLayers: [], styleLayers: [30, 20] }));
  const s = curveSeries(c, ['relu1_1', 'relu2_1']);
  assert.deepEqual(s.map((x) => x.label), ['total', 'style', 'TV', 'relu1_1', 'relu2_1']);
  assert.deepEqual(s.find((x) => x.label === 'relu2_1')!.points, [{ x: 1, y: 40 }, { x: 2, y: 20 }]);
  assert.equal(s[0]!.last, 51);
  const one = curveSeries(addProgress(EMPTY_CURVE, msg(0, 1, 1, 5, { total: 3, content: 1, style: 1, tv: 1, contentLayers: [1], styleLayers: [1] })));
  assert.deepEqual(one.map((x) => x.kind), ['total', 'content', 'style', 'tv'], 'one style layer is the style line itself');
});

test('decades: whole powers of ten around every value, at most 6 deep; none without points', () => {
  const c = savedCurve([[0, 1, 2.7e6, 1.9e6, 6.4e5, 1.1e5], [0, 2, 2.6e6, 1.8e6, 6.3e5, 1.2e3]], [{ iterations: 2 }]);
  assert.deepEqual(decades(curveSeries(c)), { lo: 3, hi: 7 });
  assert.equal(decades([]), undefined);
  // a content loss starting at ~0 (init from the content photo) does not stretch the axis to 1e-9
  const fromContent = savedCurve([[0, 1, 7e7, 1e-9, 7e7, 1e4], [0, 2, 6e7, 2e6, 5.8e7, 1.2e4]], [{ iterations: 2 }]);
  assert.deepEqual(decades(curveSeries(fromContent)), { lo: 2, hi: 8 });
  assert.deepEqual(decades(curveSeries(savedCurve([[0, 1, 100, 100, 0, 0]], [{ iterations: 1 }]))), { lo: 2, hi: 3 });
});

test('formatLoss', () => {
  assert.equal(formatLoss(2730000), '2.73e+6');
  assert.equal(formatLoss(812.345), '812');
  assert.equal(formatLoss(0), '0');
  assert.equal(formatLoss(0.001234), '1.23e-3');
});

test('thin: evenly spread, first and last kept, short lines untouched', () => {
  const pts = Array.from({ length: 1001 }, (_, i) => i);
  const t = thin(pts, 11);
  assert.deepEqual(t, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.deepEqual(thin([1, 2, 3], 10), [1, 2, 3]);
});

test('a tiled stage: its iterations run once per tile, so the curve goes on from tile to tile (live and saved)', () => {
  const tiled = (tile: number, iteration: number, l: StyleLosses) => formatStyleProgress({ stage: 1, stages: 2, tile, tiles: 3, iteration, iterations: 4, losses: l });
  assert.match(tiled(2, 1, losses(5)), /^stage 2\/2 · tile 2\/3 · iteration 1\/4 · loss/);
  let c = addProgress(EMPTY_CURVE, msg(0, 2, 10, 10, losses(8e6)));
  c = addProgress(c, tiled(1, 4, losses(4e6)));
  c = addProgress(c, tiled(2, 1, losses(3e6)));
  assert.deepEqual(c.stageIterations, [10, 12]);
  assert.deepEqual(c.points.map((p) => p.x), [10, 14, 15]);
  const saved = savedCurve([[1, 5, 6, 3, 2, 1]], [{ iterations: 10 }, { iterations: 4, tile: { count: 3 } }]);
  assert.deepEqual(saved.stageIterations, [10, 12]);
  assert.deepEqual(saved.points.map((p) => p.x), [15]);
});
