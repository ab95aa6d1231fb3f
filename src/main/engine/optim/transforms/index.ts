// Differentiable image transforms as data (Lucid's lucid/optvis/transform.py, Lucent's transform.py):
// a spec is a plain object; drawTransform(spec, dims, rand) makes this step's random draws and returns the
// exact linear map for them, with its adjoint, and the output shape (pad, crop and scale change it).
// One draw serves the whole batch, as in Lucent and the PyTorch reference (shared/peer/featviz.py): every
// item sees the same jitter, scale and angle in a step; items still differ in their own parameters.
import { alignCornersTaps, axisMap, bilinearWarpTaps, chainMaps, identityMap, separableMap, warpMap, type LinearMap } from './kernels';
import { pick, type Dims } from '../types';

export type TransformSpec =
  /** add `pixels` on every side: 'constant' fills `value` (default 0.5, Lucid's grey), 'reflect' mirrors without repeating the edge (torch's 'reflect') */
  | { kind: 'pad'; pixels: number; mode?: 'constant' | 'reflect'; value?: number }
  /**
   * 'crop' (default, Lucid's jitter): a random (H−px)×(W−px) window at offsets 0..px on each axis.
   * 'translate' (Lucent's jitter): shift by 0..px−1 on each axis, same size, zero fill.
   * 'roll' (google/deepdream's jitter): circular shift by −px..px on each axis (np.roll), same size.
   */
  | { kind: 'jitter'; pixels: number; mode?: 'crop' | 'translate' | 'roll' }
  /** resize by a factor drawn from `factors` to round(factor·size), bilinear with aligned corners */
  | { kind: 'scale'; factors: number[] }
  /** rotate about the centre by an angle drawn from `degrees` (counter-clockwise on screen), bilinear, zero fill, same size */
  | { kind: 'rotate'; degrees: number[] }
  | { kind: 'compose'; transforms: TransformSpec[] };

/** the transform drawn for one step */
export interface DrawnTransform extends LinearMap {
  /** readable record of the draws, e.g. "pad(12) jitter(3,7) scale(1.04) rotate(-6) jitter(0,2)" */
  readonly draw: string;
}

/** Lucid's standard_transforms constants */
export const STANDARD_PAD = 12;
export const STANDARD_PAD_VALUE = 0.5;
export const STANDARD_JITTER = 8;
export const STANDARD_SCALES = Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50);
/** −10..10 degrees, plus Lucid's five extra zeros (so a third of the steps do not rotate) */
export const STANDARD_ANGLES = [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0];
export const STANDARD_FINAL_JITTER = 4;

/** lucid.optvis.transform.standard_transforms, as data */
export const STANDARD_TRANSFORMS: TransformSpec[] = [
  { kind: 'pad', pixels: STANDARD_PAD, mode: 'constant', value: STANDARD_PAD_VALUE },
  { kind: 'jitter', pixels: STANDARD_JITTER },
  { kind: 'scale', factors: STANDARD_SCALES },
  { kind: 'rotate', degrees: STANDARD_ANGLES },
  { kind: 'jitter', pixels: STANDARD_FINAL_JITTER },
];

export function compose(transforms: TransformSpec[]): TransformSpec {
  return { kind: 'compose', transforms };
}

function int(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: expected a whole number ≥ 0, got ${n}`);
  return n;
}

/** the source index of each output position along one axis: i − offset, −1 outside [0, n) */
function shifted(outSize: number, offset: number, n: number): Int32Array {
  const a = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const s = i - offset;
    a[i] = s >= 0 && s < n ? s : -1;
  }
  return a;
}

/** np.roll by `shift`: output i reads input (i − shift) mod n */
function rolled(n: number, shift: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (((i - shift) % n) + n) % n);
}

/** torch 'reflect' padding: −1 → 1, n → n − 2 */
function reflected(outSize: number, pad: number, n: number): Int32Array {
  const a = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const s = i - pad;
    a[i] = s < 0 ? -s : s >= n ? 2 * (n - 1) - s : s;
  }
  return a;
}

function drawPad(t: Extract<TransformSpec, { kind: 'pad' }>, d: Dims): DrawnTransform {
  const p = int(t.pixels, 'pad');
  const [, , h, w] = d;
  const mode = t.mode ?? 'constant';
  if (mode === 'reflect') {
    if (p >= h || p >= w) throw new Error(`pad: reflect padding of ${p} px needs an image larger than that (${h}×${w})`);
    return { ...axisMap(d, reflected(h + 2 * p, p, h), reflected(w + 2 * p, p, w), 0), draw: `pad(${p}, reflect)` };
  }
  const value = t.value ?? STANDARD_PAD_VALUE;
  return { ...axisMap(d, shifted(h + 2 * p, p, h), shifted(w + 2 * p, p, w), value), draw: `pad(${p}, ${value})` };
}

function drawJitter(t: Extract<TransformSpec, { kind: 'jitter' }>, d: Dims, rand: () => number): DrawnTransform {
  const px = int(t.pixels, 'jitter');
  const [, , h, w] = d;
  if (t.mode === 'roll') {
    const dx = Math.floor(rand() * (2 * px + 1)) - px, dy = Math.floor(rand() * (2 * px + 1)) - px;
    return { ...axisMap(d, rolled(h, dy), rolled(w, dx), 0), draw: `roll(${dx},${dy})` };
  }
  if (t.mode === 'translate') {
    if (px < 1) throw new Error('jitter: translate needs pixels ≥ 1 (shifts are drawn from 0..pixels−1)');
    const dx = Math.floor(rand() * px), dy = Math.floor(rand() * px);
    return { ...axisMap(d, shifted(h, dy, h), shifted(w, dx, w), 0), draw: `translate(${dx},${dy})` };
  }
  if (px >= h || px >= w) throw new Error(`jitter: a crop of ${px} px needs an image larger than that (${h}×${w})`);
  const ox = Math.floor(rand() * (px + 1)), oy = Math.floor(rand() * (px + 1));
  return { ...axisMap(d, shifted(h - px, -oy, h), shifted(w - px, -ox, w), 0), draw: `jitter(${ox},${oy})` };
}

function drawScale(t: Extract<TransformSpec, { kind: 'scale' }>, d: Dims, rand: () => number): DrawnTransform {
  const s = pick(rand, t.factors);
  if (!(s > 0)) throw new Error(`scale: factors must be positive, got ${s}`);
  const [, , h, w] = d;
  const oh = Math.max(1, Math.round(s * h)), ow = Math.max(1, Math.round(s * w));
  return { ...separableMap(d, alignCornersTaps(h, oh), alignCornersTaps(w, ow)), draw: `scale(${s})` };
}

function drawRotate(t: Extract<TransformSpec, { kind: 'rotate' }>, d: Dims, rand: () => number): DrawnTransform {
  const deg = pick(rand, t.degrees);
  if (deg === 0) return { ...identityMap(d), draw: 'rotate(0)' };
  const [, , h, w] = d;
  const a = (deg * Math.PI) / 180;
  const ca = Math.cos(a), sa = Math.sin(a);
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  // output pixel p samples the input at R⁻¹(p − c) + c (kornia/OpenCV convention, as the reference)
  const taps = bilinearWarpTaps(h, w, h, w, (y, x) => cy + sa * (x - cx) + ca * (y - cy), (y, x) => cx + ca * (x - cx) - sa * (y - cy));
  return { ...warpMap(d, h, w, taps), draw: `rotate(${deg})` };
}

function drawCompose(t: Extract<TransformSpec, { kind: 'compose' }>, d: Dims, rand: () => number): DrawnTransform {
  const parts: DrawnTransform[] = [];
  let dims = d;
  for (const s of t.transforms) {
    const p = drawTransform(s, dims, rand);
    parts.push(p);
    dims = p.outDims;
  }
  return { ...chainMaps(parts, d), draw: parts.map((p) => p.draw).join(' ') };
}

/** this step's draw of `spec` for an input of `dims` */
export function drawTransform(spec: TransformSpec, dims: Dims, rand: () => number): DrawnTransform {
  switch (spec.kind) {
    case 'pad': return drawPad(spec, dims);
    case 'jitter': return drawJitter(spec, dims, rand);
    case 'scale': return drawScale(spec, dims, rand);
    case 'rotate': return drawRotate(spec, dims, rand);
    case 'compose': return drawCompose(spec, dims, rand);
  }
}

/** a list of transforms, drawn in order (an empty list is the identity) */
export function drawTransforms(specs: readonly TransformSpec[], dims: Dims, rand: () => number): DrawnTransform {
  return drawCompose({ kind: 'compose', transforms: [...specs] }, dims, rand);
}
