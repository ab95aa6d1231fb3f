// Tiled refinement: a stage too big for the memory budget as one image runs as overlapping tiles that
// each fit it. Tiles are optimized one after another, each starting from the image as the tiles before
// it left it (so a tile sees its neighbours' results in the overlap), and pasted back with a weight that
// ramps from 0 at a side shared with another tile to 1 one overlap inside it: the seam is a cross-fade
// between two optimizations that started from the same pixels, not a cut. Sides on the image's border
// keep weight 1. This is the geometry and the pixel bookkeeping; transfer.ts runs the optimizations.

export interface Rect { x: number; y: number; w: number; h: number }

/** Positions of `n` windows of length `t` covering [0, len): evenly spaced, the first at 0, the last ending at len. */
function starts(len: number, t: number, overlap: number): number[] {
  if (t >= len) return [0];
  const n = Math.ceil((len - overlap) / (t - overlap));
  return Array.from({ length: n }, (_, i) => Math.round((i * (len - t)) / (n - 1)));
}

/** Tiles of at most `tile` × `tile` px covering W × H, neighbours overlapping by at least `overlap` px, row by row. */
export function tileGrid(W: number, H: number, tile: number, overlap: number): Rect[] {
  if (!(overlap >= 0 && overlap < tile)) throw new Error(`tileGrid: overlap ${overlap} must be in [0, tile ${tile})`);
  const tw = Math.min(tile, W), th = Math.min(tile, H);
  const out: Rect[] = [];
  for (const y of starts(H, th, overlap)) for (const x of starts(W, tw, overlap)) out.push({ x, y, w: tw, h: th });
  return out;
}

/** Tiles of at most `tile` × `tile` px that partition W × H (no overlap; the last in a row or column is smaller). */
export function tilePartition(W: number, H: number, tile: number): Rect[] {
  const out: Rect[] = [];
  for (let y = 0; y < H; y += tile) for (let x = 0; x < W; x += tile) out.push({ x, y, w: Math.min(tile, W - x), h: Math.min(tile, H - y) });
  return out;
}

/**
 * The paste weight of `r` (row-major, r.w × r.h): on each side that lies inside the image the weight ramps
 * linearly from 0 at the edge to 1 at `ramp` px; sides on the image's border stay 1.
 */
export function pasteWeights(r: Rect, W: number, H: number, ramp: number): Float32Array {
  const m = new Float32Array(r.w * r.h);
  const side = (d: number, inner: boolean) => (inner && ramp > 0 ? Math.min(1, (d + 0.5) / ramp) : 1);
  const left = r.x > 0, right = r.x + r.w < W, top = r.y > 0, bottom = r.y + r.h < H;
  for (let y = 0; y < r.h; y++) {
    const wy = Math.min(side(y, top), side(r.h - 1 - y, bottom));
    for (let x = 0; x < r.w; x++) m[y * r.w + x] = Math.min(wy, side(x, left), side(r.w - 1 - x, right));
  }
  return m;
}

/** The rectangle `r` of a planar [C, H, W] image. */
export function cropPlanes(x: Float32Array, C: number, H: number, W: number, r: Rect): Float32Array {
  const out = new Float32Array(C * r.w * r.h);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < r.h; y++) {
      const src = c * H * W + (r.y + y) * W + r.x;
      out.set(x.subarray(src, src + r.w), c * r.w * r.h + y * r.w);
    }
  }
  return out;
}

/** x[r] ← (1 − m)·x[r] + m·tile, per channel. */
export function pastePlanes(x: Float32Array, C: number, H: number, W: number, r: Rect, tile: Float32Array, m: Float32Array): void {
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < r.h; y++) {
      const dst = c * H * W + (r.y + y) * W + r.x, src = c * r.w * r.h + y * r.w;
      for (let i = 0; i < r.w; i++) {
        const k = m[y * r.w + i]!;
        x[dst + i] = x[dst + i]! + k * (tile[src + i]! - x[dst + i]!);
      }
    }
  }
}

/**
 * The interior of a feature map computed on a crop with `margin` extra input pixels on each side that
 * has them: the rows and columns that correspond to the crop's own pixels, so that a Gram summed over tiles
 * sees each position once and none of them next to a tile's zero padding. `stride` is the layer's total
 * input-to-map stride (input size ÷ map size); `pad` the margins actually added (0 at the image border).
 */
export function interiorRows(mapH: number, mapW: number, stride: number, pad: { top: number; left: number; bottom: number; right: number }): Rect {
  const y0 = Math.round(pad.top / stride), x0 = Math.round(pad.left / stride);
  const y1 = mapH - Math.round(pad.bottom / stride), x1 = mapW - Math.round(pad.right / stride);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}
