// What attribution needs to know about an arbitrary ONNX classifier or feature extractor, read from
// the plain graph: which input to drive, which tensor holds the class logits, and which tensor is the
// "last convolutional block" Grad-CAM defaults to.
import type { Model, Node } from '../onnx/model';

export interface ModelFacts {
  inputName: string;
  /** declared input shape (numbers, names or null) */
  inputShape: (number | string | null)[];
  /** the pre-softmax class scores when the model ends in Softmax, else its first output */
  logits?: string;
  classCount?: number;
  /** tensors produced by some node, in graph order */
  tensors: Set<string>;
}

export function modelFacts(model: Model, fileLabel = 'model'): ModelFacts {
  const g = model.graph;
  const inits = new Set(g.initializers.map((t) => t.name));
  const inputs = g.inputs.filter((i) => !inits.has(i.name));
  const input = inputs[0];
  if (!input) throw new Error(`${fileLabel}: the graph has no image input`);
  if (inputs.length > 1) {
    throw new Error(`${fileLabel}: attribution drives one image input, but the graph has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  }
  const tensors = new Set<string>([input.name]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) tensors.add(o);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  let logits: string | undefined;
  for (const out of g.outputs) {
    const p = producer.get(out.name);
    if (p && p.opType === 'Softmax') { logits = p.inputs[0]; break; }
  }
  const first = g.outputs[0];
  logits ??= first?.name;
  const out = g.outputs.find((o) => o.name === logits) ?? first;
  const last = out?.shape?.[out.shape.length - 1];
  return {
    inputName: input.name,
    inputShape: input.shape ?? [],
    logits,
    classCount: typeof last === 'number' ? last : undefined,
    tensors,
  };
}

// The classifier head: ops between the last spatial feature map and the logits.
const HEAD_OPS = new Set([
  'Gemm', 'MatMul', 'Add', 'Flatten', 'Reshape', 'Dropout', 'Softmax', 'GlobalAveragePool', 'GlobalMaxPool',
  'AveragePool', 'Squeeze', 'Identity', 'ReduceMean', 'Transpose',
]);

/**
 * Grad-CAM's default layer: walk back from the logits through the classifier head (pooling, flatten,
 * dense layers) and stop at the first tensor a feature-extracting op made — GoogLeNet's
 * inception_5b/output, SqueezeNet's final conv ReLU, ResNet's last block output.
 */
export function defaultCamLayer(model: Model, logits: string | undefined, fileLabel = 'model'): string {
  if (!logits) throw new Error(`${fileLabel}: no output to start from when looking for the last convolutional block; name a layer`);
  const producer = new Map<string, Node>();
  for (const n of model.graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const inits = new Set(model.graph.initializers.map((t) => t.name));
  let tensor = logits;
  for (let guard = 0; guard < 10000; guard++) {
    const p = producer.get(tensor);
    if (!p) break;
    if (!HEAD_OPS.has(p.opType)) return tensor;
    // follow the data input (not weights or shape constants)
    const next = p.inputs.find((i) => i && !inits.has(i) && producer.has(i));
    if (!next) break;
    tensor = next;
  }
  throw new Error(`${fileLabel}: could not find a convolutional block before "${logits}"; name the Grad-CAM layer`);
}

/** Class names from a labels file: one per line; a leading WordNet id (n01440764) is dropped. */
export function parseLabels(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.replace(/^n\d{8}\s+/, '').trim());
}
