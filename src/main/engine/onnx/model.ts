// Plain-data view of an ONNX model, and the only place that touches protobuf.
// Everything else in the engine (inspection, the gradient compiler, importers) works on these plain
// objects and hands them back to `encodeModel` — the Netron pattern: decode once into plain data.
import * as protobuf from 'protobufjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ONNX_PROTO } from './onnx.proto';

export type DType =
  | 'float32' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'string' | 'bool'
  | 'float16' | 'float64' | 'uint32' | 'uint64' | 'bfloat16';

/** ONNX TensorProto.DataType codes, in enum order. */
export const DTYPE_CODES: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13, bfloat16: 16,
};
const CODE_TO_DTYPE = new Map<number, DType>(Object.entries(DTYPE_CODES).map(([k, v]) => [v, k as DType]));
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, string: 0, bool: 1,
  float16: 2, float64: 8, uint32: 4, uint64: 8, bfloat16: 2,
};

export function dtypeFromCode(code: number): DType {
  const d = CODE_TO_DTYPE.get(code);
  if (!d) throw new Error(`unknown ONNX tensor data type ${code}`);
  return d;
}

/** A constant tensor. `raw` is little-endian, C order, exactly dims.product × element size bytes. */
export interface Tensor {
  name: string;
  dtype: DType;
  dims: number[];
  raw: Uint8Array;
}

export type Attr =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] };

export interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[]; // '' marks an omitted optional input
  outputs: string[];
  attrs: Record<string, Attr>;
}

export interface ValueInfo {
  name: string;
  dtype?: DType;
  /** number = fixed size, string = symbolic (dim_param), null = unknown; undefined shape = unknown rank */
  shape?: (number | string | null)[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
}

export interface Model {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
  graph: Graph;
}

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  return root.lookupType('onnx.ModelProto');
}

/** Why a file is not a usable ONNX model. `code` is stable for tests and the UI. */
export class OnnxFormatError extends Error {
  constructor(public code: 'not-onnx' | 'truncated' | 'external-data-missing' | 'no-graph' | 'bad-tensor', message: string) {
    super(message);
    this.name = 'OnnxFormatError';
  }
}

const num = (v: unknown): number => (v == null ? 0 : typeof v === 'number' ? v : Number(v as never));

export interface DecodeOptions {
  /** Directory of the model file, to resolve external tensor data. Without it, external data is an error. */
  baseDir?: string;
  /** Display name used in error messages. */
  fileName?: string;
}

export function decodeModel(bytes: Uint8Array, opts: DecodeOptions = {}): Model {
  const label = opts.fileName ?? 'model';
  let msg: any;
  try {
    msg = modelType().decode(bytes);
  } catch (e) {
    const m = String((e as Error).message ?? e);
    const truncated = /index out of range|premature|truncat/i.test(m);
    throw new OnnxFormatError(
      truncated ? 'truncated' : 'not-onnx',
      truncated
        ? `${label} is truncated: the file ends in the middle of the ONNX data (${m}). Was the download or copy interrupted?`
        : `${label} is not an ONNX model: it could not be read as an ONNX protobuf (${m}).`,
    );
  }
  if (!msg.graph || (msg.graph.node?.length ?? 0) === 0) {
    throw new OnnxFormatError('no-graph', `${label} is not an ONNX model: it has no graph with nodes.`);
  }
  if (!msg.opset_import || msg.opset_import.length === 0) {
    throw new OnnxFormatError('not-onnx', `${label} is not an ONNX model: it declares no opset.`);
  }
  const metadata: Record<string, string> = {};
  for (const p of msg.metadata_props ?? []) metadata[p.key] = p.value;
  return {
    irVersion: num(msg.ir_version),
    opsetImports: (msg.opset_import ?? []).map((o: any) => ({ domain: o.domain ?? '', version: num(o.version) })),
    producerName: msg.producer_name ?? '',
    producerVersion: msg.producer_version ?? '',
    docString: msg.doc_string ?? '',
    metadata,
    graph: decodeGraph(msg.graph, opts, label),
  };
}

function decodeGraph(g: any, opts: DecodeOptions, label: string): Graph {
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n: any) => decodeNode(n, opts, label)),
    initializers: (g.initializer ?? []).map((t: any) => decodeTensor(t, opts, label)),
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    valueInfo: (g.value_info ?? []).map(decodeValueInfo),
  };
}

function decodeValueInfo(v: any): ValueInfo {
  const tt = v.type?.tensor_type;
  const out: ValueInfo = { name: v.name };
  if (tt) {
    if (tt.elem_type) out.dtype = CODE_TO_DTYPE.get(tt.elem_type);
    if (tt.shape) {
      out.shape = (tt.shape.dim ?? []).map((d: any) =>
        d.dim_param ? d.dim_param : d.dim_value != null && num(d.dim_value) > 0 ? num(d.dim_value) : null,
      );
    }
  }
  return out;
}

function decodeNode(n: any, opts: DecodeOptions, label: string): Node {
  const attrs: Record<string, Attr> = {};
  for (const a of n.attribute ?? []) attrs[a.name] = decodeAttr(a, opts, label);
  return {
    name: n.name ?? '',
    opType: n.op_type,
    domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
  };
}

function decodeAttr(a: any, opts: DecodeOptions, label: string): Attr {
  const dec = new TextDecoder();
  switch (a.type) {
    case 1: return { type: 'float', value: a.f ?? 0 };
    case 2: return { type: 'int', value: num(a.i) };
    case 3: return { type: 'string', value: dec.decode(a.s ?? new Uint8Array()) };
    case 4: return { type: 'tensor', value: decodeTensor(a.t, opts, label) };
    case 5: return { type: 'graph', value: decodeGraph(a.g, opts, label) };
    case 6: return { type: 'floats', value: [...(a.floats ?? [])] };
    case 7: return { type: 'ints', value: (a.ints ?? []).map(num) };
    case 8: return { type: 'strings', value: (a.strings ?? []).map((s: Uint8Array) => dec.decode(s)) };
    default: {
      // IR < 2 had no type field: infer from which field is set.
      if (a.t) return { type: 'tensor', value: decodeTensor(a.t, opts, label) };
      if (a.g) return { type: 'graph', value: decodeGraph(a.g, opts, label) };
      if (a.ints?.length) return { type: 'ints', value: a.ints.map(num) };
      if (a.floats?.length) return { type: 'floats', value: [...a.floats] };
      if (a.s?.length) return { type: 'string', value: dec.decode(a.s) };
      if (a.i != null && num(a.i) !== 0) return { type: 'int', value: num(a.i) };
      return { type: 'float', value: a.f ?? 0 };
    }
  }
}

function decodeTensor(t: any, opts: DecodeOptions, label: string): Tensor {
  const dtype = CODE_TO_DTYPE.get(t.data_type);
  const name: string = t.name ?? '';
  if (!dtype) throw new OnnxFormatError('bad-tensor', `${label}: tensor "${name}" has unknown data type ${t.data_type}.`);
  const dims: number[] = (t.dims ?? []).map(num);
  const count = dims.reduce((a, b) => a * b, 1);
  const nbytes = count * DTYPE_BYTES[dtype];
  let raw: Uint8Array;
  if (t.data_location === 1) {
    raw = readExternal(t, name, nbytes, opts, label);
  } else if (t.raw_data && t.raw_data.length > 0) {
    raw = t.raw_data;
  } else {
    raw = new Uint8Array(nbytes);
    const dv = new DataView(raw.buffer);
    const f = t.float_data ?? [], i32 = t.int32_data ?? [], i64 = t.int64_data ?? [], f64 = t.double_data ?? [], u64 = t.uint64_data ?? [];
    for (let k = 0; k < count; k++) {
      switch (dtype) {
        case 'float32': dv.setFloat32(k * 4, f[k] ?? 0, true); break;
        case 'float64': dv.setFloat64(k * 8, f64[k] ?? 0, true); break;
        case 'int64': dv.setBigInt64(k * 8, BigInt(String(i64[k] ?? 0)), true); break;
        case 'uint64': case 'uint32': dv.setBigUint64(k * 8, BigInt(String(u64[k] ?? 0)), true); break;
        case 'int32': dv.setInt32(k * 4, i32[k] ?? 0, true); break;
        case 'int16': dv.setInt16(k * 2, i32[k] ?? 0, true); break;
        case 'uint16': case 'float16': case 'bfloat16': dv.setUint16(k * 2, i32[k] ?? 0, true); break;
        case 'int8': dv.setInt8(k, i32[k] ?? 0); break;
        case 'uint8': case 'bool': dv.setUint8(k, i32[k] ?? 0); break;
        case 'string': break;
      }
    }
  }
  if (dtype !== 'string' && raw.length !== nbytes) {
    throw new OnnxFormatError('bad-tensor', `${label}: tensor "${name}" holds ${raw.length} bytes but its shape [${dims.join(',')}] needs ${nbytes}.`);
  }
  return { name, dtype, dims, raw };
}

function readExternal(t: any, name: string, nbytes: number, opts: DecodeOptions, label: string): Uint8Array {
  const info: Record<string, string> = {};
  for (const e of t.external_data ?? []) info[e.key] = e.value;
  const loc = info.location;
  if (!loc || !opts.baseDir) {
    throw new OnnxFormatError('external-data-missing', `${label}: tensor "${name}" keeps its data in an external file${loc ? ` "${loc}"` : ''}, which cannot be located.`);
  }
  const file = path.resolve(opts.baseDir, loc);
  const outside = (dir: string, f: string) => { const r = path.relative(dir, f); return r.startsWith('..') || path.isAbsolute(r); };
  const refuse = () => new OnnxFormatError('external-data-missing', `${label}: tensor "${name}" points outside the model's folder ("${loc}"); refusing to read it.`);
  if (outside(opts.baseDir, file)) throw refuse();
  if (!fs.existsSync(file)) {
    throw new OnnxFormatError('external-data-missing', `${label}: external data file "${loc}" for tensor "${name}" is missing (looked in ${opts.baseDir}).`);
  }
  // a symlink (of the file or a folder on the way) that leads out of the model's folder is refused too:
  // the model chose the name, not the person
  if (outside(fs.realpathSync(opts.baseDir), fs.realpathSync(file))) throw refuse();
  if (!fs.statSync(file).isFile()) throw new OnnxFormatError('external-data-missing', `${label}: external data "${loc}" for tensor "${name}" is not a regular file.`);
  const offset = Number(info.offset ?? 0);
  const length = info.length != null ? Number(info.length) : nbytes;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const got = fs.readSync(fd, buf, 0, length, offset);
    if (got !== length) throw new OnnxFormatError('truncated', `${label}: external data file "${loc}" is too short for tensor "${name}".`);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

// [Note: encoding weights] A model is encoded for every session, and the gradient compiler makes one per input
// size (a dream: one per octave): protobufjs wrote the weights' bytes through its writer, half of a compile's
// time (≈ 100 ms for GoogLeNet's 16.5-MB gradient graph). Protobuf messages are their fields back to back, in any order, so
// the weights are framed by hand here: everything else goes through protobufjs, then each initializer as
// GraphProto field 5 — its small TensorProto fields (name, dims, type) from protobufjs and raw_data (field 9)
// copied once into the output. decodeModel reads back the same model (onnx/model.test.ts).

export function encodeModel(m: Model): Uint8Array {
  const metadata_props = Object.entries(m.metadata).map(([key, value]) => ({ key, value }));
  const msg = {
    ir_version: m.irVersion,
    opset_import: m.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    producer_name: m.producerName,
    producer_version: m.producerVersion,
    doc_string: m.docString,
    metadata_props,
  };
  const M = modelType(), G = M.root.lookupType('onnx.GraphProto'), T = M.root.lookupType('onnx.TensorProto');
  const head = M.encode(M.fromObject(msg)).finish();
  const graphHead = G.encode(G.fromObject(encodeGraph(m.graph, false))).finish();
  // each initializer: field 5 of GraphProto = [tag, length, TensorProto fields without raw_data, raw_data field]
  const inits = m.graph.initializers.map((t) => {
    const fields = T.encode(T.fromObject(tensorHead(t))).finish();
    const raw = t.raw;
    const rawField = [...varintField(9, raw.length)];
    const bodyLength = fields.length + rawField.length + raw.length;
    return { prefix: Uint8Array.from([...varintField(5, bodyLength), ...fields, ...rawField]), raw };
  });
  const graphLength = graphHead.length + inits.reduce((a, i) => a + i.prefix.length + i.raw.length, 0);
  const graphField = Uint8Array.from(varintField(7, graphLength));
  const out = new Uint8Array(head.length + graphField.length + graphLength);
  let at = 0;
  const put = (b: Uint8Array) => { out.set(b, at); at += b.length; };
  put(head);
  put(graphField);
  put(graphHead);
  for (const i of inits) { put(i.prefix); put(i.raw); }
  return out;
}

/** The tag and length of a length-delimited field (wire type 2). */
function varintField(field: number, length: number): number[] {
  const out: number[] = [];
  for (let v = (field << 3) | 2; ; v >>>= 7) { if (v < 0x80) { out.push(v); break; } out.push((v & 0x7f) | 0x80); }
  // lengths go past 2^31 only for files onnxruntime cannot take as one buffer anyway; still written exactly
  for (let v = length; ; v = Math.floor(v / 128)) { if (v < 0x80) { out.push(v); break; } out.push((v % 128) | 0x80); }
  return out;
}

/** The graph; the top-level one without its initializers (encodeModel appends them: [Note: encoding weights]). */
function encodeGraph(g: Graph, initializers = true): object {
  return {
    name: g.name,
    node: g.nodes.map(encodeNode),
    ...(initializers ? { initializer: g.initializers.map(encodeTensor) } : {}),
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
    value_info: g.valueInfo.map(encodeValueInfo),
  };
}

function encodeValueInfo(v: ValueInfo): object {
  if (!v.dtype) return { name: v.name };
  const tensor_type: any = { elem_type: DTYPE_CODES[v.dtype] };
  if (v.shape) {
    tensor_type.shape = {
      dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : typeof d === 'string' ? { dim_param: d } : {})),
    };
  }
  return { name: v.name, type: { tensor_type } };
}

function encodeNode(n: Node): object {
  return {
    name: n.name,
    op_type: n.opType,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs).map(([name, a]) => encodeAttr(name, a)),
  };
}

function encodeAttr(name: string, a: Attr): object {
  const enc = new TextEncoder();
  switch (a.type) {
    case 'float': return { name, type: 1, f: a.value };
    case 'int': return { name, type: 2, i: a.value };
    case 'string': return { name, type: 3, s: enc.encode(a.value) };
    case 'tensor': return { name, type: 4, t: encodeTensor(a.value) };
    case 'graph': return { name, type: 5, g: encodeGraph(a.value) };
    case 'floats': return { name, type: 6, floats: a.value };
    case 'ints': return { name, type: 7, ints: a.value };
    case 'strings': return { name, type: 8, strings: a.value.map((s) => enc.encode(s)) };
  }
}

function encodeTensor(t: Tensor): object {
  return { ...tensorHead(t), raw_data: t.raw };
}

/** A tensor's fields but raw_data (encodeModel frames that itself). */
function tensorHead(t: Tensor): object {
  return { name: t.name, dims: t.dims, data_type: DTYPE_CODES[t.dtype] };
}

// ---------------------------------------------------------------------------------------------
// Small helpers shared by every reader of the plain model.

export function opsetVersion(m: Model, domain = ''): number {
  return m.opsetImports.find((o) => o.domain === domain || (domain === '' && o.domain === 'ai.onnx'))?.version ?? 0;
}

export function attrInt(n: Node, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : dflt;
}
export function attrFloat(n: Node, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && (a.type === 'float' || a.type === 'int') ? a.value : dflt;
}
export function attrInts(n: Node, name: string, dflt: number[] | undefined = undefined): number[] | undefined {
  const a = n.attrs[name];
  return a && a.type === 'ints' ? a.value : dflt;
}
export function attrString(n: Node, name: string, dflt: string): string {
  const a = n.attrs[name];
  return a && a.type === 'string' ? a.value : dflt;
}

export function tensorSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Values of a tensor as a typed array (copied when the bytes are not aligned). */
export function tensorValues(t: Tensor): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array {
  const aligned = (n: number) => (t.raw.byteOffset % n === 0 ? t.raw : new Uint8Array(t.raw)); // a copy: Buffer#slice would be a view at the same odd offset
  const count = tensorSize(t.dims);
  switch (t.dtype) {
    case 'float32': { const r = aligned(4); return new Float32Array(r.buffer, r.byteOffset, count); }
    case 'float64': { const r = aligned(8); return new Float64Array(r.buffer, r.byteOffset, count); }
    case 'int32': { const r = aligned(4); return new Int32Array(r.buffer, r.byteOffset, count); }
    case 'int64': { const r = aligned(8); return new BigInt64Array(r.buffer, r.byteOffset, count); }
    case 'int8': return new Int8Array(t.raw.buffer, t.raw.byteOffset, count);
    case 'uint8': case 'bool': return t.raw;
    default: throw new Error(`tensor "${t.name}": reading ${t.dtype} values is not supported`);
  }
}

/** Values as plain numbers (int64 converted), for shapes, axes and other small constants. */
export function tensorNumbers(t: Tensor): number[] {
  const v = tensorValues(t);
  return Array.from(v as ArrayLike<number | bigint>, (x) => Number(x));
}

export function makeTensor(name: string, dtype: DType, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): Tensor {
  const count = tensorSize(dims);
  if (values.length !== count) throw new Error(`makeTensor ${name}: ${values.length} values for shape [${dims}]`);
  let arr: ArrayBufferView;
  switch (dtype) {
    case 'float32': arr = Float32Array.from(values as ArrayLike<number>); break;
    case 'float64': arr = Float64Array.from(values as ArrayLike<number>); break;
    case 'int32': arr = Int32Array.from(values as ArrayLike<number>); break;
    case 'int64': arr = BigInt64Array.from(Array.from(values as ArrayLike<number | bigint>, (x) => BigInt(x))); break;
    case 'uint8': case 'bool': arr = Uint8Array.from(values as ArrayLike<number>); break;
    case 'int8': arr = Int8Array.from(values as ArrayLike<number>); break;
    default: throw new Error(`makeTensor ${name}: dtype ${dtype} not supported`);
  }
  return { name, dtype, dims: [...dims], raw: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

export function readModelFile(file: string): Model {
  const bytes = fs.readFileSync(file);
  return decodeModel(bytes, { baseDir: path.dirname(file), fileName: path.basename(file) });
}
