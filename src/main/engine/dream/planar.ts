// Image operations DeepDream needs on model-space planes (../pixels/planar.ts: the Planar type and the
// photo ↔ planes conversions). DeepDream works entirely in model space, so the loop never converts back
// to pixels until the end. Every function writes into a caller-owned buffer where it can: a 24-MP RGB
// plane set is 288 MB, so an extra copy is a real cost.
import { planar, type Planar } from '../pixels/planar';

/**
 * Bilinear resize with corners mapped to corners — what scipy.ndimage.zoom(order=1) does in the
 * original deepdream notebook, so carried detail lands where the notebook puts it.
 */
export function resizeBilinear(src: Planar, h: number, w: number, out?: Planar): Planar {
  const dst = out ?? planar(src.c, h, w);
  if (dst.c !== src.c || dst.h !== h || dst.w !== w) throw new Error('resizeBilinear: output buffer has the wrong shape');
  const sy = h > 1 ? (src.h - 1) / (h - 1) : 0;
  const sx = w > 1 ? (src.w - 1) / (w - 1) : 0;
  // Column indices and weights are the same for every row: compute them once.
  const x0 = new Int32Array(w), x1 = new Int32Array(w), fx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const p = x * sx;
    const i = Math.min(Math.floor(p), src.w - 1);
    x0[x] = i;
    x1[x] = Math.min(i + 1, src.w - 1);
    fx[x] = p - i;
  }
  const sPlane = src.h * src.w, dPlane = h * w;
  for (let ch = 0; ch < src.c; ch++) {
    const s = src.data.subarray(ch * sPlane, (ch + 1) * sPlane);
    const d = dst.data.subarray(ch * dPlane, (ch + 1) * dPlane);
    for (let y = 0; y < h; y++) {
      const p = y * sy;
      const j = Math.min(Math.floor(p), src.h - 1);
      const j1 = Math.min(j + 1, src.h - 1);
      const fy = p - j;
      const r0 = j * src.w, r1 = j1 * src.w, o = y * w;
      for (let x = 0; x < w; x++) {
        const a = s[r0 + x0[x]] + (s[r0 + x1[x]] - s[r0 + x0[x]]) * fx[x];
        const b = s[r1 + x0[x]] + (s[r1 + x1[x]] - s[r1 + x0[x]]) * fx[x];
        d[o + x] = a + (b - a) * fy;
      }
    }
  }
  return dst;
}

/** Clamp each channel to [lo[c], hi[c]] in place: keeps the dream inside the range real pixels map to. */
export function clipChannels(img: Planar, lo: readonly number[], hi: readonly number[]): void {
  const plane = img.h * img.w;
  for (let ch = 0; ch < img.c; ch++) {
    const l = lo[ch], u = hi[ch];
    const d = img.data.subarray(ch * plane, (ch + 1) * plane);
    for (let i = 0; i < plane; i++) {
      const v = d[i];
      d[i] = v < l ? l : v > u ? u : v;
    }
  }
}

export function meanAbs(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s / a.length;
}

/** Nearest-neighbour subsample to at most maxSide on the long side: cheap enough for live previews of 24-MP runs. */
export function thumbnail(img: Planar, maxSide: number): Planar {
  const scale = Math.min(1, maxSide / Math.max(img.h, img.w));
  const h = Math.max(1, Math.round(img.h * scale)), w = Math.max(1, Math.round(img.w * scale));
  const out = planar(img.c, h, w);
  const plane = img.h * img.w;
  for (let ch = 0; ch < img.c; ch++) {
    for (let y = 0; y < h; y++) {
      const sy = Math.min(img.h - 1, Math.floor(((y + 0.5) * img.h) / h));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(img.w - 1, Math.floor(((x + 0.5) * img.w) / w));
        out.data[ch * h * w + y * w + x] = img.data[ch * plane + sy * img.w + sx];
      }
    }
  }
  return out;
}
