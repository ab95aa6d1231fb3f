// The FFT against the DFT's definition, for powers of two and for the lengths that need Bluestein.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fftPlan } from './fft';
import { halfWidth, irfft2Plane, rfft2Plane } from './fft2d';
import { randomVector } from '../testing';

function naiveDft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length, s = inverse ? 1 : -1;
  const or = new Float64Array(n), oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (s * 2 * Math.PI * ((j * k) % n)) / n;
      or[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      oi[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return [or, oi];
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('the complex FFT equals the DFT for every length kind (1, 2, primes, 224, 227, powers of two)', () => {
  for (const n of [1, 2, 3, 5, 8, 12, 31, 128, 224, 227]) {
    for (const inverse of [false, true]) {
      const re = randomVector(n, n), im = randomVector(n, n + 1000);
      const [er, ei] = naiveDft(re, im, inverse);
      const r = re.slice(), i = im.slice();
      fftPlan(n).transform(r, i, inverse);
      const tol = 1e-11 * n;
      assert.ok(maxDiff(r, er) < tol && maxDiff(i, ei) < tol, `n=${n} inverse=${inverse}: ${maxDiff(r, er)}, ${maxDiff(i, ei)}`);
    }
  }
});

/** the c2r definition: x[y,n] = Σ_ky Σ_kx c(kx)·Re(X·e^{+2πi(ky·y/H + kx·n/W)}), imaginary parts at DC/Nyquist columns kept in X */
function naiveIrfft2(spec: Float64Array, h: number, w: number): Float64Array {
  const wf = halfWidth(w);
  // Z[y, kx] along H first, then drop Im at the DC/Nyquist columns, as pocketfft's c2r does
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let kx = 0; kx < wf; kx++) {
      let zr = 0, zi = 0;
      for (let ky = 0; ky < h; ky++) {
        const a = (2 * Math.PI * ky * y) / h;
        const xr = spec[2 * (ky * wf + kx)]!, xi = spec[2 * (ky * wf + kx) + 1]!;
        zr += xr * Math.cos(a) - xi * Math.sin(a);
        zi += xr * Math.sin(a) + xi * Math.cos(a);
      }
      const edge = kx === 0 || (w % 2 === 0 && kx === w / 2);
      for (let n = 0; n < w; n++) {
        const b = (2 * Math.PI * kx * n) / w;
        out[y * w + n] += (edge ? 1 : 2) * (zr * Math.cos(b) - (edge ? 0 : zi) * Math.sin(b));
      }
    }
  }
  return out;
}

test('irfft2Plane is the c2r transform of its definition (odd and even sides, rows in pairs and alone)', () => {
  for (const [h, w] of [[6, 8], [7, 5], [1, 4], [5, 1], [3, 9], [4, 6]] as const) {
    const spec = randomVector(h * halfWidth(w) * 2, h * 100 + w);
    const got = new Float64Array(h * w + 3);
    irfft2Plane(spec, 0, h, w, got, 3, 1);
    const want = naiveIrfft2(spec, h, w);
    assert.ok(maxDiff(got.subarray(3), want) < 1e-12 * h * w, `${h}×${w}: ${maxDiff(got.subarray(3), want)}`);
  }
});

test('rfft2Plane is the forward half spectrum; irfft2(rfft2(x)) = H·W·x at 128, 224 and 227', () => {
  const [h, w] = [5, 6];
  const x = randomVector(h * w, 7);
  const spec = new Float64Array(h * halfWidth(w) * 2);
  rfft2Plane(x, 0, h, w, spec, 0, 1);
  for (let ky = 0; ky < h; ky++) for (let kx = 0; kx < halfWidth(w); kx++) {
    let re = 0, im = 0;
    for (let y = 0; y < h; y++) for (let n = 0; n < w; n++) {
      const a = -2 * Math.PI * (ky * y / h + kx * n / w);
      re += x[y * w + n]! * Math.cos(a); im += x[y * w + n]! * Math.sin(a);
    }
    const i = 2 * (ky * halfWidth(w) + kx);
    assert.ok(Math.abs(spec[i]! - re) < 1e-12 && Math.abs(spec[i + 1]! - im) < 1e-12, `X[${ky},${kx}]`);
  }
  for (const [hh, ww] of [[128, 128], [224, 224], [227, 227], [227, 128]] as const) {
    const img = randomVector(hh * ww, hh + ww);
    const s = new Float64Array(hh * halfWidth(ww) * 2);
    rfft2Plane(img, 0, hh, ww, s, 0, 1);
    const back = new Float64Array(hh * ww);
    irfft2Plane(s, 0, hh, ww, back, 0, 1 / (hh * ww));
    assert.ok(maxDiff(back, img) < 1e-11, `${hh}×${ww}: ${maxDiff(back, img)}`);
  }
});
