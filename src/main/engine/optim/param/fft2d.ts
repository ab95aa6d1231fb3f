// Real 2-D DFTs of one plane, the half spectrum stored as numpy's rfft2 layout: [H, W/2+1, 2]
// (re, im interleaved on the last axis; W/2 rounds down). Float64 inside, any H and W.
//
// irfft2Plane is the real-linear map torch.fft.irfftn / pocketfft apply (unnormalized):
//   Z[y, kx]  = Σ_ky X[ky, kx]·e^{+2πi·ky·y/H}                    (complex transform along H)
//   x[y, n]   = Σ_kx c(kx)·Re(Z[y, kx]·e^{+2πi·kx·n/W})           (c = 1 at DC and the Nyquist column, else 2)
// so the imaginary parts of Z at the DC and Nyquist columns are ignored, as every c2r transform does.
// Its adjoint is rfft2Plane followed by the weights c(kx) (see fourier.ts); rfft2Plane / (H·W) inverts it.
// Real rows go through complex transforms two at a time (one as the real, one as the imaginary part).
import { fftPlan } from './fft';
import type { FloatArray } from '../types';

/** columns of the half spectrum: W/2 + 1 (numpy's rfft length) */
export function halfWidth(w: number): number {
  return Math.floor(w / 2) + 1;
}

/** c(kx): how many times column kx appears in the full Hermitian spectrum (1 for DC and Nyquist, else 2) */
export function columnMultiplicity(kx: number, w: number): number {
  return kx === 0 || (w % 2 === 0 && kx === w / 2) ? 1 : 2;
}

interface Scratch { re: Float64Array; im: Float64Array; colRe: Float64Array; colIm: Float64Array; rowRe: Float64Array; rowIm: Float64Array }
const scratches = new Map<string, Scratch>();

function scratch(h: number, w: number): Scratch {
  const key = `${h}x${w}`;
  let s = scratches.get(key);
  if (!s) {
    const wf = halfWidth(w);
    s = {
      re: new Float64Array(h * wf), im: new Float64Array(h * wf),
      colRe: new Float64Array(h), colIm: new Float64Array(h),
      rowRe: new Float64Array(w), rowIm: new Float64Array(w),
    };
    scratches.set(key, s);
  }
  return s;
}

/** transform every column of the [H, Wf] complex grid along H, in place */
function columns(s: Scratch, h: number, wf: number, inverse: boolean): void {
  const plan = fftPlan(h);
  for (let kx = 0; kx < wf; kx++) {
    for (let y = 0; y < h; y++) { s.colRe[y] = s.re[y * wf + kx]; s.colIm[y] = s.im[y * wf + kx]; }
    plan.transform(s.colRe, s.colIm, inverse);
    for (let y = 0; y < h; y++) { s.re[y * wf + kx] = s.colRe[y]; s.im[y * wf + kx] = s.colIm[y]; }
  }
}

/**
 * out[y·W + n] (from outOff) = outScale · irfft2(weights ⊙ X), X read from spec at specOff in [H, Wf, 2]
 * layout. `weights` ([H·Wf], optional) multiplies each complex coefficient first.
 */
export function irfft2Plane(spec: FloatArray, specOff: number, h: number, w: number, out: FloatArray, outOff: number, outScale: number, weights?: Float64Array): void {
  const wf = halfWidth(w);
  const s = scratch(h, w);
  for (let i = 0; i < h * wf; i++) {
    const k = weights ? weights[i] : 1;
    s.re[i] = k * spec[specOff + 2 * i];
    s.im[i] = k * spec[specOff + 2 * i + 1];
  }
  columns(s, h, wf, true);
  const plan = fftPlan(w);
  const nyquist = w % 2 === 0 ? w / 2 : -1;
  for (let y = 0; y < h; y += 2) {
    const b = y + 1 < h ? y + 1 : -1; // the partner row, or none for the last row of an odd H
    // z = A + i·B with A, B the Hermitian extensions of rows y and y+1 (DC and Nyquist made real)
    for (let k = 0; k < w; k++) {
      const src = k < wf ? k : w - k;
      const conj = k < wf ? 1 : -1;
      const realOnly = src === 0 || src === nyquist;
      const ar = s.re[y * wf + src];
      const ai = realOnly ? 0 : conj * s.im[y * wf + src];
      const br = b < 0 ? 0 : s.re[b * wf + src];
      const bi = b < 0 || realOnly ? 0 : conj * s.im[b * wf + src];
      s.rowRe[k] = ar - bi;
      s.rowIm[k] = ai + br;
    }
    plan.transform(s.rowRe, s.rowIm, true);
    for (let n = 0; n < w; n++) out[outOff + y * w + n] = outScale * s.rowRe[n];
    if (b >= 0) for (let n = 0; n < w; n++) out[outOff + b * w + n] = outScale * s.rowIm[n];
  }
}

/**
 * spec (from specOff, [H, Wf, 2]) = outScale · weights ⊙ rfft2(x): the unnormalized forward half spectrum
 * X[ky, kx] = Σ_y Σ_n x[y, n]·e^{−2πi(ky·y/H + kx·n/W)}, kx < Wf, of the plane x[y·W + n] (from xOff).
 */
export function rfft2Plane(x: FloatArray, xOff: number, h: number, w: number, spec: FloatArray, specOff: number, outScale: number, weights?: Float64Array): void {
  const wf = halfWidth(w);
  const s = scratch(h, w);
  const plan = fftPlan(w);
  for (let y = 0; y < h; y += 2) {
    const b = y + 1 < h ? y + 1 : -1;
    for (let n = 0; n < w; n++) {
      s.rowRe[n] = x[xOff + y * w + n];
      s.rowIm[n] = b < 0 ? 0 : x[xOff + b * w + n];
    }
    plan.transform(s.rowRe, s.rowIm, false);
    // split the spectrum of a + i·b: A[k] = (Z[k] + conj Z[−k]) / 2, B[k] = (Z[k] − conj Z[−k]) / 2i
    for (let k = 0; k < wf; k++) {
      const m = (w - k) % w;
      const zr = s.rowRe[k], zi = s.rowIm[k], mr = s.rowRe[m], mi = s.rowIm[m];
      s.re[y * wf + k] = (zr + mr) / 2;
      s.im[y * wf + k] = (zi - mi) / 2;
      if (b >= 0) {
        s.re[b * wf + k] = (zi + mi) / 2;
        s.im[b * wf + k] = -(zr - mr) / 2;
      }
    }
  }
  columns(s, h, wf, false);
  for (let i = 0; i < h * wf; i++) {
    const k = outScale * (weights ? weights[i] : 1);
    spec[specOff + 2 * i] = k * s.re[i];
    spec[specOff + 2 * i + 1] = k * s.im[i];
  }
}
