// Small numeric pieces the methods share (the seeded RNG is src/shared/random.ts): quadrature
// nodes for Integrated Gradients, a separable Gaussian blur, bilinear upsampling.

/**
 * Points α in [0, 1] and weights (summing to 1) approximating ∫₀¹ g(α) dα ≈ Σ wᵢ g(αᵢ).
 * Gauss–Legendre matches Captum's default ('gausslegendre'); the trapezoid rule includes both ends.
 */
export function quadrature(steps: number, kind: 'gausslegendre' | 'trapezoid'): { alphas: number[]; weights: number[] } {
  if (kind === 'trapezoid') {
    if (steps === 1) return { alphas: [1], weights: [1] };
    const alphas = Array.from({ length: steps }, (_, i) => i / (steps - 1));
    const weights = alphas.map((_, i) => (i === 0 || i === steps - 1 ? 0.5 : 1) / (steps - 1));
    return { alphas, weights };
  }
  const { x, w } = gaussLegendre(steps);
  return { alphas: x.map((v) => 0.5 * (v + 1)), weights: w.map((v) => 0.5 * v) };
}

/** Nodes and weights on [−1, 1] by Newton's method on the Legendre polynomial (exact to ~1e-15). */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  if (n === 1) return { x: [0], w: [2] };
  const x = new Array<number>(n), w = new Array<number>(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) { const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    x[i] = -z; x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

/** Gaussian blur of each channel of a C×H×W image (edges clamp). A normalized kernel keeps per-channel affine preprocessing commuting with the blur. */
export function gaussianBlur(data: Float32Array, c: number, h: number, w: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) { const v = Math.exp((-i * i) / (2 * sigma * sigma)); kernel[i + radius] = v; sum += v; }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  const tmp = new Float32Array(data.length), out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * data[base + y * w + Math.min(w - 1, Math.max(0, x + k))]!;
      tmp[base + y * w + x] = acc;
    }
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[base + Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
      out[base + y * w + x] = acc;
    }
  }
  return out;
}

/**
 * Bilinear upsampling of an h×w map to H×W with half-pixel centres (align_corners=False, as
 * PyTorch's F.interpolate and Captum's LayerAttribution.interpolate use).
 */
export function resizeBilinear(src: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W);
  const sy = h / H, sx = w / W;
  for (let Y = 0; Y < H; Y++) {
    const fy = Math.max(0, (Y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy)), y1 = Math.min(h - 1, y0 + 1), dy = fy - y0;
    for (let X = 0; X < W; X++) {
      const fx = Math.max(0, (X + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx)), x1 = Math.min(w - 1, x0 + 1), dx = fx - x0;
      const top = src[y0 * w + x0]! * (1 - dx) + src[y0 * w + x1]! * dx;
      const bot = src[y1 * w + x0]! * (1 - dx) + src[y1 * w + x1]! * dx;
      out[Y * W + X] = top * (1 - dy) + bot * dy;
    }
  }
  return out;
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
