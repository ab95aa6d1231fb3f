// Penalties on the rendered image01 (before the transforms: they judge the picture the user gets, and
// stay deterministic). The render loop maximizes Σ objectives − Σ weight·penalty, per batch item.
//   tv 'squared'  ½ Σ_{y<H−1, x<W−1} (v[y,x] − v[y,x+1])² + (v[y,x] − v[y+1,x])²    (jcjohnson/neural-style's TVLoss)
//   tv 'abs'      Σ |v[y,x+1] − v[y,x]| + Σ |v[y+1,x] − v[y,x]| over all pairs           (tf.image.total_variation, Lucid)
//   l1            Σ |v − constant|                                                      (Lucid's objectives.L1)
//   l2            √(ε + Σ (v − constant)²)                                              (Lucid's objectives.L2)
//                 around 'photo': √(ε + Σ (v − photo)²), the render's photo (feature accentuation's pull)
//   blur          ½ Σ (v − blur(v))² with blur(v) held constant                        (Lucid's blur_input_each_step)
// blur is a penalty whose gradient treats blur(v) as a constant (Lucid's stop_gradient), so the gradient
// is v − blur(v): a descent step of size k·weight moves v a fraction of the way to its blurred self, which
// is what "blur the input each step" means. The others use their exact gradient (sign(0) = 0 at kinks).
import type { Dims, FloatArray } from './types';

/** Lucid's L2 epsilon */
export const LUCID_L2_EPSILON = 1e-6;
/** Lucid's _tf_blur kernel: 1 at the centre, 0.5 on the 8 neighbours, normalized by the weights inside the image */
export const BLUR_CENTER = 1;
export const BLUR_NEIGHBOUR = 0.5;

export type RegularizerSpec =
  | { kind: 'tv'; weight: number; form?: 'squared' | 'abs' }
  | { kind: 'l1'; weight: number; constant?: number }
  | { kind: 'l2'; weight: number; constant?: number; epsilon?: number; around?: 'constant' | 'photo' }
  | { kind: 'blur'; weight: number };

/**
 * weight·penalty per batch item; adds weight·d penalty/d img into `grad` (same shape as img, [B, C, H, W]).
 * `photo` ([C, H, W] for every item, or [B, C, H, W]) is what an l2 `around: 'photo'` measures from.
 */
export function applyRegularizer(spec: RegularizerSpec, img: FloatArray, dims: Dims, grad: FloatArray, photo?: FloatArray): number[] {
  const [batch, channels, h, w] = dims;
  const item = channels * h * w;
  if (img.length !== batch * item || grad.length !== img.length) throw new Error(`regularizer ${spec.kind}: image and gradient must be ${dims.join('×')}`);
  const aroundPhoto = spec.kind === 'l2' && spec.around === 'photo';
  if (aroundPhoto && !(photo && (photo.length === item || photo.length === img.length))) throw new Error(`regularizer l2 around the photo needs a photo of ${channels}×${h}×${w} or ${dims.join('×')} values`);
  const values: number[] = [];
  for (let b = 0; b < batch; b++) {
    const o = b * item;
    let v: number;
    switch (spec.kind) {
      case 'tv': v = spec.form === 'abs' ? tvAbs(img, grad, o, channels, h, w, spec.weight) : tvSquared(img, grad, o, channels, h, w, spec.weight); break;
      case 'l1': v = l1(img, grad, o, item, spec.constant ?? 0, spec.weight); break;
      case 'l2': v = aroundPhoto
        ? l2Photo(img, grad, o, item, photo!, photo!.length === item ? 0 : o, spec.epsilon ?? LUCID_L2_EPSILON, spec.weight)
        : l2(img, grad, o, item, spec.constant ?? 0, spec.epsilon ?? LUCID_L2_EPSILON, spec.weight); break;
      case 'blur': v = blurPenalty(img, grad, o, channels, h, w, spec.weight); break;
    }
    values.push(spec.weight * v);
  }
  return values;
}

function tvSquared(v: FloatArray, g: FloatArray, o: number, c: number, h: number, w: number, k: number): number {
  let sum = 0;
  for (let p = 0; p < c; p++) {
    const base = o + p * h * w;
    for (let y = 0; y < h - 1; y++) {
      for (let x = 0; x < w - 1; x++) {
        const i = base + y * w + x;
        const dx = v[i] - v[i + 1], dy = v[i] - v[i + w];
        sum += 0.5 * (dx * dx + dy * dy);
        g[i] += k * (dx + dy);
        g[i + 1] -= k * dx;
        g[i + w] -= k * dy;
      }
    }
  }
  return sum;
}

function tvAbs(v: FloatArray, g: FloatArray, o: number, c: number, h: number, w: number, k: number): number {
  let sum = 0;
  const pair = (i: number, j: number) => {
    const d = v[j] - v[i];
    sum += Math.abs(d);
    const s = Math.sign(d);
    g[j] += k * s;
    g[i] -= k * s;
  };
  for (let p = 0; p < c; p++) {
    const base = o + p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = base + y * w + x;
        if (x + 1 < w) pair(i, i + 1);
        if (y + 1 < h) pair(i, i + w);
      }
    }
  }
  return sum;
}

function l1(v: FloatArray, g: FloatArray, o: number, n: number, c: number, k: number): number {
  let sum = 0;
  for (let i = o; i < o + n; i++) {
    sum += Math.abs(v[i] - c);
    g[i] += k * Math.sign(v[i] - c);
  }
  return sum;
}

function l2(v: FloatArray, g: FloatArray, o: number, n: number, c: number, eps: number, k: number): number {
  let sq = 0;
  for (let i = o; i < o + n; i++) sq += (v[i] - c) * (v[i] - c);
  const norm = Math.sqrt(eps + sq);
  for (let i = o; i < o + n; i++) g[i] += (k * (v[i] - c)) / norm;
  return norm;
}

function l2Photo(v: FloatArray, g: FloatArray, o: number, n: number, p: FloatArray, po: number, eps: number, k: number): number {
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (v[o + i] - p[po + i]) * (v[o + i] - p[po + i]);
  const norm = Math.sqrt(eps + sq);
  for (let i = 0; i < n; i++) g[o + i] += (k * (v[o + i] - p[po + i])) / norm;
  return norm;
}

/** Lucid's _tf_blur of one item's planes: 3×3 weights, 'SAME' zero padding, divided by the blur of ones */
export function blur(v: FloatArray, o: number, c: number, h: number, w: number): Float64Array {
  const out = new Float64Array(c * h * w);
  for (let p = 0; p < c; p++) {
    const base = o + p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0, norm = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            const wt = dy === 0 && dx === 0 ? BLUR_CENTER : BLUR_NEIGHBOUR;
            s += wt * v[base + yy * w + xx];
            norm += wt;
          }
        }
        out[p * h * w + y * w + x] = s / norm;
      }
    }
  }
  return out;
}

function blurPenalty(v: FloatArray, g: FloatArray, o: number, c: number, h: number, w: number, k: number): number {
  const b = blur(v, o, c, h, w);
  let sum = 0;
  for (let i = 0; i < b.length; i++) {
    const d = v[o + i] - b[i];
    sum += 0.5 * d * d;
    g[o + i] += k * d;
  }
  return sum;
}
