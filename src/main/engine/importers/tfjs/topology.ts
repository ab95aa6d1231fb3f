// Flattens a Keras topology (Sequential, functional Model, and models nested inside models —
// Teachable Machine and ml5 nest a MobileNet inside a Sequential) into one list of layer
// applications in dependency order, each naming the tensors it reads.
import { TfjsImportError } from './artifacts';

export interface GraphInput {
  name: string;
  /** Keras (channels-last) shape including the batch dimension; null = any size */
  shape: (number | null)[];
}

export interface LayerApp {
  /** the Keras layer name; also the name of the tensor it outputs */
  name: string;
  className: string;
  config: any;
  inputs: string[];
}

export interface FlatTopology {
  inputs: GraphInput[];
  layers: LayerApp[];
  outputs: string[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

export function flattenTopology(modelTopology: any, label: string): FlatTopology {
  // model.json from the Keras converter wraps the config in `model_config`; tfjs `model.save` does not.
  const top = modelTopology?.model_config ?? modelTopology;
  if (!top?.class_name || !MODEL_CLASSES.has(top.class_name)) {
    throw new TfjsImportError(`${label}: the model topology is a "${top?.class_name ?? 'unknown'}", expected a Keras Sequential or Model.`);
  }
  const ctx: Ctx = { label, inputs: [], layers: [], used: new Set() };
  const outputs = flattenModel(ctx, top, null);
  return { inputs: ctx.inputs, layers: ctx.layers, outputs };
}

interface Ctx {
  label: string;
  inputs: GraphInput[];
  layers: LayerApp[];
  used: Set<string>;
}

function claim(ctx: Ctx, name: string): string {
  if (ctx.used.has(name)) {
    throw new TfjsImportError(`${ctx.label}: two layers are named "${name}" (in different nested models); cannot keep Keras layer names unique.`);
  }
  ctx.used.add(name);
  return name;
}

function inputShapeOf(cfg: any): (number | null)[] | undefined {
  const s = cfg?.batch_input_shape ?? cfg?.batch_shape;
  if (Array.isArray(s)) return s.map((d: unknown) => (typeof d === 'number' ? d : null));
  if (Array.isArray(cfg?.input_shape)) return [null, ...cfg.input_shape.map((d: unknown) => (typeof d === 'number' ? d : null))];
  return undefined;
}

/** Returns the output tensor names of the model. `bound` = tensors feeding a nested model's inputs. */
function flattenModel(ctx: Ctx, model: any, bound: string[] | null): string[] {
  if (model.class_name === 'Sequential') return flattenSequential(ctx, model, bound);
  return flattenFunctional(ctx, model, bound);
}

function flattenSequential(ctx: Ctx, model: any, bound: string[] | null): string[] {
  const layers: any[] = Array.isArray(model.config) ? model.config : model.config?.layers ?? [];
  if (layers.length === 0) throw new TfjsImportError(`${ctx.label}: Sequential model "${model.config?.name ?? ''}" has no layers.`);
  let current: string;
  let rest = layers;
  if (bound) {
    current = bound[0]!;
    if (layers[0].class_name === 'InputLayer') rest = layers.slice(1);
  } else if (layers[0].class_name === 'InputLayer') {
    const shape = inputShapeOf(layers[0].config);
    if (!shape) throw new TfjsImportError(`${ctx.label}: InputLayer "${layers[0].config?.name}" has no shape.`);
    current = claim(ctx, layers[0].config.name);
    ctx.inputs.push({ name: current, shape });
    rest = layers.slice(1);
  } else {
    // Keras names the implicit input of a Sequential "<first layer>_input".
    const shape = inputShapeOf(layers[0].config) ?? inputShapeOf(layers[0].config?.layers?.[0]?.config);
    if (!shape) throw new TfjsImportError(`${ctx.label}: the first layer of Sequential model "${model.config?.name ?? ''}" declares no input shape.`);
    current = claim(ctx, `${layers[0].config?.name ?? 'sequential'}_input`);
    ctx.inputs.push({ name: current, shape });
  }
  for (const l of rest) {
    if (MODEL_CLASSES.has(l.class_name)) {
      const outs = flattenModel(ctx, l, [current]);
      if (outs.length !== 1) throw new TfjsImportError(`${ctx.label}: nested model "${l.config?.name}" has ${outs.length} outputs; only single-output nested models are supported.`);
      current = outs[0]!;
      continue;
    }
    const name = claim(ctx, l.config?.name ?? l.name);
    ctx.layers.push({ name, className: l.class_name, config: l.config ?? {}, inputs: [current] });
    current = name;
  }
  return [current];
}

/** [layer, node, tensor] references of one inbound node, in Keras 2 or Keras 3 form. */
function inboundRefs(node: any): string[] {
  if (Array.isArray(node)) return node.map((r: any) => String(r[0]));
  const refs: string[] = [];
  const walk = (v: any): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (v.class_name === '__keras_tensor__') refs.push(String(v.config.keras_history[0]));
      else if (Array.isArray(v.keras_history)) refs.push(String(v.keras_history[0]));
    }
  };
  walk(node?.args ?? []);
  return refs;
}

function layerRefList(v: any): string[] {
  // [["input_1",0,0]] (Keras 2) or ["input_1",0,0] (Keras 3, single tensor)
  if (!Array.isArray(v)) return [];
  if (v.length > 0 && typeof v[0] === 'string') return [v[0]];
  return v.map((r: any) => String(r[0]));
}

function flattenFunctional(ctx: Ctx, model: any, bound: string[] | null): string[] {
  const cfg = model.config ?? {};
  const layers: any[] = cfg.layers ?? [];
  const inputNames = layerRefList(cfg.input_layers);
  const local = new Map<string, string>(); // layer name in this model -> tensor name
  const pending = [...layers];
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const l = pending[i];
      const name: string = l.config?.name ?? l.name;
      let refs: string[] = [];
      if (l.class_name !== 'InputLayer') {
        const nodes: any[] = l.inbound_nodes ?? [];
        if (nodes.length > 1) {
          throw new TfjsImportError(`${ctx.label}: layer "${name}" (${l.class_name}) is applied ${nodes.length} times (a shared layer); shared layers are not supported.`);
        }
        refs = nodes.length ? inboundRefs(nodes[0]) : [];
        if (!refs.every((r) => local.has(r))) continue;
      }
      pending.splice(i--, 1);
      progress = true;
      if (l.class_name === 'InputLayer') {
        const k = inputNames.indexOf(name);
        if (bound) {
          const b = bound[k >= 0 ? k : 0];
          if (!b) throw new TfjsImportError(`${ctx.label}: nested model "${cfg.name}" input "${name}" is not connected.`);
          local.set(name, b);
        } else {
          const shape = inputShapeOf(l.config);
          if (!shape) throw new TfjsImportError(`${ctx.label}: InputLayer "${name}" has no shape.`);
          ctx.inputs.push({ name: claim(ctx, name), shape });
          local.set(name, name);
        }
        continue;
      }
      const ins = refs.map((r) => local.get(r)!);
      if (MODEL_CLASSES.has(l.class_name)) {
        const outs = flattenModel(ctx, l, ins);
        if (outs.length !== 1) throw new TfjsImportError(`${ctx.label}: nested model "${name}" has ${outs.length} outputs; only single-output nested models are supported.`);
        local.set(name, outs[0]!);
        continue;
      }
      ctx.layers.push({ name: claim(ctx, name), className: l.class_name, config: l.config ?? {}, inputs: ins });
      local.set(name, name);
    }
  }
  if (pending.length > 0) {
    const l = pending[0];
    throw new TfjsImportError(`${ctx.label}: layer "${l.config?.name ?? l.name}" reads a tensor no layer produces; the topology is incomplete.`);
  }
  return layerRefList(cfg.output_layers).map((r) => {
    const t = local.get(r);
    if (!t) throw new TfjsImportError(`${ctx.label}: model output "${r}" is not a layer of the model.`);
    return t;
  });
}
