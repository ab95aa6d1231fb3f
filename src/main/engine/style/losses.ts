// The style job's loss as one compiled objective (src/shared/objectives.ts), and the targets it reads.
//
//   content = contentWeight · Σ_l mean((F_l(x) − T_l)²)                    'content' leaves (mean over C·H·W)
//   style   = styleWeight · Σ_l (1/C_l²) · Σ((G_l(x) − Ĝ_l)²)               'gram' leaves (sum over C×C), so
//             styleWeight · Σ_l mean((G_l − Ĝ_l)²) as neural-style's StyleLoss; Ĝ_l = Σ_s w_s G_l(s), Σ w_s = 1
//             (neural-style blends the style images' Gram matrices into one target per layer)
//   tv      = the optim library's squared TV regularizer, in JS (not in the graph): its value and gradient
//             cost one pass over the image
// Each term is a top-level term of one `sum`, in the order content layers then style layers, so the compiled
// graph's term outputs are the per-layer losses the run reports. Targets are graph inputs named content_i and
// gram_i: one session serves a whole stage and a change of style image compiles nothing.
import { add, content, gram, mul, type Objective } from '../../../shared/objectives';

export interface LossLayers {
  content: readonly string[];
  style: readonly string[];
  /** channels of each style layer (the 1/C² of neural-style's mean over the Gram matrix) */
  styleChannels: readonly number[];
  contentWeight: number;
  styleWeight: number;
}

export interface LossPlan {
  objective: Objective;
  /** per term, in objective order: which loss and layer it is, and its own weighted objective */
  terms: { kind: 'content' | 'style'; layer: string; index: number; target: string; objective: Objective; weight: number }[];
}

export const contentTarget = (i: number) => `content_${i}`;
export const gramTarget = (i: number) => `gram_${i}`;

/** Terms with weight 0 are left out (texture synthesis has no content term, inversion no style term). */
export function lossPlan(l: LossLayers): LossPlan {
  const terms: LossPlan['terms'] = [];
  const parts: Objective[] = [];
  if (l.contentWeight > 0) {
    l.content.forEach((layer, i) => {
      const objective = mul(l.contentWeight, content(layer, contentTarget(i)));
      terms.push({ kind: 'content', layer, index: i, target: contentTarget(i), objective, weight: l.contentWeight });
      parts.push(objective);
    });
  }
  if (l.styleWeight > 0) {
    l.style.forEach((layer, i) => {
      const c = l.styleChannels[i]!;
      const objective = mul(l.styleWeight / (c * c), gram(layer, gramTarget(i)));
      terms.push({ kind: 'style', layer, index: i, target: gramTarget(i), objective, weight: l.styleWeight });
      parts.push(objective);
    });
  }
  if (parts.length === 0) throw new Error('the style loss has no term: the content and style weights are both 0');
  return { objective: parts.length === 1 ? parts[0]! : add(...parts), terms };
}

/**
 * G = F Fᵀ / (C·H·W) of one [1, C, H, W] activation (F = its C×HW reshape), in float64 sums. About C²·HW/2
 * multiply-adds: 0.5 G for VGG's relu1_1 at 512 px, under a second, once per style image and stage.
 */
export function gramMatrix(a: Float32Array, dims: readonly number[]): Float32Array {
  if (dims.length !== 4 || dims[0] !== 1) throw new Error(`gramMatrix: expected one [1,C,H,W] activation, got [${dims.join(',')}]`);
  const c = dims[1]!, hw = dims[2]! * dims[3]!;
  const g = new Float32Array(c * c);
  const norm = 1 / (c * hw);
  for (let i = 0; i < c; i++) {
    const fi = a.subarray(i * hw, (i + 1) * hw);
    for (let j = i; j < c; j++) {
      const fj = a.subarray(j * hw, (j + 1) * hw);
      let s = 0;
      for (let p = 0; p < hw; p++) s += fi[p]! * fj[p]!;
      g[i * c + j] = g[j * c + i] = s * norm;
    }
  }
  return g;
}

/** Σ_s w_s G_s with the blend weights normalized to sum 1 (neural-style's -style_blend_weights). */
export function blendGrams(grams: readonly Float32Array[], weights: readonly number[]): Float32Array {
  if (grams.length === 0 || grams.length !== weights.length) throw new Error('blendGrams: one weight per Gram matrix');
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float32Array(grams[0]!.length);
  grams.forEach((g, s) => {
    const w = weights[s]! / total;
    for (let i = 0; i < out.length; i++) out[i]! += w * g[i]!;
  });
  return out;
}
