// The model's graph as plain data for the graph view (Netron style): operator nodes, the tensors between
// them with the shapes the inspection computed, and groups of nodes that the view collapses into one box
// so that GoogLeNet or InceptionV3 (~150–300 nodes) reads as a dozen blocks.
//
// Groups, one strategy per model:
// - scopes: when most node names carry a scope ("inception_4c/3x3", "/layer1/layer1.0/conv1/Conv"), the
//   first scope segment names the group (Caffe, PyTorch and TF exports name their blocks this way);
// - blocks: otherwise (Keras names: conv2d_12, activation_12, mixed5) the graph is cut wherever a single
//   tensor is alive between two nodes in graph order; a stretch between two cuts that branches and merges
//   again (an inception module, a residual block) is a group named after the tensor it ends with.
import type { ModelDescription } from '../../../shared/contract';
import type { ModelGraph, ModelGraphGroup, ModelGraphNode } from '../../../shared/graph';
import type { Attr, Model, Node } from './model';

/** Attributes longer than this are shortened in the view's details (a Constant's tensor, long lists). */
const MAX_ATTR_CHARS = 80;
/** A stretch between two cuts becomes a group only when it has at least this many nodes. */
const MIN_BLOCK_NODES = 4;

function attrText(a: Attr): string {
  let s: string;
  switch (a.type) {
    case 'tensor': s = `tensor ${a.value.dtype} [${a.value.dims.join('×')}]`; break;
    case 'graph': s = `graph (${a.value.nodes.length} nodes)`; break;
    case 'floats': case 'ints': s = `[${a.value.join(', ')}]`; break;
    case 'strings': s = `[${a.value.join(', ')}]`; break;
    default: s = String(a.value);
  }
  return s.length > MAX_ATTR_CHARS ? `${s.slice(0, MAX_ATTR_CHARS - 1)}…` : s;
}

/** The first scope segment of a node (from its name, else its first output), or undefined when it has none. */
export function scopeOf(n: Node): string | undefined {
  const name = (n.name || n.outputs[0] || '').replace(/^\/+/, '');
  const i = name.indexOf('/');
  return i > 0 ? name.slice(0, i) : undefined;
}

/** Indexes of nodes after which exactly one tensor is alive (read later by some node or a graph output). */
export function cutPoints(nodes: readonly Node[], dataInputs: ReadonlySet<string>, graphOutputs: readonly string[]): number[] {
  const lastUse = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((t) => t && lastUse.set(t, i)));
  for (const o of graphOutputs) lastUse.set(o, nodes.length);
  // alive after node i: produced at or before i (or a graph input) and used after i
  const born = new Map<string, number>();
  for (const t of dataInputs) born.set(t, -1);
  nodes.forEach((n, i) => n.outputs.forEach((t) => t && born.set(t, i)));
  const delta = new Array<number>(nodes.length + 1).fill(0);
  for (const [t, b] of born) {
    const u = lastUse.get(t);
    if (u === undefined || u <= b) continue;
    delta[Math.max(b, 0)]! += 1;
    delta[u]! -= 1;
  }
  const cuts: number[] = [];
  let alive = 0;
  for (let i = 0; i < nodes.length; i++) {
    alive += delta[i]!;
    if (alive === 1) cuts.push(i);
  }
  return cuts;
}

function scopeGroups(nodes: readonly Node[]): Map<number, string> | null {
  const scopes = nodes.map(scopeOf);
  if (scopes.filter(Boolean).length < nodes.length / 2) return null;
  const count = new Map<string, number>();
  for (const s of scopes) if (s) count.set(s, (count.get(s) ?? 0) + 1);
  const out = new Map<number, string>();
  scopes.forEach((s, i) => { if (s && count.get(s)! >= 2) out.set(i, s); });
  return out;
}

function blockGroups(nodes: readonly Node[], dataInputs: ReadonlySet<string>, graphOutputs: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  const cuts = cutPoints(nodes, dataInputs, graphOutputs);
  let start = 0;
  for (const end of [...cuts, nodes.length - 1]) {
    const span = nodes.slice(start, end + 1);
    // branches and merges again: some node reads two or more tensors of the stretch (made inside it, or
    // the one it starts from: a residual block adds its input back)
    const inner = new Set([...span.flatMap((n) => n.outputs), ...(start > 0 ? nodes[start - 1]!.outputs : dataInputs)]);
    const merges = span.some((n) => n.inputs.filter((t) => inner.has(t)).length >= 2);
    if (span.length >= MIN_BLOCK_NODES && merges) {
      const label = nodes[end]!.outputs[0] || nodes[end]!.name || `block ${out.size + 1}`;
      for (let i = start; i <= end; i++) out.set(i, label);
    }
    start = end + 1;
  }
  return out;
}

/**
 * The graph view's data for a decoded model. Shapes come from the inspection (`description`: every layer
 * tensor at the inspected size, and the declared inputs/outputs); tensors it did not measure have none.
 */
export function describeGraph(model: Model, description: ModelDescription): ModelGraph {
  const g = model.graph;
  const weights = new Map(g.initializers.map((t) => [t.name, t.dims]));
  const dataInputs = new Set(g.inputs.map((i) => i.name).filter((n) => !weights.has(n)));
  const outputs = g.outputs.map((o) => o.name);
  const shapes: Record<string, (number | string | null)[]> = {};
  for (const v of g.valueInfo) if (v.shape) shapes[v.name] = v.shape;
  for (const t of [...description.inputs, ...description.outputs]) shapes[t.name] = t.shape;
  for (const l of description.layers) shapes[l.name] = l.shape;
  // the image input at the size the layers were measured at (its declared shape is often [N,3,H,W])
  const img = shapes[description.imageInput];
  if (img?.length === 4) {
    const { width, height } = description.inspectedSize;
    const nchw = img[1] === 3 || img[1] === 1 || (typeof img[3] !== 'number' && typeof img[1] === 'number');
    shapes[description.imageInput] = nchw ? [1, img[1] ?? 3, height, width] : [1, height, width, img[3] ?? 3];
  }
  const layerNames = new Set(description.layers.map((l) => l.name));

  const scoped = scopeGroups(g.nodes);
  const grouping = scoped ?? blockGroups(g.nodes, dataInputs, outputs);
  const nodes: ModelGraphNode[] = g.nodes.map((n, i) => {
    const node: ModelGraphNode = {
      id: `n${i}`,
      name: n.name || n.outputs[0] || `${n.opType} ${i}`,
      opType: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType,
      // inputs that are tensors flowing through the graph; weights are listed apart, with their shapes
      inputs: n.inputs.filter((t) => t && !weights.has(t)),
      outputs: n.outputs.filter(Boolean),
      weights: n.inputs.filter((t) => t && weights.has(t)).map((t) => ({ name: t, shape: weights.get(t)! })),
      attrs: Object.entries(n.attrs).map(([name, a]) => ({ name, value: attrText(a) })),
    };
    const grp = grouping.get(i);
    if (grp !== undefined) node.group = grp;
    const layer = node.outputs.find((t) => layerNames.has(t));
    if (layer) node.layer = layer;
    return node;
  });

  const groups: ModelGraphGroup[] = [];
  const byId = new Map<string, ModelGraphGroup>();
  nodes.forEach((n) => {
    if (n.group === undefined) return;
    let grp = byId.get(n.group);
    if (!grp) {
      grp = { id: n.group, label: n.group, nodeCount: 0, opTypes: {} };
      byId.set(n.group, grp);
      groups.push(grp);
    }
    grp.nodeCount++;
    grp.opTypes[n.opType] = (grp.opTypes[n.opType] ?? 0) + 1;
  });

  return {
    modelSha: description.sha256,
    size: description.inspectedSize,
    inputs: [...dataInputs],
    outputs,
    nodes,
    groups,
    shapes,
    grouping: grouping.size === 0 ? 'none' : scoped ? 'scopes' : 'blocks',
  };
}
