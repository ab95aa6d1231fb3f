// MACO (Fel et al. 2023, "Unlocking Feature Visualization for Deeper Networks with MAgnitude Constrained
// Optimization"): only the phase of each channel's spectrum is optimized; its magnitude is fixed to a
// natural image's, so the image keeps natural-image statistics however long it is optimized — what
// Lucid's free Fourier spectrum loses on deep modern networks.
//   params φ [planes, H, W/2+1] → spectrum M ⊙ (cos φ, sin φ) → Lucid's inverse FFT (no decay) → …
// M is [3, H, W/2+1] (one magnitude per colour channel, shared by the batch items). It is either the mean
// magnitude of photos taken through the same chain backwards (`photoMagnitude`), or, with no photos,
// `naturalMagnitude`: the 1/f amplitude law of natural images (Field 1987; van der Schaaf & van
// Hateren 1996), scaled so a random-phase image has unit standard deviation before the colour stages.
// Both leave the DC coefficient at 0: the image's mean stays at the chain's grey.
import { checkSize, type Stage } from './stage';
import { fourierStage, rfft2dFreqs } from './fourier';
import { halfWidth } from './fft2d';
import { alloc, type FloatArray } from '../types';

/** the pre-colour standard deviation of a random-phase image under the 1/f model */
export const NATURAL_STD = 1;

/** φ [planes, H, wf] → spectrum [planes, H, wf, 2]; `magnitude` is [3, H, wf] (plane p uses channel p mod 3) */
export function macoPhaseStage(planes: number, h: number, w: number, magnitude: Float32Array): Stage {
  const wf = halfWidth(w);
  const plane = h * wf;
  checkSize(magnitude, 3 * plane, 'maco magnitude');
  let last: FloatArray | undefined;
  const stage: Stage = {
    name: 'maco-phase',
    inSize: planes * plane,
    outSize: planes * plane * 2,
    forward(x) {
      checkSize(x, stage.inSize, 'maco forward');
      last = x.slice();
      const out = alloc(x, stage.outSize);
      for (let p = 0; p < planes; p++) {
        const mo = (p % 3) * plane;
        for (let k = 0; k < plane; k++) {
          const phi = x[p * plane + k], m = magnitude[mo + k]!;
          out[2 * (p * plane + k)] = m * Math.cos(phi);
          out[2 * (p * plane + k) + 1] = m * Math.sin(phi);
        }
      }
      return out;
    },
    backward(g) {
      checkSize(g, stage.outSize, 'maco backward');
      if (!last) throw new Error('maco backward before forward');
      const x = last;
      const out = alloc(g, stage.inSize);
      for (let p = 0; p < planes; p++) {
        const mo = (p % 3) * plane;
        for (let k = 0; k < plane; k++) {
          const i = p * plane + k, phi = x[i], m = magnitude[mo + k]!;
          out[i] = m * (Math.cos(phi) * g[2 * i + 1] - Math.sin(phi) * g[2 * i]);
        }
      }
      return out;
    },
    inverse(y) {
      // the phase of the given spectrum (its magnitude is replaced by M)
      checkSize(y, stage.outSize, 'maco inverse');
      const out = alloc(y, stage.inSize);
      for (let i = 0; i < stage.inSize; i++) out[i] = Math.atan2(y[2 * i + 1], y[2 * i]);
      return out;
    },
  };
  return stage;
}

/** the inverse-FFT stage MACO uses: Lucid's, without the spectrum's power-law scale (M carries it) */
export function macoFourierStage(planes: number, h: number, w: number): Stage {
  return fourierStage(planes, h, w, 0);
}

/** The 1/f magnitude [3, H, wf], DC 0, scaled so that a random-phase image has standard deviation NATURAL_STD. */
export function naturalMagnitude(h: number, w: number): Float32Array {
  const f = rfft2dFreqs(h, w);
  const floor = 1 / Math.max(h, w);
  const plane = f.length;
  const m = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) for (let k = 1; k < plane; k++) m[c * plane + k] = 1 / Math.max(f[k]!, floor);
  return normalized(m, h, w);
}

/**
 * The mean magnitude of `spectra` (each [3, H, wf, 2]: photos taken back through the colour stages and the
 * inverse FFT), DC 0.
 */
export function photoMagnitude(spectra: readonly Float32Array[], h: number, w: number): Float32Array {
  if (spectra.length === 0) throw new Error('photoMagnitude: no photos');
  const plane = h * halfWidth(w);
  const m = new Float32Array(3 * plane);
  for (const s of spectra) {
    checkSize(s, 3 * plane * 2, 'photo spectrum');
    for (let i = 0; i < m.length; i++) m[i]! += Math.hypot(s[2 * i]!, s[2 * i + 1]!) / spectra.length;
  }
  for (let c = 0; c < 3; c++) m[c * plane] = 0;
  return m;
}

/** m scaled so that the image of a fixed random phase has standard deviation NATURAL_STD */
function normalized(m: Float32Array, h: number, w: number): Float32Array {
  const wf = halfWidth(w);
  const phase = new Float32Array(3 * h * wf);
  // a fixed pseudo-random phase (golden-ratio sequence): the scale must not depend on a seed
  for (let i = 0; i < phase.length; i++) phase[i] = 2 * Math.PI * ((i * 0.6180339887498949) % 1);
  const img = macoFourierStage(3, h, w).forward(macoPhaseStage(3, h, w, m).forward(phase));
  let s = 0, s2 = 0;
  for (const v of img) { s += v; s2 += v * v; }
  const mean = s / img.length;
  const std = Math.sqrt(Math.max(1e-30, s2 / img.length - mean * mean));
  return m.map((v) => (v * NATURAL_STD) / std);
}
