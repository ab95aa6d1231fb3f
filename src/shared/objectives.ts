// Objectives: what feature visualization, DeepDream, style transfer and attribution maximise.
//
// An objective is plain JSON (stored in projects, sent over IPC, typed on the CLI) — a discriminated
// union on `kind` whose leaves address tensors of the model by name and whose `sum` / `scale` / `item`
// nodes compose them (Lucid style). The gradient compiler (main/engine/autodiff/objective-graph.ts)
// turns one into ONNX nodes.
//
// Semantics are PER BATCH ITEM: every leaf yields one value per batch item, the compiled model outputs
// that vector (`objective_per_item`) and its sum (`objective`), so the gradient of item i is the
// gradient of item i's own objective. `item(i, o)` keeps o only for item i; `perItem([o0, o1, …])`
// gives item i the objective o_i (a grid of channels in one run).
//
// A `layer` is a tensor name. Appending `:pre` addresses the INPUT of the activation op (Relu, Clip,
// LeakyRelu, …) that produces that tensor — the pre-activation — e.g. `conv2/relu_3x3:pre`. Plain
// pre-activation tensor names work too; `:pre` only saves looking them up.

import { z } from 'zod';

/** One objective. `direction`, `gram` and `content` also read a target the caller feeds as an extra graph input. */
export type Objective =
  /** mean over space of channel c: A[i, c, :, :] (rank 2: A[i, c]) */
  | { kind: 'channel'; layer: string; channel: number }
  /** one unit A[i, c, y, x]; x/y default to the centre (W//2, H//2) */
  | { kind: 'neuron'; layer: string; channel: number; x?: number; y?: number }
  /** DeepDream: mean over C,H,W of A² */
  | { kind: 'deepdream'; layer: string }
  /** class logit A[i, index] (use a pre-softmax tensor) */
  | { kind: 'logit'; layer: string; index: number }
  /** mean over space of the dot product of A[i, :, y, x] with a direction vector (graph input, shape [C]) */
  | { kind: 'direction'; layer: string; target?: string }
  /** style: sum((G(A[i]) - G_t)²), G(a) = F Fᵀ / (C·H·W), F = a.reshape(C, H·W); G_t is a graph input [C, C] */
  | { kind: 'gram'; layer: string; target?: string }
  /** content: mean over C,H,W of (A[i] - A_t[i])²; A_t is a graph input with A's shape */
  | { kind: 'content'; layer: string; target?: string }
  /** Lucid's diversity: −Σ_{j≠i} ⟨ĝ_i, ĝ_j⟩ / N with ĝ the L2-normalised Gram matrices of the batch items */
  | { kind: 'diversity'; layer: string }
  /** total variation of a tensor (default: the input image): Σ|Δ_y| + Σ|Δ_x| per item */
  | { kind: 'total_variation'; layer?: string }
  /** Σ|A − constant| per item (default: the input image) */
  | { kind: 'l1'; layer?: string; constant?: number }
  /** sqrt(ε + Σ(A − constant)²) per item, ε = 1e-6 (default: the input image) */
  | { kind: 'l2'; layer?: string; constant?: number }
  /** Σ terms */
  | { kind: 'sum'; terms: Objective[] }
  /** factor · of */
  | { kind: 'scale'; factor: number; of: Objective }
  /** `of` for batch item `index` only (0 for the other items) */
  | { kind: 'item'; index: number; of: Objective }
  /** batch item i optimises items[i] (the batch size must equal items.length) */
  | { kind: 'per_item'; items: Objective[] };

export type ObjectiveKind = Objective['kind'];

// ---- builders ------------------------------------------------------------------------------------

export const channel = (layer: string, c: number): Objective => ({ kind: 'channel', layer, channel: c });
export const neuron = (layer: string, c: number, x?: number, y?: number): Objective =>
  ({ kind: 'neuron', layer, channel: c, ...(x !== undefined ? { x } : {}), ...(y !== undefined ? { y } : {}) });
export const deepdream = (layer: string): Objective => ({ kind: 'deepdream', layer });
export const logit = (layer: string, index: number): Objective => ({ kind: 'logit', layer, index });
export const direction = (layer: string, target?: string): Objective => ({ kind: 'direction', layer, ...(target ? { target } : {}) });
export const gram = (layer: string, target?: string): Objective => ({ kind: 'gram', layer, ...(target ? { target } : {}) });
export const content = (layer: string, target?: string): Objective => ({ kind: 'content', layer, ...(target ? { target } : {}) });
export const diversity = (layer: string): Objective => ({ kind: 'diversity', layer });
export const totalVariation = (layer?: string): Objective => ({ kind: 'total_variation', ...(layer ? { layer } : {}) });
export const l1 = (layer?: string, constant?: number): Objective => ({ kind: 'l1', ...(layer ? { layer } : {}), ...(constant !== undefined ? { constant } : {}) });
export const l2 = (layer?: string, constant?: number): Objective => ({ kind: 'l2', ...(layer ? { layer } : {}), ...(constant !== undefined ? { constant } : {}) });
export const add = (...terms: Objective[]): Objective => ({ kind: 'sum', terms });
export const mul = (factor: number, of: Objective): Objective => ({ kind: 'scale', factor, of });
export const neg = (of: Objective): Objective => ({ kind: 'scale', factor: -1, of });
export const item = (index: number, of: Objective): Objective => ({ kind: 'item', index, of });
export const perItem = (items: Objective[]): Objective => ({ kind: 'per_item', items });

// ---- readable names --------------------------------------------------------------------------------

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));

/** Lucid-style readable name: `channel(inception_4c/output, 97)`, `0.2*a + 0.8*b`. */
export function objectiveName(o: Objective): string {
  switch (o.kind) {
    case 'channel': return `channel(${o.layer}, ${o.channel})`;
    case 'neuron': return `neuron(${o.layer}, ${o.channel}${o.x !== undefined ? `, x=${o.x}` : ''}${o.y !== undefined ? `, y=${o.y}` : ''})`;
    case 'deepdream': return `deepdream(${o.layer})`;
    case 'logit': return `logit(${o.layer}, ${o.index})`;
    case 'direction': return `direction(${o.layer})`;
    case 'gram': return `style(${o.layer})`;
    case 'content': return `content(${o.layer})`;
    case 'diversity': return `diversity(${o.layer})`;
    case 'total_variation': return `total_variation(${o.layer ?? 'input'})`;
    case 'l1': return `L1(${o.layer ?? 'input'}${o.constant ? `, ${fmt(o.constant)}` : ''})`;
    case 'l2': return `L2(${o.layer ?? 'input'}${o.constant ? `, ${fmt(o.constant)}` : ''})`;
    case 'sum':
      if (o.terms.length === 0) return '0';
      return o.terms.map((t, i) => {
        const s = objectiveName(t);
        if (i === 0) return s;
        return s.startsWith('-') ? `- ${s.slice(1)}` : `+ ${s}`;
      }).join(' ');
    case 'scale': {
      const inner = objectiveName(o.of);
      const wrapped = o.of.kind === 'sum' && o.of.terms.length > 1 ? `(${inner})` : inner;
      if (o.factor === 1) return wrapped;
      if (o.factor === -1) return `-${wrapped}`;
      return `${fmt(o.factor)}*${wrapped}`;
    }
    case 'item': return `item(${o.index}, ${objectiveName(o.of)})`;
    case 'per_item': return `per_item[${o.items.map(objectiveName).join(', ')}]`;
  }
}

// ---- validation ---------------------------------------------------------------------------------------

export class ObjectiveError extends Error {
  override name = 'ObjectiveError';
}

const LEAF_FIELDS: Record<string, Record<string, 'string' | 'int' | 'number' | '?string' | '?int' | '?number'>> = {
  channel: { layer: 'string', channel: 'int' },
  neuron: { layer: 'string', channel: 'int', x: '?int', y: '?int' },
  deepdream: { layer: 'string' },
  logit: { layer: 'string', index: 'int' },
  direction: { layer: 'string', target: '?string' },
  gram: { layer: 'string', target: '?string' },
  content: { layer: 'string', target: '?string' },
  diversity: { layer: 'string' },
  total_variation: { layer: '?string' },
  l1: { layer: '?string', constant: '?number' },
  l2: { layer: '?string', constant: '?number' },
};

/**
 * Checks that `value` is an Objective and returns it typed. Errors name the bad field by its path,
 * e.g. `objective.terms[1].channel must be a whole number ≥ 0 (got -3)`.
 */
export function validateObjective(value: unknown, path = 'objective'): Objective {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ObjectiveError(`${path} must be an object with a "kind" (got ${JSON.stringify(value)})`);
  }
  const v = value as Record<string, unknown>;
  const kind = v.kind;
  const kinds = [...Object.keys(LEAF_FIELDS), 'sum', 'scale', 'item', 'per_item'];
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    throw new ObjectiveError(`${path}.kind must be one of ${kinds.join(', ')} (got ${JSON.stringify(kind)})`);
  }
  const leaf = LEAF_FIELDS[kind];
  if (leaf) {
    for (const key of Object.keys(v)) {
      if (key !== 'kind' && !(key in leaf)) throw new ObjectiveError(`${path}: unknown field "${key}" for kind "${kind}" (allowed: ${Object.keys(leaf).join(', ')})`);
    }
    for (const [key, type] of Object.entries(leaf)) {
      const x = v[key];
      const optional = type.startsWith('?');
      if (x === undefined) {
        if (!optional) throw new ObjectiveError(`${path}.${key} is required for kind "${kind}"`);
        continue;
      }
      const base = type.replace('?', '');
      if (base === 'string' && (typeof x !== 'string' || x.length === 0)) throw new ObjectiveError(`${path}.${key} must be a non-empty tensor name (got ${JSON.stringify(x)})`);
      if (base === 'int' && !(typeof x === 'number' && Number.isInteger(x) && x >= 0)) throw new ObjectiveError(`${path}.${key} must be a whole number ≥ 0 (got ${JSON.stringify(x)})`);
      if (base === 'number' && !(typeof x === 'number' && Number.isFinite(x))) throw new ObjectiveError(`${path}.${key} must be a finite number (got ${JSON.stringify(x)})`);
    }
    return v as Objective;
  }
  switch (kind) {
    case 'sum': {
      if (!Array.isArray(v.terms)) throw new ObjectiveError(`${path}.terms must be a list of objectives`);
      return { kind, terms: v.terms.map((t, i) => validateObjective(t, `${path}.terms[${i}]`)) };
    }
    case 'scale': {
      if (typeof v.factor !== 'number' || !Number.isFinite(v.factor)) throw new ObjectiveError(`${path}.factor must be a finite number (got ${JSON.stringify(v.factor)})`);
      return { kind, factor: v.factor, of: validateObjective(v.of, `${path}.of`) };
    }
    case 'item': {
      if (typeof v.index !== 'number' || !Number.isInteger(v.index) || v.index < 0) throw new ObjectiveError(`${path}.index must be a batch index ≥ 0 (got ${JSON.stringify(v.index)})`);
      return { kind, index: v.index, of: validateObjective(v.of, `${path}.of`) };
    }
    default: {
      if (!Array.isArray(v.items) || v.items.length === 0) throw new ObjectiveError(`${path}.items must be a non-empty list of objectives (one per batch item)`);
      return { kind: 'per_item', items: v.items.map((t, i) => validateObjective(t, `${path}.items[${i}]`)) };
    }
  }
}

/** For IPC / project schemas: a zod value that checks with validateObjective (same messages). */
export const objectiveSchema = z.custom<Objective>().superRefine((v, ctx) => {
  try {
    validateObjective(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** Every tensor name an objective reads (the compiler keeps these, prunes the rest). `undefined` layer = the input. */
export function objectiveLayers(o: Objective): (string | undefined)[] {
  switch (o.kind) {
    case 'sum': return o.terms.flatMap(objectiveLayers);
    case 'scale': case 'item': return objectiveLayers(o.of);
    case 'per_item': return o.items.flatMap(objectiveLayers);
    default: return [o.layer];
  }
}
