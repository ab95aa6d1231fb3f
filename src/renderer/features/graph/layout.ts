// Positions for the graph view from dagre (@dagrejs/dagre, a maintained layered-layout library): boxes
// top to bottom, expanded groups as frames around their ops, shape labels placed on the edges by the
// layout itself so they do not sit on boxes. Pure (no DOM): node:test runs it.
import dagre from '@dagrejs/dagre';
import type { VisibleGraph } from './visible';

export interface Box { id: string; x: number; y: number; width: number; height: number }
export interface PlacedEdge { from: string; to: string; points: { x: number; y: number }[]; label?: { x: number; y: number; text: string } }
export interface Layout {
  width: number;
  height: number;
  boxes: Map<string, Box>;
  clusters: Box[];
  edges: PlacedEdge[];
}

/** A rough text width for the box sizes (the view's font: 12 px sans for names, 11 px for details). */
const CHAR = 6.6;
const LABEL_CHAR = 5.8;

export function boxSize(n: VisibleGraph['nodes'][number]): { width: number; height: number } {
  const text = Math.max(n.label.length * CHAR, n.detail.length * (CHAR - 0.6));
  const width = Math.min(Math.max(80, text + 20), n.kind === 'group' ? 300 : 240);
  return { width, height: n.kind === 'group' ? 48 : 36 };
}

export function layoutGraph(v: VisibleGraph): Layout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 26, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of v.clusters) g.setNode(c.id, { label: c.label, width: 0, height: 0, paddingTop: 24 } as never);
  for (const n of v.nodes) {
    g.setNode(n.id, { ...boxSize(n) });
    if (n.parent) g.setParent(n.id, n.parent);
  }
  v.edges.forEach((e, i) => {
    const label = e.shape ? { width: e.shape.length * LABEL_CHAR + 6, height: 14, labelpos: 'r' as const, labeloffset: 6 } : {};
    g.setEdge(e.from, e.to, { ...label }, `e${i}`);
  });
  dagre.layout(g);

  const boxes = new Map<string, Box>();
  for (const n of v.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    boxes.set(n.id, { id: n.id, x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height });
  }
  const clusters = v.clusters.map((c) => {
    const p = g.node(c.id) as { x: number; y: number; width: number; height: number };
    return { id: c.id, x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height };
  });
  const edges: PlacedEdge[] = v.edges.map((e, i) => {
    const p = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: { x: number; y: number }[]; x?: number; y?: number; width?: number };
    const placed: PlacedEdge = { from: e.from, to: e.to, points: p.points ?? [] };
    if (e.shape && p.x !== undefined && p.y !== undefined) placed.label = { x: p.x - (p.width ?? 0) / 2, y: p.y, text: e.shape };
    return placed;
  });
  const gl = g.graph() as { width?: number; height?: number };
  return { width: gl.width ?? 0, height: gl.height ?? 0, boxes, clusters, edges };
}
