// The Graph tab: the selected model's graph, Netron style, laid out by dagre. Repeated blocks (inception
// modules, residual blocks, named scopes) start collapsed so GoogLeNet reads as a column of a dozen boxes;
// a click opens one. Edges carry the tensor shapes the engine measured. Clicking an op selects its layer
// everywhere (selectLayer, state/selection.ts); the details pane shows its inputs, outputs, weights and attributes.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ModelGraph, ModelRecord } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { selectedLayerAtom } from '../run/atoms';
import { expandedAtom, focusedNodeAtom, graphsAtom } from './atoms';
import { layoutGraph, type Box, type Layout } from './layout';
import { focusNode, loadGraph, openInRun, setExpanded, toggleGroup } from './service';
import { opSummary, shapeText, visibleGraph, type VisibleNode } from './visible';
import './graph.css';

const NO_GROUPS: string[] = [];
interface View { x: number; y: number; k: number }

export function GraphPanel({ model }: { model: ModelRecord | undefined }) {
  if (!model) return <div className="empty">Select a model to see its graph.</div>;
  return <ModelGraphView key={model.id} model={model} />;
}

function ModelGraphView({ model }: { model: ModelRecord }) {
  const entry = useAtomValue(graphsAtom)[model.id];
  useEffect(() => void loadGraph(model.id), [model.id]);
  if (!entry) return <div className="empty" data-testid="graph-loading">Reading the graph of {model.name}…</div>;
  if ('error' in entry) return <div className="banner banner-error" data-testid="graph-error">Could not read the graph of {model.name}: {entry.error}</div>;
  return <GraphCanvas model={model} graph={entry} />;
}

/** Netron-like colours by kind of op: the class name picks one in graph.css. */
function opClass(op: string): string {
  if (/^(Conv|ConvTranspose|Gemm|MatMul|QLinearConv|ConvInteger)$/.test(op)) return 'op-layer';
  if (/Relu|Sigmoid|Tanh|Elu|Selu|Clip|Softplus|Gelu|Mish|HardSwish|HardSigmoid|PRelu|Softmax/.test(op)) return 'op-activation';
  if (/Pool/.test(op)) return 'op-pool';
  if (/Norm|LRN/.test(op)) return 'op-norm';
  if (/^(Concat|Add|Sum|Mul|Sub|Div|Split)$/.test(op)) return 'op-merge';
  return 'op-other';
}

function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function GraphCanvas({ model, graph }: { model: ModelRecord; graph: ModelGraph }) {
  const expandedList = useAtomValue(expandedAtom)[model.id] ?? NO_GROUPS;
  const expanded = useMemo(() => new Set(expandedList), [expandedList]);
  const visible = useMemo(() => visibleGraph(graph, expanded), [graph, expanded]);
  const layout = useMemo(() => layoutGraph(visible), [visible]);
  const selectedLayer = useAtomValue(selectedLayerAtom);
  const focusedId = useAtomValue(focusedNodeAtom)[model.id] ?? null;
  const frame = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View | null>(null);
  /** a box or frame to bring into view once the next layout is drawn */
  const bringIntoView = useRef<string | null>(null);
  const [query, setQuery] = useState('');

  // which group holds each layer, so a layer inside a collapsed block lights up its box
  const groupOfLayer = useMemo(() => new Map(graph.nodes.filter((n) => n.layer && n.group !== undefined).map((n) => [n.layer!, n.group!])), [graph]);
  const litBox = selectedLayer
    ? visible.nodes.find((n) => n.kind === 'op' && n.layer === selectedLayer)?.id ?? (groupOfLayer.has(selectedLayer) && !expanded.has(groupOfLayer.get(selectedLayer)!) ? `group:${groupOfLayer.get(selectedLayer)}` : undefined)
    : undefined;

  /** opening a block zooms in far enough to read its ops */
  const READABLE = 0.85;
  const show = (b: Box, el: HTMLDivElement, k: number) => {
    const w = el.clientWidth;
    setView({ k, x: w / 2 - (b.x + b.width / 2) * k, y: 48 - b.y * k });
  };
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    const target = bringIntoView.current;
    bringIntoView.current = null;
    const k = view?.k ?? Math.min(1, Math.max(0.35, (el.clientWidth - 40) / Math.max(1, layout.width)));
    const b = target ? layout.boxes.get(target) ?? layout.clusters.find((c) => c.id === target) : undefined;
    // a block just opened: as much of it as fits, but never smaller than it was
    if (b) return show(b, el, target?.startsWith('group:') ? Math.max(k, Math.min(READABLE, (el.clientWidth - 24) / b.width)) : Math.max(k, READABLE));
    if (!view) {
      // first drawing: the selected layer's box when there is one, else the top of the graph
      const lit = litBox ? layout.boxes.get(litBox) : undefined;
      if (lit) return show(lit, el, k);
      setView({ k, x: (el.clientWidth - layout.width * k) / 2, y: 8 });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  // wheel zooms around the pointer (a native listener: React's wheel listeners are passive)
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const px = e.clientX - r.left, py = e.clientY - r.top;
      setView((v) => {
        if (!v) return v;
        const k = Math.min(3, Math.max(0.1, v.k * Math.exp(-e.deltaY * 0.0015)));
        return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
      });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const onPointerDown = (e: React.PointerEvent) => {
    if ((e.target as Element).closest('.graph-box, .graph-cluster-head') || !view) return;
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (d) setView((v) => (v ? { ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y } : v));
  };
  const onPointerUp = () => { drag.current = null; };

  const zoom = (f: number) => setView((v) => {
    const el = frame.current;
    if (!v || !el) return v;
    const cx = el.clientWidth / 2, cy = el.clientHeight / 2;
    const k = Math.min(3, Math.max(0.1, v.k * f));
    return { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
  });
  const fit = () => {
    const el = frame.current;
    if (!el) return;
    const k = Math.min(1, (el.clientWidth - 20) / layout.width, (el.clientHeight - 20) / layout.height);
    setView({ k, x: (el.clientWidth - layout.width * k) / 2, y: 10 });
  };

  const clickBox = (n: VisibleNode) => {
    if (n.kind === 'group') {
      const id = n.id.slice('group:'.length);
      bringIntoView.current = n.id;
      toggleGroup(model.id, id);
      focusNode(model.id, n.id, undefined);
      return;
    }
    focusNode(model.id, n.id, n.layer);
  };

  // find a node by name: open its group, focus it, bring it into view
  const find = (q: string) => {
    const s = q.trim().toLowerCase();
    if (!s) return;
    const hit = graph.nodes.find((n) => n.name.toLowerCase() === s) ?? graph.nodes.find((n) => n.name.toLowerCase().includes(s));
    if (!hit) return;
    if (hit.group !== undefined && !expanded.has(hit.group)) setExpanded(model.id, [...expandedList, hit.group]);
    bringIntoView.current = hit.id;
    focusNode(model.id, hit.id, hit.layer);
    if (hit.group === undefined || expanded.has(hit.group)) {
      const b = layout.boxes.get(hit.id);
      if (b && frame.current) show(b, frame.current, view?.k ?? 1);
    }
  };

  const groupWord = graph.grouping === 'scopes' ? 'named blocks' : graph.grouping === 'blocks' ? 'branching blocks' : 'groups';
  return (
    <div className="graph-panel" data-testid="graph-panel">
      <div className="graph-toolbar">
        <span className="small muted graph-summary" data-testid="graph-summary">
          {graph.nodes.length} nodes{graph.groups.length > 0 && <> · {graph.groups.length} {groupWord} ({expandedList.length} open)</>} · shapes at {graph.size.width}×{graph.size.height}
        </span>
        <input
          className="search graph-search"
          data-testid="graph-search"
          placeholder="Find a node…"
          value={query}
          list="graph-node-names"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && find(query)}
        />
        <datalist id="graph-node-names">{graph.nodes.map((n) => <option key={n.id} value={n.name} />)}</datalist>
        {graph.groups.length > 0 && (
          <>
            <button className="button small" data-testid="graph-expand-all" onClick={() => setExpanded(model.id, graph.groups.map((g) => g.id))}>Open all</button>
            <button className="button small" data-testid="graph-collapse-all" onClick={() => setExpanded(model.id, [])}>Close all</button>
          </>
        )}
        <button className="button small" title="Zoom out" onClick={() => zoom(1 / 1.25)}>−</button>
        <button className="button small" title="Zoom in" onClick={() => zoom(1.25)}>+</button>
        <button className="button small" data-testid="graph-fit" onClick={fit}>Fit</button>
      </div>
      <div className="graph-body">
        <div className="graph-frame" ref={frame} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp}>
          {view && <GraphSvg layout={layout} nodes={visible.nodes} clusters={visible.clusters} view={view} lit={litBox} focused={focusedId} onBox={clickBox} onCluster={(id) => toggleGroup(model.id, id.slice('group:'.length))} onOpen={(layer) => openInRun(model.id, layer)} />}
        </div>
        <Details model={model} graph={graph} focused={focusedId} />
      </div>
    </div>
  );
}

function GraphSvg(p: {
  layout: Layout; nodes: VisibleNode[]; clusters: { id: string; label: string }[]; view: View; lit: string | undefined; focused: string | null;
  onBox(n: VisibleNode): void; onCluster(id: string): void; onOpen(layer: string): void;
}) {
  const { layout, view } = p;
  return (
    <svg className="graph-svg" width="100%" height="100%">
      <defs>
        <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" className="graph-arrow" />
        </marker>
      </defs>
      <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
        {layout.clusters.map((c) => {
          const label = p.clusters.find((x) => x.id === c.id)?.label ?? c.id;
          return (
            <g key={c.id} className="graph-cluster" data-testid="graph-cluster" data-group={label}>
              <rect x={c.x} y={c.y} width={c.width} height={c.height} rx={6} />
              <g className="graph-cluster-head" onClick={() => p.onCluster(c.id)}>
                <title>Close {label}</title>
                <text x={c.x + 8} y={c.y + 15}>▾ {label}</text>
              </g>
            </g>
          );
        })}
        {layout.edges.map((e, i) => (
          <g key={i} className="graph-edge">
            <path d={edgePath(e.points)} markerEnd="url(#graph-arrow)" />
            {e.label && <text x={e.label.x} y={e.label.y + 4}>{e.label.text}</text>}
          </g>
        ))}
        {p.nodes.map((n) => {
          const b = layout.boxes.get(n.id)!;
          const cls = n.kind === 'op' ? opClass(n.detail) : `kind-${n.kind}`;
          const state = `${n.id === p.lit ? ' lit' : ''}${n.id === p.focused ? ' focused' : ''}`;
          return (
            <g
              key={n.id}
              className={`graph-box ${cls}${state}`}
              data-testid={n.kind === 'group' ? 'graph-group' : 'graph-node'}
              data-name={n.label}
              transform={`translate(${b.x},${b.y})`}
              onClick={() => p.onBox(n)}
              onDoubleClick={() => n.kind === 'op' && n.layer && p.onOpen(n.layer)}
            >
              <title>{n.kind === 'group' ? `${n.label}: ${n.detail} — click to open` : n.layer ? `${n.label} (${n.detail}) — click: select this layer everywhere; double-click: open it in Run` : `${n.label} (${n.detail})`}</title>
              <rect width={b.width} height={b.height} rx={n.kind === 'group' ? 6 : 4} />
              <text className="graph-box-name" x={b.width / 2} y={n.kind === 'group' ? 19 : 15}>{n.kind === 'group' ? `▸ ${n.label}` : n.label}</text>
              <text className="graph-box-detail" x={b.width / 2} y={n.kind === 'group' ? 36 : 29}>{n.detail}</text>
            </g>
          );
        })}
      </g>
    </svg>
  );
}

function Details({ model, graph, focused }: { model: ModelRecord; graph: ModelGraph; focused: string | null }) {
  if (!focused) return <aside className="graph-details muted small">Click a block to open it, an op to select its layer. Drag to pan, wheel to zoom.</aside>;
  if (focused.startsWith('group:')) {
    const id = focused.slice('group:'.length);
    const g = graph.groups.find((x) => x.id === id);
    if (!g) return <aside className="graph-details" />;
    return (
      <aside className="graph-details" data-testid="graph-details">
        <h3 className="mono">{g.label}</h3>
        <div className="small muted">{g.nodeCount} nodes · {opSummary(g.opTypes, 8)}</div>
      </aside>
    );
  }
  const n = graph.nodes.find((x) => x.id === focused);
  if (!n) return <aside className="graph-details" />;
  const tensorRow = (t: string) => (
    <li key={t}><span className="mono">{t}</span> <span className="muted mono">{shapeText(graph.shapes[t])}</span></li>
  );
  return (
    <aside className="graph-details" data-testid="graph-details">
      <h3 className="mono">{n.name}</h3>
      <div className="small"><span className={`graph-op-chip ${opClass(n.opType)}`}>{n.opType}</span>{n.group !== undefined && <span className="muted"> in {n.group}</span>}</div>
      {n.layer && (
        <div className="row">
          <span className="small muted grow">layer <span className="mono">{n.layer}</span> selected</span>
          <button className="button small" data-testid="graph-open-in-run" onClick={() => openInRun(model.id, n.layer!)}>Show in Run</button>
        </div>
      )}
      <h4>inputs</h4>
      <ul className="graph-list">{n.inputs.map(tensorRow)}</ul>
      <h4>outputs</h4>
      <ul className="graph-list">{n.outputs.map(tensorRow)}</ul>
      {n.weights.length > 0 && (
        <>
          <h4>weights</h4>
          <ul className="graph-list">{n.weights.map((w) => <li key={w.name}><span className="mono">{w.name}</span> <span className="muted mono">{w.shape.join('×')}</span></li>)}</ul>
        </>
      )}
      {n.attrs.length > 0 && (
        <>
          <h4>attributes</h4>
          <ul className="graph-list">{n.attrs.map((a) => <li key={a.name}><span className="muted">{a.name}</span> <span className="mono">{a.value}</span></li>)}</ul>
        </>
      )}
    </aside>
  );
}
