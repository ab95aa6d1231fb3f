// Specialization: fix the input shape, prune to what is needed, learn every tensor's concrete shape and
// dtype, and fold everything that does not depend on the input's VALUES into constants.
//
// Why a probe run instead of per-op shape inference: onnxruntime already knows every op's shape rules
// (including the odd ones of old opsets). We let it tell us: one session created with every
// value-dependent tensor as an (untyped) graph output yields dtypes — and usually static shapes — from
// its metadata without running anything; only when a shape stays symbolic, or when a constant has to
// be computed (Shape→Gather→Concat→Reshape chains, If conditions), we run the graph once on a zero input
// and fetch only the Shape of each tensor plus the constant values, so memory stays that of a plain
// forward pass even at 512² × 8.
import * as ort from 'onnxruntime-node';
import {
  encodeModel, opsetVersion, type DType, type Graph, type Model, type Node, type Tensor,
} from '../onnx/model';

export interface Specialized {
  opset: number;
  /** value-dependent forward nodes only, in topological order (constants folded away) */
  nodes: Node[];
  /** every constant a kept node reads: original initializers and folded values */
  constants: Map<string, Tensor>;
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  /** tensors whose values depend on the input (the differentiable region) */
  dependent: Set<string>;
}

/** Ops whose outputs depend only on the input's shape, never its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/** Names a node reads, including outer-scope names read inside its subgraphs (If/Loop/Scan bodies). */
export function nodeReads(n: Node): string[] {
  const out = n.inputs.filter((i) => i !== '');
  for (const a of Object.values(n.attrs)) if (a.type === 'graph') out.push(...outerRefs(a.value));
  return out;
}

function outerRefs(g: Graph): string[] {
  const inner = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name)]);
  const refs: string[] = [];
  for (const n of g.nodes) {
    for (const r of nodeReads(n)) if (!inner.has(r)) refs.push(r);
    for (const o of n.outputs) inner.add(o);
  }
  for (const o of g.outputs) if (!inner.has(o.name)) refs.push(o.name);
  return refs;
}

/** Nodes needed to compute `keep`, in their original order. */
function prune(nodes: Node[], keep: Iterable<string>): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const needed = new Set<number>();
  const stack = [...keep];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const i = producer.get(t);
    if (i === undefined || needed.has(i)) continue;
    needed.add(i);
    stack.push(...nodeReads(nodes[i]!));
  }
  return nodes.filter((_, i) => needed.has(i));
}

function dependentSet(nodes: Node[], input: string): Set<string> {
  const dep = new Set([input]);
  for (const n of nodes) {
    if (SHAPE_ONLY.has(n.opType)) continue;
    if (nodeReads(n).some((r) => dep.has(r))) n.outputs.forEach((o) => o && dep.add(o));
  }
  return dep;
}

function tensorFromOrt(name: string, t: ort.Tensor): Tensor {
  const dtype = t.type as DType;
  if (t.type === 'string') throw new Error(`constant "${name}" is a string tensor; string tensors cannot be folded`);
  const data = t.data as ArrayBufferView;
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { name, dtype, dims: [...t.dims], raw };
}

/** Replace an If node whose condition is known by the nodes of its taken branch. */
function inlineIf(n: Node, cond: boolean, taken: Set<string>, fresh: (base: string) => string): { nodes: Node[]; initializers: Tensor[] } {
  const attr = n.attrs[cond ? 'then_branch' : 'else_branch'];
  if (!attr || attr.type !== 'graph') throw new Error(`If node "${n.name}" has no ${cond ? 'then' : 'else'}_branch graph`);
  const g = attr.value;
  // Branch-local names normally never collide with the outer graph, but rename defensively when they do.
  const rename = new Map<string, string>();
  for (const t of g.initializers) if (taken.has(t.name)) rename.set(t.name, fresh(t.name));
  for (const b of g.nodes) for (const o of b.outputs) if (o && taken.has(o)) rename.set(o, fresh(o));
  const r = (s: string) => rename.get(s) ?? s;
  const nodes: Node[] = g.nodes.map((b) => ({ ...b, inputs: b.inputs.map(r), outputs: b.outputs.map(r) }));
  g.outputs.forEach((o, k) => {
    const out = n.outputs[k];
    if (out) nodes.push({ name: `${n.name}/inlined_out_${k}`, opType: 'Identity', domain: '', inputs: [r(o.name)], outputs: [out], attrs: {} });
  });
  const initializers = g.initializers.map((t) => ({ ...t, name: r(t.name) }));
  for (const b of nodes) b.outputs.forEach((o) => taken.add(o));
  initializers.forEach((t) => taken.add(t.name));
  return { nodes, initializers };
}

export class SpecializeError extends Error {
  override name = 'SpecializeError';
}

/**
 * Specialize `model` to `shape` on `input`, keeping only what `keep` needs.
 * `label` names the model in error messages.
 */
export async function specialize(model: Model, input: string, shape: number[], keep: string[], label = 'model'): Promise<Specialized> {
  const g = model.graph;
  const initializers = new Map(g.initializers.map((t) => [t.name, t]));
  const inputInfo = g.inputs.find((i) => i.name === input && !initializers.has(i.name));
  if (!inputInfo) {
    const names = g.inputs.filter((i) => !initializers.has(i.name)).map((i) => `"${i.name}"`).join(', ');
    throw new SpecializeError(`${label} has no input "${input}" (its inputs: ${names || 'none'})`);
  }
  if (inputInfo.shape && inputInfo.shape.length !== shape.length) {
    throw new SpecializeError(`${label}: input "${input}" has rank ${inputInfo.shape.length} but the requested shape [${shape.join(',')}] has rank ${shape.length}`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new SpecializeError(`${label}: input shape [${shape.join(',')}] must be positive whole numbers`);
  const inputDtype: DType = inputInfo.dtype ?? 'float32';
  if (inputDtype !== 'float32') throw new SpecializeError(`${label}: input "${input}" is ${inputDtype}; gradients need a float32 image input`);

  let nodes = g.nodes;
  const taken = new Set<string>([...g.inputs.map((i) => i.name), ...initializers.keys()]);
  for (const n of nodes) n.outputs.forEach((o) => taken.add(o));
  let counter = 0;
  const fresh = (base: string) => { let s: string; do s = `${base}__inl${++counter}`; while (taken.has(s)); return s; };
  const known = new Set<string>([input, ...initializers.keys()]);
  for (const n of nodes) n.outputs.forEach((o) => o && known.add(o));
  const missing = keep.filter((k) => !known.has(k));
  if (missing.length) throw new SpecializeError(`${label} has no tensor named ${missing.map((m) => `"${m}"`).join(', ')}`);

  for (let round = 0; round < 8; round++) {
    nodes = prune(nodes, keep);
    const dep = dependentSet(nodes, input);
    const otherInputs = new Set(g.inputs.map((i) => i.name).filter((n) => n !== input && !initializers.has(n)));
    const unfed = nodes.flatMap(nodeReads).filter((r) => otherInputs.has(r));
    if (unfed.length) throw new SpecializeError(`${label}: the requested tensors need model input(s) ${[...new Set(unfed)].map((u) => `"${u}"`).join(', ')} besides "${input}"; only the image input can be fed`);

    // Constants to compute: non-dependent node outputs that a dependent node (or the caller) reads, and If conditions.
    const produced = new Set(nodes.flatMap((n) => n.outputs));
    const constNeeded = new Set<string>();
    for (const n of nodes) {
      if (n.outputs.some((o) => dep.has(o))) for (const r of nodeReads(n)) if (!dep.has(r) && produced.has(r)) constNeeded.add(r);
      if (n.opType === 'If' && !dep.has(n.inputs[0]!)) constNeeded.add(n.inputs[0]!);
    }
    for (const k of keep) if (!dep.has(k) && produced.has(k)) constNeeded.add(k);
    const depTensors = [...dep].filter((t) => t !== input && produced.has(t));

    const probeGraph: Graph = {
      name: g.name, nodes: [...nodes], initializers: [...initializers.values()], valueInfo: [],
      inputs: [{ name: input, dtype: inputDtype, shape: [...shape] }],
      outputs: [...depTensors, ...constNeeded].map((name) => ({ name })),
    };
    const probeModel: Model = { ...model, graph: probeGraph };
    const shapes = new Map<string, number[]>([[input, [...shape]]]);
    const dtypes = new Map<string, DType>([[input, inputDtype]]);
    let meta: ort.InferenceSession;
    try {
      meta = await ort.InferenceSession.create(encodeModel(probeModel), { graphOptimizationLevel: 'basic', logSeverityLevel: 4 });
    } catch (e) {
      throw new SpecializeError(`${label}: onnxruntime cannot load the model specialized to ${input} [${shape.join(',')}]: ${(e as Error).message}`);
    }
    const unresolved: string[] = [];
    for (const m of meta.outputMetadata) {
      if (!m.isTensor) continue;
      dtypes.set(m.name, m.type as DType);
      // [] is also what onnxruntime reports for an unknown rank, so scalars go through the probe run
      if (m.shape.length > 0 && m.shape.every((d) => typeof d === "number" && d >= 0)) shapes.set(m.name, m.shape as number[]);
      else unresolved.push(m.name);
    }
    await meta.release();

    const values = new Map<string, Tensor>();
    const needRun = constNeeded.size > 0 || unresolved.some((u) => dep.has(u));
    if (needRun) {
      const shapeOf = new Map<string, string>();
      const extra: Node[] = depTensors.filter((t) => !shapes.has(t)).map((t, i) => {
        const out = `__probe_shape_${i}`;
        shapeOf.set(out, t);
        return { name: `__probe_shape_node_${i}`, opType: 'Shape', domain: '', inputs: [t], outputs: [out], attrs: {} };
      });
      const runGraph: Graph = { ...probeGraph, nodes: [...nodes, ...extra], outputs: [...constNeeded, ...shapeOf.keys()].map((name) => ({ name })) };
      const zeros = new ort.Tensor(inputDtype as 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      let res: ort.InferenceSession.ReturnType;
      try {
        const s = await ort.InferenceSession.create(encodeModel({ ...model, graph: runGraph }), { logSeverityLevel: 4 });
        res = await s.run({ [input]: zeros });
        await s.release();
      } catch (e) {
        throw new SpecializeError(`${label}: the probe run at ${input} [${shape.join(',')}] failed: ${(e as Error).message}`);
      }
      for (const [out, t] of shapeOf) shapes.set(t, Array.from(res[out]!.data as BigInt64Array, Number));
      for (const c of constNeeded) {
        const v = tensorFromOrt(c, res[c]!);
        values.set(c, v);
        shapes.set(c, v.dims);
      }
    }

    // Inline If nodes with a known condition, then specialize again (the branch's tensors need shapes).
    const ifs = nodes.filter((n) => n.opType === 'If');
    if (ifs.length) {
      const bad = ifs.filter((n) => dep.has(n.inputs[0]!));
      if (bad.length) {
        throw new SpecializeError(`${label}: If node(s) ${bad.map((n) => `"${n.name}"`).join(', ')} branch on the input's values; only If with a condition fixed by the input shape can be differentiated`);
      }
      const next: Node[] = [];
      for (const n of nodes) {
        if (n.opType !== 'If') { next.push(n); continue; }
        const cond = values.get(n.inputs[0]!)!;
        const inl = inlineIf(n, cond.raw[0] !== 0, taken, fresh);
        next.push(...inl.nodes);
        for (const t of inl.initializers) initializers.set(t.name, t);
      }
      nodes = next;
      continue;
    }

    // Fold: keep dependent nodes only; everything they read that is not dependent becomes a constant.
    const kept = nodes.filter((n) => n.outputs.some((o) => dep.has(o)));
    const constants = new Map<string, Tensor>();
    for (const n of kept) {
      for (const r of nodeReads(n)) {
        if (dep.has(r) || constants.has(r)) continue;
        const t = values.get(r) ?? initializers.get(r);
        if (!t) throw new SpecializeError(`${label}: node "${n.name}" (${n.opType}) reads "${r}", which is neither computed nor a constant`);
        constants.set(r, t);
        shapes.set(r, t.dims);
        dtypes.set(r, t.dtype);
      }
    }
    for (const k of keep) {
      if (dep.has(k) || constants.has(k)) continue;
      const t = values.get(k) ?? initializers.get(k);
      if (t) { constants.set(k, t); shapes.set(k, t.dims); dtypes.set(k, t.dtype); }
    }
    for (const t of dep) {
      if (!shapes.has(t) && produced.has(t)) throw new SpecializeError(`${label}: could not determine the shape of "${t}"`);
    }
    return { opset: opsetVersion(model), nodes: kept, constants, shapes, dtypes, dependent: dep };
  }
  throw new SpecializeError(`${label}: too many nested If levels to inline`);
}
