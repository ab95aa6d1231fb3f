// Gradient of a whole (rolled) image computed in fixed-size tiles.
//
// The original notebook rolls the image by a random jitter (np.roll, wrap-around), takes the gradient,
// and rolls it back. We do the same without materialising the rolled copy: a tile reads the rolled
// image through index arithmetic. Tile cores sit on a grid of `core`-sized cells in rolled coordinates;
// each tile also reads `margin` pixels of context on every side (zero outside the image, exactly like
// the convolutions' own zero padding on the whole image). With origins on multiples of the layer's
// stride and margin ≥ receptive field − 1, the gradient inside a core equals the whole image's.
import type { Planar } from './planar';

export interface TilePlan {
  /** size of the model input each run gets (core + 2·margin) */
  inputH: number;
  inputW: number;
  coreH: number;
  coreW: number;
  margin: number;
  /** core origins in rolled-image coordinates */
  rows: number[];
  cols: number[];
}

/** One run over the whole image: no margin, the core is the image. */
export function wholePlan(h: number, w: number): TilePlan {
  return { inputH: h, inputW: w, coreH: h, coreW: w, margin: 0, rows: [0], cols: [0] };
}

/** A grid of core×core tiles covering h×w (the last row/column reaches past the image edge into zero padding). */
export function gridPlan(h: number, w: number, core: number, margin: number): TilePlan {
  const rows: number[] = [], cols: number[] = [];
  for (let y = 0; y < h; y += core) rows.push(y);
  for (let x = 0; x < w; x += core) cols.push(x);
  return { inputH: core + 2 * margin, inputW: core + 2 * margin, coreH: core, coreW: core, margin, rows, cols };
}

export function tileCount(p: TilePlan): number {
  return p.rows.length * p.cols.length;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/**
 * Copy the tile whose core starts at (y0, x0) of the image rolled by (shiftY, shiftX) into `out`
 * (C × inputH × inputW). Rows/columns outside the rolled image are zero.
 */
export function readTile(img: Planar, plan: TilePlan, y0: number, x0: number, shiftY: number, shiftX: number, out: Float32Array): void {
  const { inputH: th, inputW: tw, margin } = plan;
  const { c, h, w } = img;
  const plane = h * w, tplane = th * tw;
  // Source column for every tile column (or -1 for padding): the same for all rows and channels.
  const srcX = new Int32Array(tw);
  for (let tx = 0; tx < tw; tx++) {
    const rx = x0 - margin + tx;
    srcX[tx] = rx < 0 || rx >= w ? -1 : mod(rx - shiftX, w);
  }
  for (let ty = 0; ty < th; ty++) {
    const ry = y0 - margin + ty;
    for (let ch = 0; ch < c; ch++) {
      const o = ch * tplane + ty * tw;
      if (ry < 0 || ry >= h) {
        out.fill(0, o, o + tw);
        continue;
      }
      const rowBase = ch * plane + mod(ry - shiftY, h) * w;
      for (let tx = 0; tx < tw; tx++) {
        const sx = srcX[tx];
        out[o + tx] = sx < 0 ? 0 : img.data[rowBase + sx];
      }
    }
  }
}

/** Write the core of a tile's gradient back, un-rolled, into the whole-image gradient. */
export function writeTileCore(grad: Planar, plan: TilePlan, y0: number, x0: number, shiftY: number, shiftX: number, tile: Float32Array): void {
  const { inputH: th, inputW: tw, margin, coreH, coreW } = plan;
  const { c, h, w } = grad;
  const plane = h * w, tplane = th * tw;
  const yEnd = Math.min(coreH, h - y0), xEnd = Math.min(coreW, w - x0);
  const dstX = new Int32Array(xEnd);
  for (let cx = 0; cx < xEnd; cx++) dstX[cx] = mod(x0 + cx - shiftX, w);
  for (let cy = 0; cy < yEnd; cy++) {
    const dy = mod(y0 + cy - shiftY, h);
    for (let ch = 0; ch < c; ch++) {
      const src = ch * tplane + (cy + margin) * tw + margin;
      const dst = ch * plane + dy * w;
      for (let cx = 0; cx < xEnd; cx++) grad.data[dst + dstX[cx]] = tile[src + cx];
    }
  }
}
