// The one way the engine cuts a model: "the model cut after tensor(s) X". onnxruntime runs the whole
// graph whatever is fetched (measured: fetching a subset saves nothing), and a classifier head
// (Flatten + Gemm) fails at any input size but the nominal one, so forward passes to a layer, guide
// features, and gradient graphs that need less than everything (Grad-CAM: a layer's gradient, no backward
// pass below it) all run a copy that keeps only what their outputs need.
import type { Model, ValueInfo } from '../onnx/model';

/**
 * `model` with exactly `outputs` as its graph outputs (graph outputs or inner tensors, in that order) and
 * only the nodes, initializers, graph inputs and value infos they need. Graph order is topological, so one
 * backward sweep finds every node an output depends on; subgraphs (If/Loop) read outer tensors by name.
 */
export function cutModel(model: Model, outputs: readonly string[]): Model {
  const g = model.graph;
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const missing = outputs.filter((o) => !produced.has(o));
  if (missing.length) throw new Error(`the model has no tensor named ${missing.map((m) => `"${m}"`).join(', ')}`);
  const needed = new Set<string>(outputs);
  const kept: boolean[] = new Array(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept[i] = true;
    for (const t of n.inputs) if (t) needed.add(t);
    for (const a of Object.values(n.attrs)) {
      if (a.type === 'graph') for (const sn of a.value.nodes) for (const t of sn.inputs) if (t) needed.add(t);
    }
  }
  const declared = new Map<string, ValueInfo>(g.outputs.map((v) => [v.name, v]));
  const dtype = new Map(g.valueInfo.map((v) => [v.name, v.dtype]));
  return {
    ...model,
    graph: {
      ...g,
      nodes: g.nodes.filter((_, i) => kept[i]),
      initializers: g.initializers.filter((t) => needed.has(t.name)),
      inputs: g.inputs.filter((i) => needed.has(i.name)),
      // An inner tensor becomes an output with its dtype only: shapes in value_info were often recorded at
      // the nominal input size and would contradict a run at another one. For the same reason the cut
      // model carries no value_info at all; onnxruntime infers every shape again.
      outputs: outputs.map((o) => declared.get(o) ?? { name: o, dtype: dtype.get(o) ?? 'float32' }),
      valueInfo: [],
    },
  };
}

/** The model with its image input declared at a concrete shape (so onnxruntime plans for exactly it). */
export function withInputShape(model: Model, input: string, shape: readonly number[]): Model {
  const g = model.graph;
  if (!g.inputs.some((i) => i.name === input)) throw new Error(`the model has no input named "${input}"`);
  return { ...model, graph: { ...g, inputs: g.inputs.map((i) => (i.name === input ? { ...i, shape: [...shape] } : i)) } };
}
