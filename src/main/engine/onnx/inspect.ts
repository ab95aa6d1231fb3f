// Model inspection, Netron style: a cheap `match` and an `inspectModel` that returns plain data (the
// contract's ModelDescription). Concrete layer shapes come from running the model ONCE in onnxruntime
// at the chosen input size with every layer tensor added as a graph output: that is exact for every op
// onnxruntime knows, with no shape inference of our own to keep in step.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { LayerInfo, ModelDescription, TensorInfo } from '../../../shared/contract';
import { decodeModel, encodeModel, opsetVersion, OnnxFormatError, tensorSize, type DType, type Model } from './model';
import { guessPreprocess } from '../pixels/guess';
import { checkBudget, formatBytes, memoryBudget } from '../runtime/budget';

export type InspectErrorCode =
  | 'not-found' | 'is-directory' | 'empty' | 'too-large' | 'not-onnx' | 'truncated' | 'external-data-missing'
  | 'external-data-outside' | 'no-graph' | 'bad-tensor' | 'no-image-input' | 'unsupported-opset' | 'huge-dims'
  | 'ort-load-failed' | 'ort-run-failed' | 'not-regular-file';

/** Why a model file cannot be used. `code` is stable (tests, UI); the message names the file and the problem. */
export class InspectError extends Error {
  constructor(public code: InspectErrorCode, message: string) {
    super(message);
    this.name = 'InspectError';
  }
}

/** onnxruntime-node 1.30 runs default-domain opsets 7..25 (older ones lack kernels for common ops). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 25;
/** protobuf's hard limit; bigger models must use external data, which we read via the path. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;
/** Any declared dimension above this is treated as hostile (it would ask for absurd memory). */
export const MAX_DIM = 1 << 16;

/** Ops whose outputs are worth studying as "layers". */
const LAYER_OPS = new Set([
  'Conv', 'ConvTranspose', 'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish',
  'Clip', 'Mish', 'Gelu', 'Softplus', 'Concat', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Gemm',
  'MatMul', 'LRN', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'Add',
  'Mul', 'Sum', 'Softmax', 'Upsample', 'Resize', 'DepthToSpace', 'SpaceToDepth',
  // int8 models: the float tensor a quantized activation is turned back into (QDQ format) is its layer
  'DequantizeLinear',
]);
/** Ops that make their input a "pre-activation" tensor. */
const ACTIVATION_OPS = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Clip', 'HardSwish', 'Mish', 'Gelu', 'Softplus', 'Sigmoid', 'Tanh']);

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
/** Field tags a ModelProto can start with (ir_version, producer_name, …, graph, opset_import, metadata). */
const MODEL_FIRST_TAGS = new Set([0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72, 0x7a]);

/** Cheap check (first bytes only) whether something could be an ONNX model. */
export function match(input: Uint8Array | string): boolean {
  let head: Uint8Array;
  if (typeof input === 'string') {
    try {
      // non-blocking, and only a regular file is read: a FIFO would block this check for good
      const fd = fs.openSync(input, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        if (!fs.fstatSync(fd).isFile()) return false;
        const buf = Buffer.alloc(16);
        const n = fs.readSync(fd, buf, 0, 16, 0);
        head = buf.subarray(0, n);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return false;
    }
  } else head = input.subarray(0, 16);
  if (head.length < 2) return false;
  if (PNG_MAGIC.every((b, i) => head[i] === b) || JPEG_MAGIC.every((b, i) => head[i] === b)) return false;
  return MODEL_FIRST_TAGS.has(head[0]!);
}

export interface LoadedModel {
  model: Model;
  bytes: Uint8Array;
  fileName: string;
  /** set when read from disk: external data and the ORT session resolve against it */
  path?: string;
  fileSize: number;
  sha256: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Read and decode a model file, turning every way it can be wrong into an InspectError. */
export function loadModelFile(file: string): LoadedModel {
  const name = path.basename(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InspectError('not-found', `Model file ${file} does not exist.`);
  }
  if (st.isDirectory()) throw new InspectError('is-directory', `${file} is a folder, not an ONNX model file.`);
  // a FIFO or device would block the read (or never end): refused before anything opens it
  if (!st.isFile()) throw new InspectError('not-regular-file', `${file} is not a regular file (a pipe, device or socket), so it is not an ONNX model file.`);
  if (st.size > MAX_MODEL_BYTES) throw new InspectError('too-large', `${name} is ${(st.size / 2 ** 30).toFixed(1)} GiB; ONNX files above 2 GiB must keep their weights in external data files.`);
  const bytes = fs.readFileSync(file);
  return loadModelBytes(bytes, name, file);
}

export function loadModelBytes(bytes: Uint8Array, fileName: string, file?: string): LoadedModel {
  if (bytes.length === 0) throw new InspectError('empty', `${fileName} is empty (0 bytes): not an ONNX model.`);
  if (PNG_MAGIC.every((b, i) => bytes[i] === b) || JPEG_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new InspectError('not-onnx', `${fileName} is an image (${bytes[0] === 0x89 ? 'PNG' : 'JPEG'}), not an ONNX model.`);
  }
  const json = jsonKind(bytes);
  if (json !== undefined) throw new InspectError('not-onnx', `${fileName} is JSON, not an ONNX model${json}.`);
  let model: Model;
  try {
    model = decodeModel(bytes, { fileName, ...(file ? { baseDir: path.dirname(file) } : {}) });
  } catch (e) {
    if (e instanceof OnnxFormatError) {
      const code = e.code === 'external-data-missing' && /outside/.test(e.message) ? 'external-data-outside' : e.code;
      throw new InspectError(code, e.message);
    }
    throw new InspectError('not-onnx', `${fileName} is not an ONNX model: ${(e as Error).message}`);
  }
  return { model, bytes, fileName, ...(file ? { path: file } : {}), fileSize: bytes.length, sha256: sha256(bytes) };
}

/**
 * '' or a hint when the bytes are a JSON text (an ONNX file never starts with '{' or '['; protobuf would
 * call it "truncated"); undefined otherwise. A TF.js model.json gets its own hint.
 */
function jsonKind(bytes: Uint8Array): string | undefined {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b && bytes[i] !== 0x5b) return undefined;
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8');
  if (/"modelTopology"|"weightsManifest"/.test(head)) return ' (it looks like a TF.js model.json: add it under its own name, model.json, with its weight files beside it)';
  return '';
}

/** Graph inputs that are real inputs (old IR versions also list every initializer as an input). */
export function realInputs(m: Model) {
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  return m.graph.inputs.filter((i) => !inits.has(i.name));
}

export interface ImageInput {
  name: string;
  layout: 'NCHW' | 'NHWC';
  channels: 1 | 3;
  /** declared spatial size when fixed */
  fixedHeight?: number;
  fixedWidth?: number;
}

/** The rank-4 float input with 1 or 3 channels that images are fed to. */
export function findImageInput(m: Model, fileName: string): ImageInput {
  const inputs = realInputs(m);
  for (const inp of inputs) {
    const s = inp.shape;
    // float32 only: images are fed as float32 tensors (a float16 model needs a cast we do not insert yet)
    if (!s || s.length !== 4 || (inp.dtype && inp.dtype !== 'float32')) continue;
    const c1 = s[1], c3 = s[3];
    const fixed = (d: unknown) => (typeof d === 'number' ? d : undefined);
    let layout: 'NCHW' | 'NHWC' | undefined;
    if (c1 === 1 || c1 === 3) layout = 'NCHW';
    else if (c3 === 1 || c3 === 3) layout = 'NHWC';
    else if (typeof c1 !== 'number' && typeof c3 !== 'number') {
      // Channels not declared: ONNX convolutions are NCHW, so a Transpose first means the model takes NHWC.
      const first = m.graph.nodes.find((n) => n.inputs.includes(inp.name));
      layout = first?.opType === 'Transpose' ? 'NHWC' : 'NCHW';
    }
    if (!layout) continue;
    const channels = (layout === 'NCHW' ? c1 : c3) === 1 ? 1 : 3;
    const h = fixed(layout === 'NCHW' ? s[2] : s[1]);
    const w = fixed(layout === 'NCHW' ? s[3] : s[2]);
    return { name: inp.name, layout, channels, ...(h ? { fixedHeight: h } : {}), ...(w ? { fixedWidth: w } : {}) };
  }
  const seen = inputs.map((i) => `"${i.name}" ${i.dtype ?? '?'} [${(i.shape ?? []).map((d) => d ?? '?').join(',')}]`).join(', ');
  throw new InspectError('no-image-input', `${fileName} has no image-like input (a rank-4 float32 input with 1 or 3 channels, NCHW or NHWC); its inputs are: ${seen || 'none'}.`);
}

/** dtype of every tensor we can know statically (inputs, initializers, value_info, then propagated). */
export function tensorDtypes(m: Model): Map<string, DType> {
  const d = new Map<string, DType>();
  for (const v of [...m.graph.inputs, ...m.graph.valueInfo, ...m.graph.outputs]) if (v.dtype) d.set(v.name, v.dtype);
  for (const t of m.graph.initializers) d.set(t.name, t.dtype);
  for (const n of m.graph.nodes) {
    let out: DType | undefined;
    if (n.opType === 'Shape' || n.opType === 'ArgMax' || n.opType === 'ArgMin' || n.opType === 'NonZero' || n.opType === 'Size') out = 'int64';
    else if (n.opType === 'Cast') {
      const to = n.attrs.to;
      if (to?.type === 'int') out = dtypeOfCode(to.value);
    } else out = n.inputs.map((i) => d.get(i)).find((x) => x);
    for (const o of n.outputs) if (o && out && !d.has(o)) d.set(o, out);
  }
  return d;
}

function dtypeOfCode(c: number): DType | undefined {
  return ({ 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' } as Record<number, DType>)[c];
}

/** Copy of the model whose graph also outputs `extra` tensors (for fetching inner activations). */
export function withExtraOutputs(m: Model, extra: string[]): Model {
  const dtypes = tensorDtypes(m);
  const have = new Set(m.graph.outputs.map((o) => o.name));
  const add = extra.filter((e) => !have.has(e)).map((name) => ({ name, dtype: dtypes.get(name) ?? ('float32' as DType) }));
  return { ...m, graph: { ...m.graph, outputs: [...m.graph.outputs, ...add] } };
}

/** Default inspection size: the declared size, else 227 for Caffe AlexNet-family models, 299 for Inception v3/v4 and Xception, else 224. */
export function defaultSize(img: ImageInput, fileName: string): { width: number; height: number } {
  if (img.fixedWidth && img.fixedHeight) return { width: img.fixedWidth, height: img.fixedHeight };
  const s = /squeezenet|alexnet|caffenet/i.test(fileName) ? 227 : /inception.?v[34]|xception/i.test(fileName) ? 299 : 224;
  return { width: img.fixedWidth ?? s, height: img.fixedHeight ?? s };
}

export interface InspectOptions {
  width?: number;
  height?: number;
  /** the onnxruntime session options used for the shape run (threads); CPU always */
  intraOpNumThreads?: number;
  /** false: skip the layer list (only graph outputs are shaped) — a cheaper run for one-shot tools */
  layers?: boolean;
}

/** Netron-style entry point: open a model (path or bytes) and describe it. Throws InspectError. */
export async function open(input: string | Uint8Array, opts: InspectOptions & { fileName?: string } = {}): Promise<ModelDescription> {
  const lm = typeof input === 'string' ? loadModelFile(input) : loadModelBytes(input, opts.fileName ?? 'model.onnx');
  return inspectModel(lm, opts);
}

/** Static checks that need no onnxruntime: opset range and hostile declared dims. */
export function checkModel(lm: LoadedModel): void {
  const { model: m, fileName } = lm;
  const opset = opsetVersion(m);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new InspectError('unsupported-opset', `${fileName} uses ONNX opset ${opset}; Featurescope supports opsets ${MIN_OPSET} to ${MAX_OPSET} (what onnxruntime-node ${ort.env.versions.common} runs).`);
  }
  for (const v of [...m.graph.inputs, ...m.graph.outputs, ...m.graph.valueInfo]) {
    const big = (v.shape ?? []).find((d) => typeof d === 'number' && d > MAX_DIM);
    if (big !== undefined) {
      throw new InspectError('huge-dims', `${fileName}: tensor "${v.name}" declares a dimension of ${big} (shape [${(v.shape ?? []).join(',')}]); more than ${MAX_DIM} is refused.`);
    }
  }
  for (const t of m.graph.initializers) {
    if (t.dims.some((d) => d > 2 ** 31)) throw new InspectError('huge-dims', `${fileName}: weight "${t.name}" declares shape [${t.dims.join(',')}], which is not plausible.`);
  }
}

/** Full description, including concrete layer shapes from one onnxruntime run at the chosen size. */
export async function inspectModel(lm: LoadedModel, opts: InspectOptions = {}): Promise<ModelDescription> {
  checkModel(lm);
  const { model: m, fileName } = lm;
  const img = findImageInput(m, fileName);
  const size = defaultSize(img, fileName);
  const width = opts.width ?? size.width;
  const height = opts.height ?? size.height;
  // A fixed-size input is re-declared at the chosen size for the shape run (atSize); conv nets usually
  // accept another size, and when a later op cannot, onnxruntime's message says which.

  // Candidate layers, in graph order.
  const consumers = new Map<string, string[]>();
  for (const n of m.graph.nodes) for (const i of n.inputs) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n.opType]);
  const candidates: { name: string; opType: string; nodeName: string; order: number; preActivation: boolean }[] = [];
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  const seen = new Set<string>();
  m.graph.nodes.forEach((n, order) => {
    if (opts.layers === false || !LAYER_OPS.has(n.opType) || n.domain !== '') return;
    // a DequantizeLinear of an initializer is a weight, not an activation
    if (n.opType === 'DequantizeLinear' && inits.has(n.inputs[0] ?? '')) return;
    const out = n.outputs[0];
    if (!out || seen.has(out)) return;
    seen.add(out);
    const preActivation = !ACTIVATION_OPS.has(n.opType) && (consumers.get(out) ?? []).some((op) => ACTIVATION_OPS.has(op));
    candidates.push({ name: out, opType: n.opType, nodeName: n.name, order, preActivation });
  });

  const names = candidates.map((c) => c.name);
  const at = await inspectionSize(lm, img, width, height, names, opts.intraOpNumThreads);
  const natural = at.width === size.width && at.height === size.height;
  const { shapes, pruned } = await runForShapes(lm, img, at.width, at.height, names, opts.intraOpNumThreads, !natural);
  const layers: LayerInfo[] = [];
  for (const c of candidates) {
    const shape = shapes.get(c.name);
    // Only feature maps and vectors are worth a view; scalars and odd ranks are not layers a person studies.
    if (!shape || (shape.length !== 4 && shape.length !== 2)) continue;
    layers.push({ ...c, shape });
  }

  const opTypes: Record<string, number> = {};
  for (const n of m.graph.nodes) opTypes[n.opType] = (opTypes[n.opType] ?? 0) + 1;
  let parameterCount = 0;
  // int8/uint8 weights are parameters too (quantized models); int32 holds their biases; int64 is shapes
  for (const t of m.graph.initializers) if (/^(float|bfloat16|int8|uint8|int32)/.test(t.dtype)) parameterCount += tensorSize(t.dims);

  const info = (v: { name: string; dtype?: string; shape?: (number | string | null)[] }): TensorInfo => ({ name: v.name, dtype: v.dtype ?? 'unknown', shape: v.shape ?? [] });
  const outputs = m.graph.outputs.map(info);
  // A classifier ends in [N, K] with K > 1. Prefer the model's own probabilities when it has them.
  const rank2 = m.graph.outputs.filter((o) => (shapes.get(o.name)?.length ?? 0) === 2 && (shapes.get(o.name)![1] ?? 0) > 1);
  const cls = rank2.find((o) => m.graph.nodes.find((n) => n.outputs.includes(o.name))?.opType === 'Softmax') ?? rank2[0];

  const desc: ModelDescription = {
    fileName,
    fileSize: lm.fileSize,
    sha256: lm.sha256,
    irVersion: m.irVersion,
    opset: opsetVersion(m),
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    nodeCount: m.graph.nodes.length,
    parameterCount,
    inputs: realInputs(m).map(info),
    outputs,
    imageInput: img.name,
    inspectedSize: { width: at.width, height: at.height },
    layers,
    opTypes,
    suggestedPreprocess: guessPreprocess(m, img, fileName, { width: size.width, height: size.height }),
    isClassifier: !!cls,
  };
  if (pruned.length) desc.prunedAtSize = pruned;
  if (at.cappedFrom) desc.cappedFrom = at.cappedFrom;
  if (cls) {
    desc.classifierOutput = cls.name;
    desc.classCount = shapes.get(cls.name)![1]!;
  }
  return desc;
}

/** Up to this many pixels a size is inspected as asked, without a probe (224² classifiers, 299² Inception). */
const UNCHECKED_PIXELS = 512 * 512;
/**
 * Up to this many pixels a size is inspected as asked when the probe says its layers fit (720² fast-style
 * nets); a bigger one, or one that does not fit, is shaped at CAPPED_PIXELS of area or less (aspect kept).
 */
const DIRECT_PIXELS = 1024 * 1024;
const CAPPED_PIXELS = 512 * 512;
/** Longest side of the probe run. */
const PROBE_SIDE = 256;
/** onnxruntime's working memory on top of the tensors it returns (measured on GoogLeNet: ~1.3×). */
const ORT_OVERHEAD = 1.5;
/** The inspection run's share of the engine budget (it keeps every layer at once). */
const INSPECT_SHARE = 1 / 4;

/**
 * The size the shape run uses. Inspecting keeps every layer tensor alive at once, so a model that declares
 * a big input (4096²: 14 GB and minutes for GoogLeNet) is not run at that size. Above 512² a probe run at
 * ≤256 px, scaled by area, estimates the layers' bytes; up to 1024² a size whose layers fit in a quarter of
 * the memory budget is inspected as asked; otherwise the shapes are taken at 512² pixels of area (aspect
 * kept) — enough to show every layer, quick to run — or smaller if even that would not fit. The description says so in cappedFrom.
 * A single input tensor over the whole budget is refused, naming the file and the input.
 */
export async function inspectionSize(lm: LoadedModel, img: ImageInput, width: number, height: number, names: string[], threads?: number): Promise<{ width: number; height: number; cappedFrom?: NonNullable<ModelDescription['cappedFrom']> }> {
  checkBudget(4 * img.channels * width * height, `${lm.fileName}'s input "${img.name}" at ${width}×${height}`);
  if (width * height <= UNCHECKED_PIXELS) return { width, height };
  const scaled = (area: number) => {
    const f = Math.sqrt(area / (width * height));
    return { w: Math.max(16, Math.floor(width * f)), h: Math.max(16, Math.floor(height * f)) };
  };
  const probe = scaled(PROBE_SIDE ** 2);
  let shapes: Map<string, number[]>;
  try {
    shapes = (await runForShapes(lm, img, probe.w, probe.h, names, threads, true)).shapes;
  } catch (e) {
    // some nets run only at their own size (a ConvTranspose with an explicit output_shape: fast-style
    // nets at 720²): up to 1024² that is what they get, as before; bigger is refused, naming the size
    if (width * height <= DIRECT_PIXELS) return { width, height };
    throw new InspectError('ort-run-failed', `${lm.fileName} declares its input "${img.name}" as ${width}×${height}, too big to inspect at that size (above ${Math.sqrt(DIRECT_PIXELS)}²), and it cannot run at a smaller one: ${(e as Error).message}`);
  }
  let probeBytes = 4 * img.channels * probe.w * probe.h;
  for (const s of shapes.values()) probeBytes += 4 * tensorSize(s);
  const perPixel = (probeBytes / (probe.w * probe.h)) * ORT_OVERHEAD;
  const limit = memoryBudget().bytes * INSPECT_SHARE;
  const full = perPixel * width * height;
  if (width * height <= DIRECT_PIXELS && full <= limit) return { width, height };
  const at = scaled(Math.min(CAPPED_PIXELS, limit / perPixel));
  const why = full > limit
    ? `the layers at ${width}×${height} would need about ${formatBytes(full)}, more than a quarter of the engine's memory budget (${formatBytes(memoryBudget().bytes)})`
    : `inspecting at ${width}×${height} would take a long run; above ${Math.sqrt(DIRECT_PIXELS)}² Featurescope inspects at ${Math.sqrt(CAPPED_PIXELS)}² pixels`;
  return { width: at.w, height: at.h, cappedFrom: { width, height, reason: `${why}; the layer shapes are taken at ${at.w}×${at.h}` } };
}

/** The model with its image input re-declared as [1, C, H, W] (or NHWC) at the chosen size. */
export function atSize(m: Model, img: ImageInput, width: number, height: number): Model {
  const shape = img.layout === 'NCHW' ? [1, img.channels, height, width] : [1, height, width, img.channels];
  return {
    ...m,
    graph: { ...m.graph, inputs: m.graph.inputs.map((i) => (i.name === img.name ? { ...i, shape } : i)) },
  };
}

/**
 * One onnxruntime run with every candidate tensor as an output. At a size other than the model's own,
 * the head often cannot follow (a Gemm sized for 7×7 features): then the node onnxruntime names and
 * everything downstream of it is cut away and the run retried, so the feature layers still get shapes.
 */
async function runForShapes(lm: LoadedModel, img: ImageInput, width: number, height: number, names: string[], threads: number | undefined, allowPrune: boolean): Promise<{ shapes: Map<string, number[]>; pruned: string[] }> {
  let model = lm.model;
  const pruned: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return { shapes: await runOnce(model, lm, img, width, height, names.filter((n) => producedBy(model, n)), threads), pruned };
    } catch (e) {
      const node = /Node \(([^)]+)\)|node with name '([^']+)'/.exec((e as Error).message);
      const name = node?.[1] ?? node?.[2];
      if (!allowPrune || !name || attempt >= 8) throw e;
      const cut = withoutDownstream(model, name);
      if (!cut || cut.graph.nodes.length === 0 || !names.some((n) => producedBy(cut, n))) throw e;
      pruned.push(name);
      model = cut;
    }
  }
}

function producedBy(m: Model, tensor: string): boolean {
  return m.graph.nodes.some((n) => n.outputs.includes(tensor));
}

/** The model without node `name` and everything that depends on it; outputs no longer produced are dropped. */
function withoutDownstream(m: Model, name: string): Model | undefined {
  const start = m.graph.nodes.find((n) => n.name === name);
  if (!start) return undefined;
  const dead = new Set<string>(start.outputs);
  const nodes = m.graph.nodes.filter((n) => {
    if (n === start) return false;
    if (n.inputs.some((i) => dead.has(i))) {
      for (const o of n.outputs) dead.add(o);
      return false;
    }
    return true;
  });
  return { ...m, graph: { ...m.graph, nodes, outputs: m.graph.outputs.filter((o) => !dead.has(o.name)) } };
}

async function runOnce(base: Model, lm: LoadedModel, img: ImageInput, width: number, height: number, names: string[], threads?: number): Promise<Map<string, number[]>> {
  const m = withExtraOutputs(atSize(base, img, width, height), names);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeModel(m), {
      logSeverityLevel: 4,
      executionProviders: ['cpu'],
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
  } catch (e) {
    throw new InspectError('ort-load-failed', `onnxruntime cannot load ${lm.fileName}: ${cleanOrtMessage((e as Error).message)}`);
  }
  try {
    const dims = img.layout === 'NCHW' ? [1, img.channels, height, width] : [1, height, width, img.channels];
    const feeds: Record<string, ort.Tensor> = {
      [img.name]: new ort.Tensor('float32', new Float32Array(tensorSize(dims)), dims),
    };
    // Other inputs (rare in CNNs) get zeros of their declared shape.
    for (const inp of realInputs(base)) {
      if (inp.name === img.name) continue;
      const d = (inp.shape ?? []).map((x) => (typeof x === 'number' ? x : 1));
      feeds[inp.name] = new ort.Tensor('float32', new Float32Array(tensorSize(d)), d);
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run(feeds);
    } catch (e) {
      throw new InspectError('ort-run-failed', `${lm.fileName} could not run at ${width}×${height}: ${cleanOrtMessage((e as Error).message)}`);
    }
    const shapes = new Map<string, number[]>();
    for (const [k, v] of Object.entries(out)) shapes.set(k, [...(v as ort.Tensor).dims]);
    return shapes;
  } finally {
    await session.release();
  }
}

/** ORT messages start with a C++ source path; keep the part a person can act on. */
export function cleanOrtMessage(s: string): string {
  return s.replace(/\/onnxruntime_src\/[^\s]+ /g, '').replace(/\s+/g, ' ').trim().slice(0, 600);
}
