// Gradient of a whole (rolled) image computed in tiles.
//
// The original notebook rolls the image by a random jitter (np.roll, wrap-around), takes the gradient,
// and rolls it back. We do the same without materialising the rolled copy: a tile reads the rolled
// image through index arithmetic. Tile cores sit on a grid of `core`-sized cells in rolled coordinates;
// each tile also reads up to `margin` pixels of context on every side, but never past the image edge:
// there the tile simply ends, so the model pads exactly as it does on the whole image. With cores and
// margins on multiples of the layer's stride and margin ≥ receptive field − 1, the gradient inside a
// core is exactly the whole image's. Edge tiles are smaller, so a plan has up to 3×3 tile shapes.

/** One row (or column) of tiles: the core [core, core + coreLen) read through the window [start, start + size). */
export interface Span {
  core: number;
  coreLen: number;
  start: number;
  size: number;
}

export interface TilePlan {
  rows: Span[];
  cols: Span[];
}

import type { Planar } from '../pixels/planar';

/** One run over the whole image. */
export function wholePlan(h: number, w: number): TilePlan {
  return { rows: [{ core: 0, coreLen: h, start: 0, size: h }], cols: [{ core: 0, coreLen: w, start: 0, size: w }] };
}

function spans(n: number, core: number, margin: number): Span[] {
  const out: Span[] = [];
  for (let c = 0; c < n; c += core) {
    const start = Math.max(0, c - margin), end = Math.min(n, c + core + margin);
    out.push({ core: c, coreLen: Math.min(core, n - c), start, size: end - start });
  }
  return out;
}

/** A grid of core×core tiles covering h×w, each with up to `margin` px of context. */
export function gridPlan(h: number, w: number, core: number, margin: number): TilePlan {
  return { rows: spans(h, core, margin), cols: spans(w, core, margin) };
}

export function tileCount(p: TilePlan): number {
  return p.rows.length * p.cols.length;
}

/** Distinct input shapes [h, w] the plan runs (each needs its own session). */
export function tileShapes(p: TilePlan): [number, number][] {
  const hs = [...new Set(p.rows.map((r) => r.size))], ws = [...new Set(p.cols.map((c) => c.size))];
  return hs.flatMap((h) => ws.map((w) => [h, w] as [number, number]));
}

/** Pixels the plan feeds the model per pass (for progress weights). */
export function planPixels(p: TilePlan): number {
  return p.rows.reduce((a, r) => a + r.size, 0) * p.cols.reduce((a, c) => a + c.size, 0);
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Copy the window of tile (row, col) of the image rolled by (shiftY, shiftX) into `out` (C × row.size × col.size). */
export function readTile(img: Planar, row: Span, col: Span, shiftY: number, shiftX: number, out: Float32Array): void {
  const { c, h, w } = img;
  const th = row.size, tw = col.size;
  const plane = h * w, tplane = th * tw;
  // Source column for every tile column: the same for all rows and channels.
  const srcX = new Int32Array(tw);
  for (let tx = 0; tx < tw; tx++) srcX[tx] = mod(col.start + tx - shiftX, w);
  for (let ty = 0; ty < th; ty++) {
    const rowBase = mod(row.start + ty - shiftY, h) * w;
    for (let ch = 0; ch < c; ch++) {
      const o = ch * tplane + ty * tw, s = ch * plane + rowBase;
      for (let tx = 0; tx < tw; tx++) out[o + tx] = img.data[s + srcX[tx]];
    }
  }
}

/** Write the core of a tile's gradient back, un-rolled, into the whole-image gradient. */
export function writeTileCore(grad: Planar, row: Span, col: Span, shiftY: number, shiftX: number, tile: Float32Array): void {
  const { c, h, w } = grad;
  const tw = col.size, plane = h * w, tplane = row.size * tw;
  const oy = row.core - row.start, ox = col.core - col.start;
  const dstX = new Int32Array(col.coreLen);
  for (let cx = 0; cx < col.coreLen; cx++) dstX[cx] = mod(col.core + cx - shiftX, w);
  for (let cy = 0; cy < row.coreLen; cy++) {
    const dy = mod(row.core + cy - shiftY, h);
    for (let ch = 0; ch < c; ch++) {
      const src = ch * tplane + (cy + oy) * tw + ox;
      const dst = ch * plane + dy * w;
      for (let cx = 0; cx < col.coreLen; cx++) grad.data[dst + dstX[cx]] = tile[src + cx];
    }
  }
}
