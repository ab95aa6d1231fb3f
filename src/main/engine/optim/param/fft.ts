// Complex DFT of any length, in float64, on split real/imaginary arrays. Powers of two run an iterative
// radix-2 transform; other lengths (227, 224 = 2⁵·7, …) run Bluestein's chirp-z algorithm, which turns the
// DFT into a convolution done with radix-2 transforms of a power-of-two length ≥ 2n − 1.
// Why not an npm package: fft.js (the well-kept one) takes powers of two only, and ndarray-fft brings
// cwise/code generation; this file is the whole need in ~100 lines. Plans are cached per length.
//
// Conventions (numpy's): forward X[k] = Σ x[j]·e^{−2πi·jk/n}, inverse x[j] = Σ X[k]·e^{+2πi·jk/n}, both
// unnormalized (the callers scale).

export interface FftPlan {
  readonly n: number;
  /** in place; `inverse` flips the sign of the exponent, no 1/n */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void;
}

const plans = new Map<number, FftPlan>();

export function fftPlan(n: number): FftPlan {
  if (!Number.isInteger(n) || n < 1) throw new Error(`fft: bad length ${n}`);
  let p = plans.get(n);
  if (!p) {
    p = isPowerOfTwo(n) ? radix2Plan(n) : bluesteinPlan(n);
    plans.set(n, p);
  }
  return p;
}

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

function radix2Plan(n: number): FftPlan {
  const bits = Math.round(Math.log2(n));
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  // twiddles e^{−2πik/n} for k < n/2; a stage of size s uses every (n/s)-th one
  const cos = new Float64Array(n >> 1);
  const sin = new Float64Array(n >> 1);
  for (let k = 0; k < n >> 1; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  return {
    n,
    transform(re, im, inverse) {
      for (let i = 0; i < n; i++) {
        const j = rev[i];
        if (i < j) {
          let t = re[i]; re[i] = re[j]; re[j] = t;
          t = im[i]; im[i] = im[j]; im[j] = t;
        }
      }
      const sign = inverse ? -1 : 1;
      for (let size = 2; size <= n; size <<= 1) {
        const half = size >> 1;
        const stride = n / size;
        for (let k = 0; k < half; k++) {
          const wr = cos[k * stride];
          const wi = sign * sin[k * stride];
          for (let a = k; a < n; a += size) {
            const b = a + half;
            const tr = wr * re[b] - wi * im[b];
            const ti = wr * im[b] + wi * re[b];
            re[b] = re[a] - tr; im[b] = im[a] - ti;
            re[a] += tr; im[a] += ti;
          }
        }
      }
    },
  };
}

function bluesteinPlan(n: number): FftPlan {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const inner = radix2Plan(m);
  // chirp w[j] = e^{−πi·j²/n}; j² mod 2n keeps the angle small, so large j lose no precision
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const a = (Math.PI * ((j * j) % (2 * n))) / n;
    wr[j] = Math.cos(a);
    wi[j] = -Math.sin(a);
  }
  // the filter conj(w) laid out circularly (indices 0..n−1 and m−n+1..m−1), transformed once
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    br[j] = wr[j]; bi[j] = -wi[j];
    if (j > 0) { br[m - j] = wr[j]; bi[m - j] = -wi[j]; }
  }
  inner.transform(br, bi, false);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return {
    n,
    transform(re, im, inverse) {
      // the inverse is the forward transform of the conjugate, conjugated
      const s = inverse ? -1 : 1;
      ar.fill(0); ai.fill(0);
      for (let j = 0; j < n; j++) {
        const xr = re[j], xi = s * im[j];
        ar[j] = xr * wr[j] - xi * wi[j];
        ai[j] = xr * wi[j] + xi * wr[j];
      }
      inner.transform(ar, ai, false);
      for (let k = 0; k < m; k++) {
        const r = ar[k] * br[k] - ai[k] * bi[k];
        ai[k] = ar[k] * bi[k] + ai[k] * br[k];
        ar[k] = r;
      }
      inner.transform(ar, ai, true);
      for (let k = 0; k < n; k++) {
        const cr = ar[k] / m, ci = ai[k] / m;
        re[k] = cr * wr[k] - ci * wi[k];
        im[k] = s * (cr * wi[k] + ci * wr[k]);
      }
    },
  };
}
