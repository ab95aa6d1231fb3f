// IG baselines in the model's input space. "Black" and "uniform noise" are pixel ideas, so they go
// through the same per-channel affine map the preprocessing used (pixel 0..255 → input value); a blur
// commutes with that map (normalized kernel), so the blurred baseline is blurred in input space.
import type { Preprocess } from '../../../shared/contract';
import { seededRandom } from '../../../shared/random';
import { gaussianBlur } from './numeric';

/** input value = pixel × scale[c] + offset[c], for pixel in 0..255 and c in the model's channel order */
export interface PixelSpace { scale: number[]; offset: number[] }

export function pixelSpace(p: Pick<Preprocess, 'rangeMin' | 'rangeMax' | 'mean' | 'std'>): PixelSpace {
  const k = (p.rangeMax - p.rangeMin) / 255;
  return {
    scale: p.std.map((s) => k / s),
    offset: p.std.map((s, c) => (p.rangeMin - p.mean[c]!) / s),
  };
}

export function makeBaseline(
  kind: 'black' | 'blurred' | 'noise',
  x: Float32Array,
  [c, h, w]: readonly [number, number, number],
  opts: { space?: PixelSpace; blurSigma: number; seed: number },
): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  switch (kind) {
    case 'black':
      for (let ch = 0; ch < c; ch++) out.fill(opts.space?.offset[ch] ?? 0, ch * plane, (ch + 1) * plane);
      return out;
    case 'blurred':
      return gaussianBlur(x, c, h, w, opts.blurSigma);
    case 'noise': {
      const rand = seededRandom(opts.seed ^ 0x5eed);
      for (let ch = 0; ch < c; ch++) {
        // without a known pixel mapping, draw uniformly over the channel's own value range
        let lo = opts.space?.offset[ch], hi = lo === undefined ? undefined : lo + 255 * opts.space!.scale[ch]!;
        if (lo === undefined || hi === undefined) {
          lo = Infinity; hi = -Infinity;
          for (let i = ch * plane; i < (ch + 1) * plane; i++) { lo = Math.min(lo, x[i]!); hi = Math.max(hi, x[i]!); }
        }
        for (let i = ch * plane; i < (ch + 1) * plane; i++) out[i] = lo + (hi - lo) * rand();
      }
      return out;
    }
  }
}
