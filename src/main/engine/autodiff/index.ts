// The gradient compiler: ONNX model + input shape + objective → ONNX model that also outputs
// d objective / d input. See README.md in this folder for the design.
import { encodeModel, type Model, type Node, type ValueInfo } from '../onnx/model';
import { objectiveLayers, validateObjective, type Objective } from '../../../shared/objectives';
import { Emitter } from './emitter';
import { compileObjective } from './objective-graph';
import { specialize } from './specialize';
import { walk } from './walker';
import { commuteMaxPool, emitOpset, raiseOpset } from './rewrite';
import { winogradConvs } from './rules/winograd';
import { decomposeLrn } from './rules/norm';
import { ruleSet, type RuleSetName } from './rules/index';
import { resolveStrategies, type CompileStrategies } from './strategies';

export { UnsupportedOpsError } from './errors';
export { SpecializeError } from './specialize';
export { ObjectiveCompileError } from './objective-graph';
export { resolveStrategies, strategiesFor, DEFAULT_STRATEGIES, type CompileStrategies, type ResolvedStrategies } from './strategies';

export interface CompileOptions {
  input: string;                 // image input name
  shape: number[];               // concrete [N,C,H,W]
  objective: Objective;          // from src/shared/objectives.ts
  activations?: string[];        // extra outputs: values of these tensors
  gradientsOf?: string[];        // extra outputs: d objective / d these tensors
  rules?: RuleSetName;
  /** how rules with several backward spellings emit them (strategies.ts); defaults where left out */
  strategies?: CompileStrategies;
  /** model name for error messages */
  label?: string;
}

export interface CompiledGradient {
  model: Model;                  // the emitted ONNX model (plain data)
  bytes: Uint8Array;             // encoded, ready for ort.InferenceSession.create
  inputName: string;
  targetInputs: { name: string; shape: number[]; role: string }[]; // extra feeds for objective targets
  outputs: {
    objective: string;
    perItem: string;
    inputGrad: string;
    activations: Record<string, string>;
    grads: Record<string, string>;
    /** per-item value of each top-level objective term, in order */
    terms: string[];
  };
  stats: { compileMs: number; forwardNodes: number; backwardNodes: number };
}

/** Activation ops whose input `name:pre` refers to. */
const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Softplus', 'Gelu', 'Softmax']);

/** Resolve `tensor:pre` to the input of the activation that produces `tensor`. */
export function resolveLayer(model: Model, layer: string): string {
  if (!layer.endsWith(':pre')) return layer;
  const name = layer.slice(0, -4);
  const producer = model.graph.nodes.find((n) => n.outputs.includes(name));
  if (!producer) throw new Error(`objective layer "${layer}": no node produces "${name}"`);
  if (!ACTIVATIONS.has(producer.opType)) {
    throw new Error(`objective layer "${layer}": "${name}" comes from ${producer.opType} node "${producer.name}", not an activation, so it has no pre-activation`);
  }
  return producer.inputs[0]!;
}

export async function compileGradient(model: Model, opts: CompileOptions): Promise<CompiledGradient> {
  const t0 = performance.now();
  const label = opts.label ?? (model.graph.name || 'model');
  const objective = validateObjective(opts.objective);
  const strategies = resolveStrategies(opts.strategies);
  const resolve = (l: string | undefined) => (l === undefined ? opts.input : resolveLayer(model, l));
  const activations = (opts.activations ?? []).map((a) => resolveLayer(model, a));
  const gradientsOf = (opts.gradientsOf ?? []).map((a) => resolveLayer(model, a));
  const layers = [...new Set(objectiveLayers(objective).map(resolve))];
  const keep = [...new Set([...layers, ...activations, ...gradientsOf])].filter((t) => t !== opts.input);

  const spec = await specialize(model, opts.input, opts.shape, keep, label);
  const used = new Set<string>([opts.input]);
  for (const n of spec.nodes) n.outputs.forEach((o) => used.add(o));
  for (const k of spec.constants.keys()) used.add(k);
  const opset = emitOpset(spec.opset);
  const emitter = new Emitter(opset, used);
  const shapes = spec.shapes;
  const dtypes = spec.dtypes;
  spec.nodes = raiseOpset(spec.nodes, spec.opset, (name, values) => {
    const t = emitter.tensor('float32', [values.length], values);
    shapes.set(t, [values.length]);
    dtypes.set(t, 'float32');
    return t;
  });
  spec.nodes = commuteMaxPool(spec.nodes, shapes, (b) => emitter.fresh(b), new Set(keep));
  spec.nodes = decomposeLrn(spec.nodes, shapes, emitter); // onnxruntime's LRN kernel is slow; see rules/norm.ts
  if (strategies.winograd !== 'off') spec.nodes = winogradConvs(spec.nodes, shapes, spec.constants, emitter, strategies.winograd === 'f2' ? 2 : 4);
  for (const n of spec.nodes) n.outputs.forEach((o) => dtypes.has(o) || dtypes.set(o, 'float32'));

  const obj = compileObjective(objective, { emitter, shapes, dtypes, resolve, batch: opts.shape[0]! });
  const objectiveNodes = emitter.nodes.length;
  const constants = new Map(spec.constants);
  for (const t of emitter.initializers) { constants.set(t.name, t); shapes.set(t.name, t.dims); dtypes.set(t.name, t.dtype); }

  const rules = ruleSet(opts.rules ?? 'default');
  const forward: Node[] = [...spec.nodes, ...emitter.nodes];
  const res = walk({ nodes: forward, input: opts.input, seed: obj.total, shapes, dtypes, constants, rules, strategies, emitter, extra: gradientsOf });

  // Graph outputs get stable names through Identity nodes (a graph output may not be a graph input
  // or initializer, and the internal names are long).
  emitter.scope = 'outputs';
  const outNames = new Set<string>();
  const outputs: ValueInfo[] = [];
  const expose = (tensor: string, name: string, shape: number[]): string => {
    let out = name;
    for (let k = 2; used.has(out) || outNames.has(out); k++) out = `${name}_${k}`;
    used.add(out);
    outNames.add(out);
    emitter.nodes.push({ name: `${out}/expose`, opType: 'Identity', domain: '', inputs: [tensor], outputs: [out], attrs: {} });
    outputs.push({ name: out, dtype: dtypes.get(tensor) ?? 'float32', shape });
    return out;
  };
  const zerosLike = (shape: number[]) => emitter.zeros(shape);
  const N = opts.shape[0]!;
  const objectiveOut = expose(obj.total, 'objective', []);
  const perItemOut = expose(obj.perItem, 'objective_per_item', [N]);
  const termsOut = obj.terms.length > 1 ? obj.terms.map((t, i) => expose(t, `objective_term_${i}`, [N])) : [];
  const inputGradTensor = res.grads.get(opts.input) ?? zerosLike(opts.shape);
  const inputGrad = expose(inputGradTensor, `${opts.input}_grad`, opts.shape);
  // keyed by the names the caller asked for (`conv2:pre` stays `conv2:pre`)
  const actOut: Record<string, string> = {};
  activations.forEach((a, i) => { actOut[opts.activations![i]!] ??= expose(a, `${a}_value`, shapes.get(a) ?? []); });
  const gradsOut: Record<string, string> = {};
  gradientsOf.forEach((gname, i) => {
    const s = shapes.get(gname);
    if (!s) throw new Error(`${label}: no shape known for "${gname}"`);
    gradsOut[opts.gradientsOf![i]!] ??= expose(res.grads.get(gname) ?? zerosLike(s), `${gname}_grad`, s);
  });

  // Keep only initializers something reads.
  const allNodes = [...spec.nodes, ...emitter.nodes];
  const read = new Set(allNodes.flatMap((n) => n.inputs));
  const initializers = [...spec.constants.values(), ...emitter.initializers].filter((t) => read.has(t.name));
  const out: Model = {
    ...model,
    // IR 4 is the first that allows initializers which are not graph inputs (our constants); opset 16 came with IR 8
    irVersion: Math.max(model.irVersion, opset >= 16 ? 8 : 4),
    opsetImports: model.opsetImports.map((o) => (o.domain === '' || o.domain === 'ai.onnx' ? { ...o, version: opset } : o)),
    producerName: 'featurescope-autodiff',
    graph: {
      name: `${model.graph.name || 'model'}_grad`,
      nodes: allNodes,
      initializers,
      inputs: [
        { name: opts.input, dtype: 'float32', shape: [...opts.shape] },
        ...obj.targets.map((t) => ({ name: t.name, dtype: 'float32' as const, shape: t.shape })),
      ],
      outputs,
      valueInfo: [],
    },
  };
  const bytes = encodeModel(out);
  return {
    model: out,
    bytes,
    inputName: opts.input,
    targetInputs: obj.targets,
    outputs: { objective: objectiveOut, perItem: perItemOut, inputGrad, activations: actOut, grads: gradsOut, terms: termsOut },
    stats: { compileMs: performance.now() - t0, forwardNodes: spec.nodes.length + objectiveNodes, backwardNodes: res.backwardNodes },
  };
}
