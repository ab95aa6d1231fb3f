// IG baselines in the model's input space. "Black" and "uniform noise" are pixel ideas, so they go
// through the pixel → model map of the preprocessing (src/shared/pixels.ts `affine`); a blur commutes
// with that map (normalized kernel), so the blurred baseline is blurred in input space.
import { seededRandom } from '../../../shared/random';
import { affine, type PixelSpace } from '../../../shared/pixels';
import { gaussianBlur } from './numeric';

export function makeBaseline(
  kind: 'black' | 'blurred' | 'noise',
  x: Float32Array,
  [c, h, w]: readonly [number, number, number],
  opts: { space?: PixelSpace; blurSigma: number; seed: number },
): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  // input value = pixel × scale[ch] + offset[ch] for pixel in 0..255, ch in the model's channel order
  const map = opts.space ? affine(opts.space) : undefined;
  switch (kind) {
    case 'black':
      for (let ch = 0; ch < c; ch++) out.fill(map?.offset[ch] ?? 0, ch * plane, (ch + 1) * plane);
      return out;
    case 'blurred':
      return gaussianBlur(x, c, h, w, opts.blurSigma);
    case 'noise': {
      const rand = seededRandom(opts.seed ^ 0x5eed);
      for (let ch = 0; ch < c; ch++) {
        // without a known pixel mapping, draw uniformly over the channel's own value range
        let lo = map?.offset[ch], hi = lo === undefined ? undefined : lo + 255 * map!.scale[ch]!;
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
