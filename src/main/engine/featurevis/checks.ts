// The host half's checks of a feature visualization against the model, before anything is queued: every
// refusal names the setting it is about (items[i].terms[j].target.channel, diversity.layer, …). The
// checks read the model's graph in plain TypeScript — its description's layer shapes, Conv/pool
// arithmetic for spatial sizes at the render size, and the same reachability the gradient compiler's
// walker uses — so no session is made and the worker is not asked.
import type { ModelRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { FeatureItem, FeatureTarget, FeaturevisSettings } from '../../../shared/jobs/featurevis';
import type { Objective } from '../../../shared/objectives';
import type { Model } from '../onnx/model';
import { findImageInput, tensorDtypes } from '../onnx/inspect';
import { resolveLayer } from '../autodiff/index';
import { defaultRules } from '../autodiff/rules/index';
import { spatialSize } from '../dream/receptive-field';
import type { ModelInput } from './input';
import { itemLabel, type ResolvedItem, type ResolvedTarget } from './targets';

const FLOAT = new Set(['float32', 'float16', 'float64', 'bfloat16']);

function bad(setting: string, message: string): EngineError {
  return new EngineError('bad-args', `${setting}: ${message}`);
}

/** The image input the render drives, and the size the model runs at (`size` unless the model needs its own). */
export function modelInput(rec: ModelRecord, model: Model, size: number, needsOwnSize: boolean): ModelInput {
  let img: ReturnType<typeof findImageInput>;
  try {
    img = findImageInput(model, rec.name);
  } catch (e) {
    throw new EngineError('bad-args', `modelId: ${rec.name} cannot be visualized: feature visualization optimizes an image, and ${(e as Error).message}`);
  }
  const declared = model.graph.inputs.find((i) => i.name === img.name)?.shape ?? [];
  const chAxis = img.layout === 'NCHW' ? 1 : 3;
  const declaredChannels = declared[chAxis];
  const channels = typeof declaredChannels === 'number' ? declaredChannels : img.channels;
  const fixed = img.fixedHeight !== undefined && img.fixedWidth !== undefined;
  const pre = rec.preprocess;
  const own = fixed ? { width: img.fixedWidth!, height: img.fixedHeight! } : { width: pre.width, height: pre.height };
  const at = needsOwnSize || fixed ? own : { width: size, height: size };
  return { name: img.name, channels, layout: img.layout, ...at };
}

interface LayerFacts {
  tensor: string;
  shape: number[];
}

/** A layer name (or `name:pre`) → the tensor and its shape at the inspected size; errors name `setting`. */
function layerFacts(rec: ModelRecord, model: Model, layer: string, setting: string): LayerFacts {
  let tensor: string;
  try {
    tensor = resolveLayer(model, layer);
  } catch (e) {
    throw bad(setting, (e as Error).message);
  }
  const info = rec.description.layers.find((l) => l.name === tensor);
  if (!info) {
    const produced = model.graph.nodes.some((n) => n.outputs.includes(tensor));
    throw bad(setting, produced
      ? `"${layer}" is not one of ${rec.name}'s layers with a known shape (a feature map [N, C, H, W] or a vector [N, C])`
      : `${rec.name} has no tensor named "${layer}"`);
  }
  return { tensor, shape: info.shape };
}

/**
 * Why the gradient of a target on `tensor` cannot reach the image input, or undefined when it can: the
 * walker's rule (a path through floating-point tensors that depend on the input) and a rule for every op
 * on it.
 */
export function unreachable(model: Model, input: string, tensor: string): string | undefined {
  const nodes = model.graph.nodes;
  const dtypes = tensorDtypes(model);
  const floating = (t: string) => FLOAT.has(dtypes.get(t) ?? 'float32');
  const dep = new Set([input]);
  for (const n of nodes) if (n.inputs.some((i) => dep.has(i))) n.outputs.forEach((o) => o && dep.add(o));
  if (!dep.has(tensor)) return `"${tensor}" does not depend on the image input "${input}"`;
  const reach = new Set([tensor]);
  const missing = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => reach.has(o))) continue;
    const depIn = n.inputs.filter((x) => dep.has(x) && floating(x));
    if (depIn.length === 0) continue;
    if (!defaultRules[n.opType] || (n.domain !== '' && n.domain !== 'ai.onnx')) missing.add(n.opType);
    depIn.forEach((x) => reach.add(x));
  }
  if (!reach.has(input)) return `no gradient flows from "${tensor}" back to the image (it depends on the image only through integer or boolean values such as an argmax)`;
  if (missing.size) return `the gradient compiler has no rule for ${[...missing].sort().join(', ')} on the path from the image to "${tensor}"`;
  return undefined;
}

export interface CheckedItems {
  items: ResolvedItem[];
  /** some target sits behind a non-spatial layer (a class score after a fully connected head): the model runs at its own size */
  needsOwnSize: boolean;
  diversity?: { weight: number; layer: string };
}

/** Resolve and check every item's targets; `size` is the render size (neuron positions are checked at the size the model runs at). */
export function checkItems(rec: ModelRecord, model: Model, s: FeaturevisSettings, size: number): CheckedItems {
  const input = findImageInputName(rec, model);
  let needsOwnSize = false;
  const facts = s.items.map((item, i) => item.terms.map((term, j) => {
    const at = `items[${i}].terms[${j}].target`;
    const t = term.target;
    const layer = t.kind === 'class' ? classLayer(rec, model, t, `${at}.layer`) : t.layer;
    const f = layerFacts(rec, model, layer, `${at}.layer`);
    const why = unreachable(model, input, f.tensor);
    if (why) throw bad(`${at}.layer`, why);
    if (f.shape.length < 4) needsOwnSize = true;
    return { f, layer };
  }));
  const resolved: ResolvedItem[] = [];
  s.items.forEach((item, i) => {
    const terms: ResolvedTarget[] = item.terms.map((term, j) => {
      const { f, layer } = facts[i]![j]!;
      return resolveTarget(rec, model, term.target, term.weight, layer, f, `items[${i}].terms[${j}].target`, size, needsOwnSize);
    });
    resolved.push({ terms, label: itemLabel(item.terms.map((t) => ({ name: targetName(t.target), weight: t.weight }))) });
  });
  let diversity: CheckedItems['diversity'];
  if (s.diversity) {
    if (s.items.length < 2) throw bad('diversity', `the diversity term compares the items of one batch: give at least 2 items (got ${s.items.length})`);
    if (s.items.length > 64) throw bad('diversity', `a diversity set renders as one batch of at most 64 items (got ${s.items.length})`);
    const first = s.items[0]!.terms[0]!.target;
    const layer = s.diversity.layer ?? (first.kind === 'class' ? undefined : first.layer);
    if (!layer) throw bad('diversity.layer', 'name the layer whose Gram matrices are compared (the first target is a class score, which has none)');
    const f = layerFacts(rec, model, layer, 'diversity.layer');
    if (f.shape.length < 4) throw bad('diversity.layer', `"${layer}" has shape [${f.shape.join(',')}]: the diversity term compares Gram matrices of a feature map [N, C, H, W]`);
    const why = unreachable(model, input, f.tensor);
    if (why) throw bad('diversity.layer', why);
    diversity = { weight: s.diversity.weight, layer };
  }
  return { items: resolved, needsOwnSize, ...(diversity ? { diversity } : {}) };
}

function findImageInputName(rec: ModelRecord, model: Model): string {
  try {
    return findImageInput(model, rec.name).name;
  } catch (e) {
    throw new EngineError('bad-args', `modelId: ${rec.name} cannot be visualized: feature visualization optimizes an image, and ${(e as Error).message}`);
  }
}

/** the tensor a class target reads: the named one, else the classifier output's logits (its Softmax's input) or probabilities */
function classLayer(rec: ModelRecord, model: Model, t: Extract<FeatureTarget, { kind: 'class' }>, setting: string): string {
  if (t.layer) return t.layer;
  const out = rec.description.classifierOutput;
  if (!out) throw bad(setting, `${rec.name} is not a classifier (no output of shape [N, classes]): name the logits tensor`);
  const softmax = model.graph.nodes.find((n) => n.outputs.includes(out))?.opType === 'Softmax';
  if (t.score === 'probability') return out;
  return softmax ? `${out}:pre` : out;
}

function resolveTarget(
  rec: ModelRecord, model: Model, t: FeatureTarget, weight: number, layer: string, f: LayerFacts, at: string, size: number, ownSize: boolean,
): ResolvedTarget {
  const C = f.shape[1] ?? 0;
  const spatial = f.shape.length === 4;
  const channelOk = (c: number, field: string) => {
    if (c >= C) throw bad(`${at}.${field}`, `${c} is out of range: ${layer} has ${C} channels (0–${C - 1})`);
  };
  switch (t.kind) {
    case 'channel':
      if (!spatial) throw bad(`${at}.layer`, `"${layer}" has shape [${f.shape.join(',')}], no spatial axes: a channel target needs a feature map [N, C, H, W] (use a class or direction target for vectors)`);
      channelOk(t.channel, 'channel');
      return { kind: 'linear', layer, index: t.channel, weight };
    case 'neuron': {
      if (!spatial) throw bad(`${at}.layer`, `"${layer}" has shape [${f.shape.join(',')}], no spatial axes: a neuron target needs a feature map [N, C, H, W]`);
      channelOk(t.channel, 'channel');
      const img = findImageInput(model, rec.name);
      const fixed = img.fixedHeight !== undefined && img.fixedWidth !== undefined;
      const h = fixed ? img.fixedHeight! : ownSize ? rec.preprocess.height : size;
      const w = fixed ? img.fixedWidth! : ownSize ? rec.preprocess.width : size;
      let hw: [number, number];
      try {
        hw = spatialSize(model, img.name, h, w, f.tensor);
      } catch (e) {
        throw bad(`${at}.layer`, (e as Error).message);
      }
      if (hw[0] < 1 || hw[1] < 1) throw bad('size', `${h}×${w} px is too small for ${layer} (its map would be ${hw[0]}×${hw[1]})`);
      if (t.x !== undefined && t.x >= hw[1]) throw bad(`${at}.x`, `${t.x} is out of range: at ${w}×${h} px ${layer} is ${hw[1]} wide (x 0–${hw[1] - 1})`);
      if (t.y !== undefined && t.y >= hw[0]) throw bad(`${at}.y`, `${t.y} is out of range: at ${w}×${h} px ${layer} is ${hw[0]} high (y 0–${hw[0] - 1})`);
      return { kind: 'neuron', layer, channel: t.channel, ...(t.x !== undefined ? { x: t.x } : {}), ...(t.y !== undefined ? { y: t.y } : {}), weight };
    }
    case 'layer':
      return { kind: 'layer', layer, weight };
    case 'class': {
      if (f.shape.length !== 2) throw bad(`${at}.layer`, `"${layer}" has shape [${f.shape.join(',')}]: a class score needs a vector of class scores [N, classes]`);
      if (t.index >= C) throw bad(`${at}.index`, `class ${t.index} is beyond the classifier: ${rec.name} has ${C} classes (0–${C - 1})`);
      return { kind: 'linear', layer, index: t.index, weight };
    }
    case 'direction':
      if (t.vector.length !== C) throw bad(`${at}.vector`, `the direction has ${t.vector.length} values but ${layer} has ${C} channels`);
      return { kind: 'vector', layer, vector: t.vector, weight };
  }
}

/** the readable form of a target (what labels and the PNG's record show) */
export function targetName(t: FeatureTarget): Objective | string {
  switch (t.kind) {
    case 'channel': return { kind: 'channel', layer: t.layer, channel: t.channel };
    case 'neuron': return { kind: 'neuron', layer: t.layer, channel: t.channel, ...(t.x !== undefined ? { x: t.x } : {}), ...(t.y !== undefined ? { y: t.y } : {}) };
    case 'layer': return { kind: 'deepdream', layer: t.layer };
    case 'class': return `${t.score === 'probability' ? 'probability' : 'class'}(${t.index}${t.layer ? `, ${t.layer}` : ''})`;
    case 'direction': return `direction(${t.layer})`;
  }
}

/** a one-line title for the jobs list */
export function jobTitle(modelName: string, items: readonly FeatureItem[]): string {
  const first = items[0]!.terms[0]!.target;
  const layer = first.kind === 'class' ? 'classes' : first.layer;
  if (items.length === 1) return `Feature visualization of ${itemLabel(items[0]!.terms.map((t) => ({ name: targetName(t.target), weight: t.weight })))} (${modelName})`;
  return `Feature visualization: ${items.length} items of ${layer} (${modelName})`;
}
