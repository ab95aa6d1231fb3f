// Lucid's Fourier image parameterization (lucid/optvis/param/spatial.py `fft_image`, Lucent's
// `fft_image`): the parameters are the half spectrum [B, 3, H, W/2+1, 2] (re, im) of each channel,
// scaled by 1/max(f, 1/max(H, W))^decay (f = Lucid's rfft2d_freqs) so every frequency band starts with
// about equal energy, brought to pixels by an orthonormal inverse real FFT, then divided by Lucid's 4.
//   image = LUCID_FFT_IMAGE_SCALE · irfft2(scale ⊙ spectrum) / √(H·W)
// Lucid keeps one unused extra spectrum column for odd W (rfft2d_freqs takes W//2+2 there, and the
// inverse FFT drops it); we store exactly W/2+1 columns.
import { columnMultiplicity, halfWidth, irfft2Plane, rfft2Plane } from './fft2d';
import { checkSize, type Stage } from './stage';
import { alloc, type FloatArray } from '../types';

/** Lucid/Lucent divide the inverse FFT's output by 4 (their code: "TODO: is that a magic constant?") */
export const LUCID_FFT_IMAGE_SCALE = 1 / 4;
/** the spectrum's power-law decay (Lucid's decay_power) */
export const LUCID_FFT_DECAY = 1;

/** numpy: sqrt(fftfreq(h)[:, None]² + fftfreq(w)[:W/2+1]²), row-major [H, W/2+1] */
export function rfft2dFreqs(h: number, w: number): Float64Array {
  const wf = halfWidth(w);
  const f = new Float64Array(h * wf);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky < Math.ceil(h / 2) ? ky : ky - h) / h; // np.fft.fftfreq
    for (let kx = 0; kx < wf; kx++) {
      const fx = (kx < Math.ceil(w / 2) ? kx : kx - w) / w;
      f[ky * wf + kx] = Math.sqrt(fx * fx + fy * fy);
    }
  }
  return f;
}

/** 1 / max(f, 1/max(H, W))^decay per spectrum coefficient */
export function spectrumScale(h: number, w: number, decay = LUCID_FFT_DECAY): Float64Array {
  const f = rfft2dFreqs(h, w);
  const floor = 1 / Math.max(h, w);
  return f.map((v) => 1 / Math.pow(Math.max(v, floor), decay));
}

/** params per image: channels × H × (W/2+1) × 2 */
export function spectrumSize(channels: number, h: number, w: number): number {
  return channels * h * halfWidth(w) * 2;
}

/** spectrum [planes, H, W/2+1, 2] → image [planes, H, W] (planes = batch × channels) */
export function fourierStage(planes: number, h: number, w: number, decay = LUCID_FFT_DECAY): Stage {
  const wf = halfWidth(w);
  const specPlane = h * wf * 2;
  const imgPlane = h * w;
  const scale = spectrumScale(h, w, decay);
  const norm = LUCID_FFT_IMAGE_SCALE / Math.sqrt(h * w);
  // the adjoint of the c2r map carries each column's multiplicity c(kx); folding it with the spectrum
  // scale gives one weight per coefficient
  const adjointWeights = scale.map((v, i) => v * columnMultiplicity(i % wf, w));
  const inverseWeights = scale.map((v) => 1 / v);
  const stage: Stage = {
    name: 'fourier',
    inSize: planes * specPlane,
    outSize: planes * imgPlane,
    forward(x) {
      checkSize(x, stage.inSize, 'fourier forward');
      const out = alloc(x, stage.outSize);
      for (let p = 0; p < planes; p++) irfft2Plane(x, p * specPlane, h, w, out, p * imgPlane, norm, scale);
      return out;
    },
    backward(g) {
      checkSize(g, stage.outSize, 'fourier backward');
      const out = alloc(g, stage.inSize);
      for (let p = 0; p < planes; p++) rfft2Plane(g, p * imgPlane, h, w, out, p * specPlane, norm, adjointWeights);
      return out;
    },
    inverse(y) {
      // irfft2(rfft2(x)) = H·W·x, so spectrum = rfft2(x) / (H·W) / norm / scale
      checkSize(y, stage.outSize, 'fourier inverse');
      const out = alloc(y, stage.inSize);
      for (let p = 0; p < planes; p++) rfft2Plane(y, p * imgPlane, h, w, out, p * specPlane, 1 / (h * w * norm), inverseWeights);
      return out;
    },
  };
  return stage;
}
