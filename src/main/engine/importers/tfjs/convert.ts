// TF.js Layers artifacts → plain-data ONNX Model (opset 13, NCHW image input).
import type { Model, ValueInfo } from '../../onnx/model';
import { decodeWeights, TfjsImportError, type TfjsArtifacts } from './artifacts';
import { GraphBuilder, type KShape } from './builder';
import { CONVERTERS, type ConvertCtx } from './layers';
import { flattenTopology, type LayerApp } from './topology';
import { WeightIndex } from './weights';

export interface ConvertOptions {
  /** Keras layer names to expose as graph outputs; the model is cut after them. Default: the model's outputs. */
  outputs?: string[];
  /** Graph name and `metadata.source` description. */
  name?: string;
}

export interface ConvertResult {
  model: Model;
  warnings: string[];
}

// Layers whose result depends on the exact spatial size: with any of them the input size stays fixed.
const SIZE_BOUND = new Set(['Flatten', 'Reshape']);

export function convertTfjs(a: TfjsArtifacts, opts: ConvertOptions = {}): ConvertResult {
  const topo = flattenTopology(a.modelJson.modelTopology, a.label);
  const wanted = opts.outputs ?? topo.outputs;
  const layers = keepNeeded(topo.layers, wanted, new Set(topo.inputs.map((i) => i.name)), a.label);
  const unsupported = [...new Set(layers.filter((l) => !CONVERTERS[l.className]).map((l) => l.className))];
  if (unsupported.length) {
    const first = layers.find((l) => l.className === unsupported[0])!;
    throw new TfjsImportError(
      `${a.label}: unsupported layer type${unsupported.length > 1 ? 's' : ''} ${unsupported.map((u) => `"${u}"`).join(', ')} (first: layer "${first.name}"). ` +
        `Supported: ${Object.keys(CONVERTERS).sort().join(', ')}.`,
    );
  }
  const fixedSize = layers.some((l) => SIZE_BOUND.has(l.className));
  const usedInputs = topo.inputs.filter((i) => layers.some((l) => l.inputs.includes(i.name)) || wanted.includes(i.name));

  const b = new GraphBuilder();
  const warnings: string[] = [];
  const inputs: ValueInfo[] = [];
  for (const inp of usedInputs) {
    let shape: KShape = [null, ...inp.shape.slice(1)];
    if (shape.length === 4 && !fixedSize) shape = [null, null, null, shape[3]!];
    b.shapes.set(inp.name, shape);
    inputs.push({ name: inp.name, dtype: 'float32', shape: onnxShape(shape, usedInputs.length > 1 ? inp.name : '') });
  }
  const ctx: ConvertCtx = { b, w: new WeightIndex(decodeWeights(a), a.label), label: a.label, warnings };
  for (const l of layers) CONVERTERS[l.className]!(ctx, l);

  if (!opts.outputs) {
    const unused = ctx.w.unused();
    if (unused.length) warnings.push(`${unused.length} weight(s) in the manifest were not used by any layer: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`);
  }
  const graphOutputs: ValueInfo[] = wanted.map((name) => ({ name, dtype: 'float32', shape: onnxShape(b.shape(name), name) }));
  const model: Model = {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    // "keras" in the producer tells inspection to suggest the tf (−1..1) preset, right for most Keras image models.
    producerName: 'featurescope-keras-import',
    producerVersion: 'tfjs-layers 1',
    docString: `Converted from a TF.js Layers model (${a.modelJson.generatedBy ?? 'unknown generator'}); Keras layer names kept as tensor names; image tensors NCHW.`,
    metadata: {
      source_format: 'tfjs-layers',
      ...(opts.name ? { source: opts.name } : {}),
      ...(usedInputs[0] && usedInputs[0].shape.length === 4 && usedInputs[0].shape[1] && usedInputs[0].shape[2]
        ? { keras_input_size: `${usedInputs[0].shape[2]}x${usedInputs[0].shape[1]}` }
        : {}),
    },
    graph: { name: opts.name ?? 'tfjs_model', nodes: b.nodes, initializers: b.initializers, inputs, outputs: graphOutputs, valueInfo: [] },
  };
  return { model, warnings };
}

/** Keras channels-last shape → the ONNX shape we store (rank 4 becomes NCHW), dynamic dims named. */
function onnxShape(s: KShape, tensor: string): (number | string)[] {
  const order = s.length === 4 ? [0, 3, 1, 2] : s.map((_, i) => i);
  const names = s.length === 4 ? ['N', 'C', 'H', 'W'] : s.map((_, i) => (i === 0 ? 'N' : `d${i}`));
  return order.map((k, i) => s[k] ?? (i === 0 ? 'N' : tensor ? `${tensor}_${names[i]}` : names[i]!));
}

function keepNeeded(layers: LayerApp[], outputs: string[], inputNames: Set<string>, label: string): LayerApp[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const o of outputs) {
    if (!byName.has(o) && !inputNames.has(o)) {
      const close = layers.map((l) => l.name).filter((n) => n.includes(o) || o.includes(n)).slice(0, 5);
      throw new TfjsImportError(`${label}: there is no layer "${o}" to use as an output${close.length ? ` (similar: ${close.join(', ')})` : ''}.`);
    }
  }
  const need = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const n = stack.pop()!;
    if (need.has(n)) continue;
    need.add(n);
    for (const i of byName.get(n)?.inputs ?? []) stack.push(i);
  }
  return layers.filter((l) => need.has(l.name));
}
