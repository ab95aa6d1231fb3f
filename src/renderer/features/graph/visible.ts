// Which boxes and arrows the graph view draws: every operator, except that a collapsed group (an
// inception module, a residual block, a named scope) is one box. Pure, so node:test checks it.
import type { ModelGraph } from '../../../shared/contract';

export interface VisibleNode {
  id: string;
  kind: 'op' | 'group' | 'input' | 'output';
  /** the node's or group's name, or the tensor of an input/output */
  label: string;
  /** op type, a group's op summary, or the tensor's shape */
  detail: string;
  /** an expanded group this op is drawn inside */
  parent?: string;
  /** the layer selecting this box selects (an op's layer tensor, a group's last layer) */
  layer?: string;
  /** for op boxes: index into graph.nodes */
  node?: number;
}

export interface VisibleEdge {
  from: string;
  to: string;
  /** the tensor, and its shape as text where known ("1×512×14×14") */
  tensor: string;
  shape: string;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
  /** expanded groups: drawn as a frame around their ops */
  clusters: { id: string; label: string }[];
}

export function shapeText(shape: readonly (number | string | null)[] | undefined): string {
  return shape ? shape.map((d) => (d === null ? '?' : String(d))).join('×') : '';
}

/** "Conv 6 · Relu 6 · Concat 1": the biggest op counts first */
export function opSummary(opTypes: Record<string, number>, max = 4): string {
  const all = Object.entries(opTypes).sort((a, b) => b[1] - a[1]);
  const shown = all.slice(0, max).map(([op, n]) => `${op} ${n}`);
  return all.length > max ? `${shown.join(' · ')} · …` : shown.join(' · ');
}

export function visibleGraph(g: ModelGraph, expanded: ReadonlySet<string>): VisibleGraph {
  const nodes: VisibleNode[] = [];
  const clusters: VisibleGraph['clusters'] = [];
  const boxOf = new Map<string, string>(); // graph node id → the box drawn for it
  const groupBox = (id: string) => `group:${id}`;

  for (const grp of g.groups) {
    if (expanded.has(grp.id)) {
      clusters.push({ id: groupBox(grp.id), label: grp.label });
      continue;
    }
    // the layer a collapsed block stands for: the last layer made inside it (an inception module's output)
    const members = g.nodes.filter((n) => n.group === grp.id);
    const layer = [...members].reverse().find((n) => n.layer)?.layer;
    nodes.push({ id: groupBox(grp.id), kind: 'group', label: grp.label, detail: `${grp.nodeCount} nodes · ${opSummary(grp.opTypes)}`, ...(layer ? { layer } : {}) });
  }
  g.nodes.forEach((n, i) => {
    if (n.group !== undefined && !expanded.has(n.group)) {
      boxOf.set(n.id, groupBox(n.group));
      return;
    }
    boxOf.set(n.id, n.id);
    nodes.push({
      id: n.id, kind: 'op', label: n.name, detail: n.opType, node: i,
      ...(n.group !== undefined ? { parent: groupBox(n.group) } : {}), ...(n.layer ? { layer: n.layer } : {}),
    });
  });

  const producer = new Map<string, string>();
  for (const t of g.inputs) {
    const id = `input:${t}`;
    nodes.push({ id, kind: 'input', label: t, detail: shapeText(g.shapes[t]) });
    producer.set(t, id);
  }
  for (const n of g.nodes) for (const t of n.outputs) producer.set(t, boxOf.get(n.id)!);

  const edges: VisibleEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string, tensor: string) => {
    if (from === to) return; // inside one collapsed group
    const key = `${from}\u0000${to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, tensor, shape: shapeText(g.shapes[tensor]) });
  };
  for (const n of g.nodes) {
    for (const t of n.inputs) {
      const from = producer.get(t);
      if (from) add(from, boxOf.get(n.id)!, t);
    }
  }
  for (const t of g.outputs) {
    const from = producer.get(t);
    if (!from) continue;
    const id = `output:${t}`;
    nodes.push({ id, kind: 'output', label: t, detail: shapeText(g.shapes[t]) });
    add(from, id, t);
  }
  return { nodes, edges, clusters };
}
