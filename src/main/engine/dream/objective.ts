// From dream settings to the objective the gradient compiler maximises.
//   plain:   Σ weight · mean(A²)                       (google's objective_L2)
//   channels: Σ weight · mean over chosen channels of their mean activation (the TF notebook's channel dreams)
//   guided:  Σ weight · mean over positions of max_j ⟨A[:, p], G[:, j]⟩, G = the guide's features —
//            the original notebook's objective_guide: its gradient at p is the best-matching guide vector.
// The guided score is built as a few extra ONNX nodes on the model, so the compiler differentiates it
// like any other layer and one run per step suffices.
import type { Model, Node } from '../onnx/model';
import { makeTensor, opsetVersion } from '../onnx/model';
import type { Objective } from '../../../shared/objectives';
import { fieldMap } from './receptive-field';
import type { DreamLayer } from '../../../shared/jobs/dream';

/** The classic DeepDream layer when the model has it, else an activation about 60% of the way in. */
export function defaultDreamLayer(model: Model, input: string): string {
  const produced = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  if (produced.has('inception_4c/output')) return 'inception_4c/output';
  const fields = fieldMap(model, input);
  const spatial = (n: Node) => n.outputs[0] && Number.isFinite(fields.get(n.outputs[0])?.field ?? Infinity);
  const concats = model.graph.nodes.filter((n) => n.opType === 'Concat' && spatial(n));
  // Inception / fire modules end in Concat: their outputs are the natural "layers".
  const pool = concats.length >= 3 ? concats : model.graph.nodes.filter((n) => ['Relu', 'Add', 'Clip', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid'].includes(n.opType) && spatial(n));
  if (pool.length === 0) throw new Error('no spatial activation found in the model to dream on: name a layer');
  return pool[Math.min(pool.length - 1, Math.floor(pool.length * 0.6))]!.outputs[0]!;
}

/**
 * `positions` (layer → H'·W' at the input shape being compiled) turns each term's mean over positions
 * into a sum: tiles of different sizes then give gradients on one common scale, as parts of the
 * whole image's gradient must.
 */
export function dreamObjective(layers: DreamLayer[], guideScores?: Map<string, string>, positions?: Map<string, number>): Objective {
  const terms: Objective[] = layers.map((l) => {
    let o: Objective;
    const g = guideScores?.get(l.name);
    if (g) o = { kind: 'channel', layer: g, channel: 0 };
    else if (l.channels) o = l.channels.length === 1 ? { kind: 'channel', layer: l.name, channel: l.channels[0]! } : { kind: 'scale', factor: 1 / l.channels.length, of: { kind: 'sum', terms: l.channels.map((c) => ({ kind: 'channel' as const, layer: l.name, channel: c })) } };
    else o = { kind: 'deepdream', layer: l.name };
    const factor = l.weight * (positions?.get(l.name) ?? 1);
    return factor === 1 ? o : { kind: 'scale', factor, of: o };
  });
  return terms.length === 1 ? terms[0]! : { kind: 'sum', terms };
}

/**
 * Add the guided score for `layer` ([1, C, H, W]) against guide features `features` ([C, M], M guide
 * positions) to a copy of the model: score[0, 0, p, 0] = max_j ⟨A[:, p], G[:, j]⟩. Returns the new model
 * and the score tensor's name.
 */
export function withGuideScore(model: Model, layer: string, features: Float32Array, channels: number): { model: Model; score: string } {
  const m = features.length / channels;
  if (!Number.isInteger(m) || m < 1) throw new Error(`guide features for ${layer}: ${features.length} values do not split into ${channels} channels`);
  const p = `dream_guide/${layer}`;
  const opset = opsetVersion(model);
  const inits = [
    makeTensor(`${p}/features`, 'float32', [channels, m], features),
    makeTensor(`${p}/shape_cp`, 'int64', [2], [channels, -1]),
    makeTensor(`${p}/shape_score`, 'int64', [4], [1, 1, -1, 1]),
  ];
  const node = (opType: string, inputs: string[], out: string, attrs: Node['attrs'] = {}): Node => ({ name: out, opType, domain: '', inputs, outputs: [out], attrs });
  const nodes: Node[] = [
    node('Reshape', [layer, `${p}/shape_cp`], `${p}/cp`),
    node('Transpose', [`${p}/cp`], `${p}/pc`, { perm: { type: 'ints', value: [1, 0] } }),
    node('MatMul', [`${p}/pc`, `${p}/features`], `${p}/dots`),
  ];
  if (opset >= 18) {
    inits.push(makeTensor(`${p}/axis1`, 'int64', [1], [1]));
    nodes.push(node('ReduceMax', [`${p}/dots`, `${p}/axis1`], `${p}/best`, { keepdims: { type: 'int', value: 0 } }));
  } else {
    nodes.push(node('ReduceMax', [`${p}/dots`], `${p}/best`, { axes: { type: 'ints', value: [1] }, keepdims: { type: 'int', value: 0 } }));
  }
  nodes.push(node('Reshape', [`${p}/best`, `${p}/shape_score`], `${p}/score`));
  return {
    model: { ...model, graph: { ...model.graph, nodes: [...model.graph.nodes, ...nodes], initializers: [...model.graph.initializers, ...inits] } },
    score: `${p}/score`,
  };
}
