// Photos a feature visualization starts from or learns from, read in the host half: feature accentuation's
// start (image01 at the render size), and MACO's magnitude spectrum — each photo taken back through the
// parameterization's own chain (sigmoid⁻¹, colour decorrelation⁻¹, forward FFT), so the spectrum is in
// exactly the coordinates the phase is optimized in, and averaged.
import { decodeResized } from '../image/image';
import { decorrelateStage, macoFourierStage, photoMagnitude, sigmoidStage } from '../optim/index';

/** A photo as image01 [3, size, size]: centre-cropped to a square, then resized. */
export async function photoImage01(bytes: Uint8Array, size: number, name: string): Promise<Float32Array> {
  const img = await decodeResized(bytes, size, size, 'center-crop', name);
  const hw = size * size;
  const out = new Float32Array(3 * hw);
  for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) out[c * hw + p] = Math.max(0, Math.min(1, img.data[3 * p + c]! / 255));
  return out;
}

/** The spectrum [3, size, size/2+1, 2] MACO's chain would need to draw this photo (image01 [3, size, size]). */
export function photoSpectrum(image01: Float32Array, size: number, decorrelate: boolean): Float32Array {
  let x = sigmoidStage(image01.length).inverse(image01);
  if (decorrelate) x = decorrelateStage(1, size, size).inverse(x);
  return macoFourierStage(3, size, size).inverse(x);
}

/** MACO's magnitude from photos (image01 each): the mean of their spectra's magnitudes, DC left out. */
export function macoMagnitude(photos: readonly Float32Array[], size: number, decorrelate: boolean): Float32Array {
  return photoMagnitude(photos.map((p) => photoSpectrum(p, size, decorrelate)), size, size);
}
