// Turning a raw attribution map into colours: channel reduction, sign modes, outlier-robust scaling
// (Captum's visualize_image_attr: sum over channels, scale by the 98th percentile of |value|), and
// colormaps. Pure functions with no Node imports: the engine's overlay PNG and the renderer's canvas draw
// with exactly the same code.

export const SIGN_MODES = ['all', 'positive', 'negative', 'absolute'] as const;
export type SignMode = (typeof SIGN_MODES)[number];
export const COLORMAPS = ['inferno', 'viridis', 'hot', 'gray', 'bwr'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

/** Sum over channels: [1, C, H, W] (or [1, 1, H, W]) → H×W. */
export function reduceChannels(map: Float32Array, shape: readonly number[]): { data: Float32Array; h: number; w: number } {
  const [, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i]! += map[ch * h * w + i]!;
  return { data: out, h, w };
}

/**
 * Values for display: 'all' keeps the sign in [−1, 1]; the others give [0, 1] (negative shows the
 * magnitude of the negative part). `scale` is the value shown as full colour.
 */
export function normalizeForDisplay(data: Float32Array, mode: SignMode, outlierPercent = 2): { values: Float32Array; scale: number } {
  const signed = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    signed[i] = mode === 'all' ? v : mode === 'positive' ? Math.max(0, v) : mode === 'negative' ? Math.max(0, -v) : Math.abs(v);
  }
  const mags = Float32Array.from(signed, Math.abs).sort();
  const idx = Math.min(mags.length - 1, Math.max(0, Math.ceil(((100 - outlierPercent) / 100) * mags.length) - 1));
  let scale = mags[idx] ?? 0;
  if (!(scale > 0)) scale = mags[mags.length - 1] ?? 0;
  const values = new Float32Array(data.length);
  if (scale > 0) for (let i = 0; i < data.length; i++) values[i] = Math.max(-1, Math.min(1, signed[i]! / scale));
  return { values, scale };
}

// control points (t, r, g, b), linearly interpolated; sampled from matplotlib's maps
const STOPS: Record<ColormapName, [number, number, number, number][]> = {
  inferno: [[0, 0, 0, 4], [0.25, 87, 16, 110], [0.5, 188, 55, 84], [0.75, 249, 142, 9], [1, 252, 255, 164]],
  viridis: [[0, 68, 1, 84], [0.25, 59, 82, 139], [0.5, 33, 145, 140], [0.75, 94, 201, 98], [1, 253, 231, 37]],
  hot: [[0, 10, 0, 0], [0.375, 255, 0, 0], [0.75, 255, 255, 0], [1, 255, 255, 255]],
  gray: [[0, 0, 0, 0], [1, 255, 255, 255]],
  bwr: [[0, 0, 0, 255], [0.5, 255, 255, 255], [1, 255, 0, 0]],
};

/** Colour of t in [0, 1]. */
export function colorAt(name: ColormapName, t: number): [number, number, number] {
  const stops = STOPS[name];
  const x = Math.max(0, Math.min(1, t));
  for (let i = 1; i < stops.length; i++) {
    const [t1, r1, g1, b1] = stops[i]!;
    if (x <= t1) {
      const [t0, r0, g0, b0] = stops[i - 1]!;
      const f = (x - t0) / (t1 - t0 || 1);
      return [Math.round(r0 + f * (r1 - r0)), Math.round(g0 + f * (g1 - g0)), Math.round(b0 + f * (b1 - b0))];
    }
  }
  const last = stops[stops.length - 1]!;
  return [last[1], last[2], last[3]];
}

/** A diverging map for signed values, a sequential one otherwise. */
export function defaultColormap(mode: SignMode): ColormapName {
  return mode === 'all' ? 'bwr' : 'inferno';
}

/**
 * RGBA pixels of a normalized map. Signed values in [−1, 1] map to t = (v + 1) / 2. The alpha is
 * `opacity` scaled by |value|, so unimportant pixels leave the photo visible.
 */
export function colorize(values: Float32Array, mode: SignMode, colormap: ColormapName, opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const [r, g, b] = colorAt(colormap, mode === 'all' ? (v + 1) / 2 : v);
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * opacity * Math.min(1, Math.abs(v)));
  }
  return out;
}
