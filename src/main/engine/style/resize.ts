// Resizing float planes (a stage's result → the next, larger stage) without rounding to 8 bits between
// stages: separable bilinear with half-pixel centres (what PIL/torch's align_corners=False do), clamped at
// the borders. Upsampling is all multires needs; downsampling by more than 2× would alias and is refused.
export function resizePlanes(src: Float32Array, c: number, h: number, w: number, oh: number, ow: number): Float32Array {
  if (oh === h && ow === w) return src.slice();
  if (oh * 2 < h || ow * 2 < w) throw new Error(`resizePlanes: ${w}×${h} → ${ow}×${oh} shrinks more than 2×`);
  const taps = (n: number, on: number) => {
    const i0 = new Int32Array(on), i1 = new Int32Array(on), f = new Float32Array(on);
    for (let o = 0; o < on; o++) {
      const x = Math.min(n - 1, Math.max(0, ((o + 0.5) * n) / on - 0.5));
      i0[o] = Math.floor(x); i1[o] = Math.min(n - 1, i0[o]! + 1); f[o] = x - i0[o]!;
    }
    return { i0, i1, f };
  };
  const ty = taps(h, oh), tx = taps(w, ow);
  const out = new Float32Array(c * oh * ow);
  const row = new Float32Array(ow * h);
  for (let p = 0; p < c; p++) {
    const s = p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        const a = src[s + y * w + tx.i0[x]!]!, b = src[s + y * w + tx.i1[x]!]!;
        row[y * ow + x] = a + (b - a) * tx.f[x]!;
      }
    }
    const d = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = ty.i0[y]! * ow, r1 = ty.i1[y]! * ow, fy = ty.f[y]!;
      for (let x = 0; x < ow; x++) out[d + y * ow + x] = row[r0 + x]! + (row[r1 + x]! - row[r0 + x]!) * fy;
    }
  }
  return out;
}
