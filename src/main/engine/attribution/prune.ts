// Dead-node removal on a plain ONNX model: keep only the graph outputs asked for and the nodes and
// initializers they need. onnxruntime runs the whole graph whatever you fetch (measured: fetching a
// subset saves nothing), so Grad-CAM, which needs d target / d layer but not d target / d input,
// drops the backward pass below its layer this way and costs little more than a forward pass.
import type { Model } from '../onnx/model';

export function keepOutputs(model: Model, keep: readonly string[]): Model {
  const g = model.graph;
  const missing = keep.filter((k) => !g.outputs.some((o) => o.name === k));
  if (missing.length) throw new Error(`keepOutputs: the model has no outputs named ${missing.join(', ')}`);
  const needed = new Set<string>(keep);
  const kept: boolean[] = new Array(g.nodes.length).fill(false);
  // graph order is topological: one backward sweep finds every node an output depends on
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept[i] = true;
    for (const t of n.inputs) if (t) needed.add(t);
    for (const a of Object.values(n.attrs)) {
      // subgraphs (If/Loop) read outer tensors by name
      if (a.type === 'graph') for (const sn of a.value.nodes) for (const t of sn.inputs) if (t) needed.add(t);
    }
  }
  return {
    ...model,
    graph: {
      ...g,
      nodes: g.nodes.filter((_, i) => kept[i]),
      initializers: g.initializers.filter((t) => needed.has(t.name)),
      outputs: g.outputs.filter((o) => keep.includes(o.name)),
      valueInfo: g.valueInfo.filter((v) => needed.has(v.name)),
    },
  };
}
