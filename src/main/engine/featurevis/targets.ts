// Feature visualization items → the objective one compiled graph optimizes for a batch.
//
// A layer grid renders hundreds of channels `batch` at a time. Compiling per_item([channel(L, c0), …])
// anew for every batch would compile 2 graphs (redirected and plain ReLU) per batch. Instead every
// linear target — a channel (mean over positions of one channel), a class score (one entry of a
// [N, K] tensor) and a direction (mean over positions of a dot product with a vector) — is written as a
// `direction` objective whose vector is a graph input: item i's objective is Σ_L direction(L, t_i,L),
// and the vectors (weight·one-hot for channels and classes, weight·vector for directions, summed per
// layer) are fed at run time. Batches of a grid then have the same objective and share one compiled
// session; only neurons and whole-layer (DeepDream) terms are written out as they are.
import { deepdream, diversity, neuron, objectiveName, perItem, type Objective } from '../../../shared/objectives';

/** One term of an item, after the host resolved it against the model (class → its logits or probability tensor). */
export type ResolvedTarget =
  | { kind: 'linear'; layer: string; index: number; weight: number }
  | { kind: 'vector'; layer: string; vector: number[]; weight: number }
  | { kind: 'neuron'; layer: string; channel: number; x?: number; y?: number; weight: number }
  | { kind: 'layer'; layer: string; weight: number };

export interface ResolvedItem {
  terms: ResolvedTarget[];
  /** readable objective, e.g. channel(inception_4c/output, 97) */
  label: string;
}

export interface BatchObjective {
  objective: Objective;
  /** the target vectors to feed, by target name, once the session says each one's length */
  targets(lengthOf: (name: string) => number): Record<string, Float32Array>;
  /** the diversity term's layer, when the objective has one (its activations are fetched to report items without it) */
  diversityLayer?: string;
}

const isLinear = (t: ResolvedTarget): t is Extract<ResolvedTarget, { kind: 'linear' | 'vector' }> => t.kind === 'linear' || t.kind === 'vector';

/** the graph input carrying item i's vector on the k-th linear layer of the batch */
export const targetName = (item: number, k: number): string => `featurevis_target_${item}_${k}`;

/**
 * The objective of a batch of `n` items (items.length ≤ n: the rest are padding items with objective 0, so
 * a grid's last, shorter batch reuses the compiled session), plus the diversity term over the batch.
 */
export function batchObjective(items: readonly ResolvedItem[], n: number, div?: { weight: number; layer: string }): BatchObjective {
  if (items.length === 0 || items.length > n) throw new Error(`a batch of ${n} cannot hold ${items.length} items`);
  const layers = [...new Set(items.flatMap((it) => it.terms.filter(isLinear).map((t) => t.layer)))];
  const per: Objective[] = [];
  for (let i = 0; i < n; i++) {
    const terms: Objective[] = layers.map((layer, k) => ({ kind: 'direction', layer, target: targetName(i, k) }));
    for (const t of items[i]?.terms ?? []) {
      if (t.kind === 'neuron') terms.push(weighted(t.weight, neuron(t.layer, t.channel, t.x, t.y)));
      else if (t.kind === 'layer') terms.push(weighted(t.weight, deepdream(t.layer)));
    }
    per.push(terms.length === 1 ? terms[0]! : { kind: 'sum', terms });
  }
  const items0 = perItem(per);
  const objective: Objective = div ? { kind: 'sum', terms: [items0, { kind: 'scale', factor: div.weight, of: diversity(div.layer) }] } : items0;
  return {
    objective,
    ...(div ? { diversityLayer: div.layer } : {}),
    targets(lengthOf) {
      const feeds: Record<string, Float32Array> = {};
      for (let i = 0; i < n; i++) {
        layers.forEach((layer, k) => {
          const name = targetName(i, k);
          const v = new Float32Array(lengthOf(name));
          for (const t of items[i]?.terms ?? []) {
            if (!isLinear(t) || t.layer !== layer) continue;
            if (t.kind === 'linear') {
              if (t.index >= v.length) throw new Error(`index ${t.index} is out of range for ${layer} (${v.length} channels)`);
              v[t.index]! += t.weight;
            } else {
              if (t.vector.length !== v.length) throw new Error(`the direction on ${layer} has ${t.vector.length} values; the layer has ${v.length} channels`);
              t.vector.forEach((x, c) => (v[c]! += t.weight * x));
            }
          }
          feeds[name] = v;
        });
      }
      return feeds;
    },
  };
}

function weighted(w: number, o: Objective): Objective {
  return w === 1 ? o : { kind: 'scale', factor: w, of: o };
}

/** Lucid's diversity term of each item from the layer's activations [N, C, …]: −Σ_{j≠i} ⟨Ĝ_i, Ĝ_j⟩ / N (Ĝ: L2-normalized Gram matrix). */
export function diversityPerItem(act: Float32Array, dims: readonly number[]): number[] {
  const [n, c] = dims as [number, number];
  const hw = dims.slice(2).reduce((a, b) => a * b, 1);
  const grams: Float64Array[] = [];
  for (let b = 0; b < n; b++) {
    const f = act.subarray(b * c * hw, (b + 1) * c * hw);
    const g = new Float64Array(c * c);
    for (let i = 0; i < c; i++) {
      for (let j = i; j < c; j++) {
        let s = 0;
        for (let p = 0; p < hw; p++) s += f[i * hw + p]! * f[j * hw + p]!;
        g[i * c + j] = s;
        g[j * c + i] = s;
      }
    }
    let norm = 0;
    for (let k = 0; k < g.length; k++) norm += g[k]! * g[k]!;
    norm = Math.sqrt(norm + 1e-10);
    for (let k = 0; k < g.length; k++) g[k]! /= norm;
    grams.push(g);
  }
  return grams.map((gi, i) => {
    let s = 0;
    grams.forEach((gj, j) => {
      if (j === i) return;
      for (let k = 0; k < gi.length; k++) s += gi[k]! * gj[k]!;
    });
    return -s / n;
  });
}

/** A readable name of an item: `channel(L, 97)`, `-channel(L, 97)`, `0.5*channel(L, 1) + 0.5*channel(L, 2)`. */
export function itemLabel(terms: readonly { name: Objective | string; weight: number }[]): string {
  return terms.map((t, i) => {
    const name = typeof t.name === 'string' ? t.name : objectiveName(t.name);
    const w = t.weight;
    const body = w === 1 ? name : w === -1 ? `-${name}` : `${Number(w.toPrecision(4))}*${name}`;
    if (i === 0) return body;
    return body.startsWith('-') ? `- ${body.slice(1)}` : `+ ${body}`;
  }).join(' ');
}
