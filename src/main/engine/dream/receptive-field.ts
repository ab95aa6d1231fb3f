// How far a layer "sees": the receptive field (in input pixels) and the stride (jump) of its grid.
// Tiling needs both: tiles start on multiples of the stride so their activations sit on the same
// grid as the whole photo's, and a margin of (receptive field − 1) around a tile's core makes the
// gradient inside the core exactly what the whole photo would give.
import type { Model, Node } from '../onnx/model';
import { attrInts } from '../onnx/model';
import { WINDOW_OPS, windowAxes } from '../onnx/window';

export interface FieldInfo {
  /** receptive field side in input pixels (max over height and width and over all paths) */
  field: number;
  /** distance in input pixels between neighbouring positions of the layer's grid */
  stride: number;
}

/** ops after which every position sees the whole input (no finite field) */
const GLOBAL_OPS = new Set(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'Flatten', 'Gemm', 'MatMul', 'Reshape', 'ReduceMean', 'ReduceMax', 'ReduceSum']);

/** Field and stride of every tensor that depends on `input` (Infinity for non-spatial ones). */
export function fieldMap(model: Model, input: string): Map<string, FieldInfo> {
  const info = new Map<string, FieldInfo>([[input, { field: 1, stride: 1 }]]);
  for (const node of model.graph.nodes) {
    const ins = node.inputs.map((n) => info.get(n)).filter((x): x is FieldInfo => !!x);
    if (ins.length === 0) continue;
    const merged: FieldInfo = { field: Math.max(...ins.map((i) => i.field)), stride: Math.max(...ins.map((i) => i.stride)) };
    const out = GLOBAL_OPS.has(node.opType) ? { field: Infinity, stride: Infinity } : WINDOW_OPS.has(node.opType) ? through(node, merged) : merged;
    for (const o of node.outputs) if (o) info.set(o, out);
  }
  return info;
}

export function receptiveField(model: Model, input: string, targets: string[]): FieldInfo {
  const info = fieldMap(model, input);
  let field = 1, stride = 1;
  for (const t of targets) {
    const f = info.get(t);
    if (!f) throw new Error(`layer "${t}" does not depend on the input "${input}" (or is not in the model)`);
    if (!Number.isFinite(f.field)) throw new Error(`layer "${t}" is not spatial (it follows a global pooling, Flatten or a fully connected op): DeepDream needs a convolutional layer`);
    field = Math.max(field, f.field);
    stride = Math.max(stride, f.stride);
  }
  return { field, stride };
}

function through(node: Node, i: FieldInfo): FieldInfo {
  const k = attrInts(node, 'kernel_shape') ?? [1, 1];
  const s = attrInts(node, 'strides') ?? k.map(() => 1);
  const d = attrInts(node, 'dilations') ?? k.map(() => 1);
  // Without kernel_shape (Conv may omit it) assume the worst plausible: 3×3.
  const kMax = Math.max(...k.map((kk, j) => (d[j] ?? 1) * (kk - 1) + 1), node.opType === 'Conv' && !attrInts(node, 'kernel_shape') ? 3 : 1);
  return { field: i.field + (kMax - 1) * i.stride, stride: i.stride * Math.max(...s) };
}

/**
 * Spatial size [h, w] of `layer` for an input of h×w, through Conv / pooling arithmetic (pads, strides,
 * dilations, ceil_mode, auto_pad); every other op keeps its first spatial input's size.
 */
export function spatialSize(model: Model, input: string, h: number, w: number, layer: string): [number, number] {
  const size = new Map<string, [number, number]>([[input, [h, w]]]);
  for (const node of model.graph.nodes) {
    const inSize = node.inputs.map((n) => size.get(n)).find((x) => x);
    if (!inSize) continue;
    if (GLOBAL_OPS.has(node.opType)) continue;
    const out = WINDOW_OPS.has(node.opType) ? windowed(node, inSize) : inSize;
    for (const o of node.outputs) if (o) size.set(o, out);
    if (node.outputs.includes(layer)) break;
  }
  const s = size.get(layer);
  if (!s) throw new Error(`layer "${layer}" is not a spatial tensor computed from "${input}"`);
  return s;
}

function windowed(node: Node, hw: [number, number]): [number, number] {
  // without kernel_shape (Conv may omit it) assume 3×3, as for the field
  return windowAxes(node, hw, 3).map((a) => a.size) as [number, number];
}
