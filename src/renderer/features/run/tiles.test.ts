import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colormap } from '../../../main/engine/image/grid';
import { cellRect, inputRegion, pageRange, valueOfViridis } from './tiles';

test('cells sit after the gap, row by row in ranking order', () => {
  const g = { cols: 23, rows: 23, cell: { width: 56, height: 56 }, gap: 2 };
  assert.deepEqual(cellRect(g, 0), { x: 2, y: 2, width: 56, height: 56 });
  assert.deepEqual(cellRect(g, 1), { x: 60, y: 2, width: 56, height: 56 });
  assert.deepEqual(cellRect(g, 23), { x: 2, y: 60, width: 56, height: 56 });
  assert.deepEqual(cellRect(g, 511), { x: 2 + 5 * 58, y: 2 + 22 * 58, width: 56, height: 56 });
});

test('pages cover every channel: 512 in 8 pages of 64, a short last page, clamped page numbers', () => {
  assert.deepEqual(pageRange(512, 0), { from: 0, to: 64, page: 0, pages: 8 });
  assert.deepEqual(pageRange(512, 7), { from: 448, to: 512, page: 7, pages: 8 });
  assert.deepEqual(pageRange(100, 5), { from: 64, to: 100, page: 1, pages: 2 });
  assert.deepEqual(pageRange(0, 0), { from: 0, to: 0, page: 0, pages: 1 });
  let seen = 0;
  for (let p = 0; p < pageRange(832, 0).pages; p++) { const r = pageRange(832, p); seen += r.to - r.from; }
  assert.equal(seen, 832);
});

test("the model input's place on the photo follows the resize mode", () => {
  const photo = { width: 400, height: 200 };
  const input = { width: 224, height: 224 };
  const r = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
  assert.deepEqual(inputRegion(photo, input, 'stretch'), { x: 0, y: 0, width: 400, height: 200 });
  assert.deepEqual(r(inputRegion(photo, input, 'center-crop')), { x: 100, y: 0, width: 200, height: 200 });
  assert.deepEqual(r(inputRegion(photo, input, 'pad')), { x: 0, y: -100, width: 400, height: 400 });
});

test("an activation grid colour gives its value back (the engine's viridis, monotonic in luma)", () => {
  let last = -1;
  for (let t = 0; t <= 1.0001; t += 0.05) {
    const [r, g, b] = colormap(t).map(Math.round) as [number, number, number];
    const v = valueOfViridis(r, g, b);
    assert.ok(v > last, `value grows along the map (t=${t.toFixed(2)}: ${v})`);
    assert.ok(Math.abs(v - t) < 0.2, `close to t=${t.toFixed(2)}: ${v}`);
    last = v;
  }
  assert.equal(valueOfViridis(68, 1, 84), 0);
  assert.equal(valueOfViridis(253, 231, 37), 1);
});
