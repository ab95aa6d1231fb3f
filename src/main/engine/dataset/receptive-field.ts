// Where a layer's map position looks in the input: its receptive field per axis — side, stride (the step
// between neighbouring positions) and offset (the input-pixel coordinate of position 0's centre) — from the
// strides, kernels, pads and dilations of every Conv and pooling op on the paths from the image input to
// the layer. Dataset examples cut their patches with it; tuning curves draw stimuli inside it.
//
// Each tensor carries, per axis, the input interval [lo, hi] that position 0 covers, and the jump between
// positions: position i covers [lo + i·jump, hi + i·jump]. A window op with effective kernel k (dilation
// included), stride s and begin pad p reads input positions o·s − p … o·s − p + k − 1, so
//   lo' = lo − p·jump,   hi' = hi + (k − 1 − p)·jump,   jump' = jump·s.
// Ops that mix several inputs (Concat, Add…) take the union of their inputs' intervals (Inception branches
// with different kernels are centre-aligned, so the union is the largest branch). SAME auto-pads need the
// input size, so sizes travel along too (the same arithmetic as onnxruntime's, ceil_mode included).
import type { Model, Node } from '../onnx/model';
import { attrInts } from '../onnx/model';
import { WINDOW_OPS, windowAxes } from '../onnx/window';
import type { ReceptiveFieldInfo } from '../../../shared/dataset';

interface Axis { lo: number; hi: number; jump: number; size: number }
type Field = [Axis, Axis];

/** after these every position sees the whole input, or the layout changes: no spatial map any more */
const NOT_SPATIAL = new Set([
  'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'Flatten', 'Gemm', 'MatMul', 'Reshape', 'ReduceMean', 'ReduceMax', 'ReduceSum',
  'Transpose', 'Squeeze', 'Unsqueeze', 'Softmax',
]);
/** these move positions in ways this arithmetic does not follow: refuse rather than cut the wrong pixels */
const UNSUPPORTED = new Set(['Resize', 'Upsample', 'ConvTranspose', 'Pad', 'Slice', 'Crop', 'DepthToSpace', 'SpaceToDepth', 'Tile', 'Expand', 'Gather']);

export class FieldError extends Error {
  constructor(readonly code: 'not-spatial' | 'unsupported-op' | 'no-such-layer', message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/**
 * The receptive field of `layer` for an input of `height`×`width` pixels fed to `input` (NCHW or NHWC: only
 * the spatial arithmetic matters). Throws FieldError naming the layer and the op when it cannot be known.
 */
export function receptiveField(model: Model, input: string, layer: string, height: number, width: number): ReceptiveFieldInfo & { mapSize: [number, number] } {
  const fields = new Map<string, Field | 'flat' | { op: string; node: string }>();
  fields.set(input, [{ lo: 0, hi: 0, jump: 1, size: height }, { lo: 0, hi: 0, jump: 1, size: width }]);
  for (const node of model.graph.nodes) {
    const ins = node.inputs.map((n) => (n ? fields.get(n) : undefined)).filter((f) => f !== undefined);
    if (ins.length === 0) continue;
    let out: Field | 'flat' | { op: string; node: string };
    const bad = ins.find((f) => !Array.isArray(f) && f !== 'flat');
    if (bad) out = bad;
    else if (ins.includes('flat') || NOT_SPATIAL.has(node.opType)) out = 'flat';
    else if (UNSUPPORTED.has(node.opType)) out = { op: node.opType, node: node.name || node.outputs[0] || '?' };
    else {
      const spatial = ins as Field[];
      const merged = [0, 1].map((a) => union(spatial.map((f) => f[a]!))) as Field;
      out = WINDOW_OPS.has(node.opType) ? through(node, merged) : merged;
    }
    for (const o of node.outputs) if (o) fields.set(o, out);
    if (node.outputs.includes(layer)) break;
  }
  const f = fields.get(layer);
  if (f === undefined) throw new FieldError('no-such-layer', `layer "${layer}" is not computed from the image input "${input}" (or is not in the model)`);
  if (f === 'flat') throw new FieldError('not-spatial', `layer "${layer}" is not spatial: it follows a global pooling, Flatten, Reshape or fully connected op, so its values have no position in the photo`);
  if (!Array.isArray(f)) throw new FieldError('unsupported-op', `the receptive field of "${layer}" is unknown: it passes through ${f.op} node "${f.node}", which moves positions in a way Featurescope does not follow`);
  const [y, x] = f;
  return {
    size: [y.hi - y.lo + 1, x.hi - x.lo + 1],
    stride: [y.jump, x.jump],
    offset: [(y.lo + y.hi) / 2, (x.lo + x.hi) / 2],
    mapSize: [y.size, x.size],
  };
}

function union(axes: Axis[]): Axis {
  return {
    lo: Math.min(...axes.map((a) => a.lo)), hi: Math.max(...axes.map((a) => a.hi)),
    jump: Math.max(...axes.map((a) => a.jump)), size: axes[0]!.size,
  };
}

function through(node: Node, f: Field): Field {
  if (node.opType === 'Conv' && !attrInts(node, 'kernel_shape')) {
    throw new FieldError('unsupported-op', `Conv node "${node.name}" has no kernel_shape attribute: its receptive field is unknown`);
  }
  const w = windowAxes(node, f.map((a) => a.size));
  return f.map((a, i) => {
    const { size, begin, eff, stride } = w[i]!;
    return { lo: a.lo - begin * a.jump, hi: a.hi + (eff - 1 - begin) * a.jump, jump: a.jump * stride, size };
  }) as Field;
}

/** How a photo of photoW×photoH was fit to the model's W×H (the preprocessing's resize mode). */
export interface FitMap {
  /** photo pixels per model pixel, per axis */
  scaleX: number;
  scaleY: number;
  /** photo coordinate (pixel edges) where model-input coordinate 0 lands */
  shiftX: number;
  shiftY: number;
}

/**
 * The model-input ↔ photo map of a resize mode, in pixel-centre coordinates: model pixel (u, v) sits at
 * photo pixel (shiftX + (u + 0.5)·scaleX − 0.5, …). stretch scales each axis on its own; center-crop scales
 * by the larger ratio and crops the middle; pad scales by the smaller one and centres the photo.
 */
export function fitMap(photoW: number, photoH: number, modelW: number, modelH: number, resize: 'stretch' | 'center-crop' | 'pad'): FitMap {
  if (resize === 'stretch') return { scaleX: photoW / modelW, scaleY: photoH / modelH, shiftX: 0, shiftY: 0 };
  const r = resize === 'center-crop' ? Math.min(photoW / modelW, photoH / modelH) : Math.max(photoW / modelW, photoH / modelH);
  return { scaleX: r, scaleY: r, shiftX: (photoW - modelW * r) / 2, shiftY: (photoH - modelH * r) / 2 };
}

/** A map position's receptive field as a rectangle in photo pixels (unclipped), and its centre. */
export function patchRect(field: ReceptiveFieldInfo, fit: FitMap, mapX: number, mapY: number): { x: number; y: number; width: number; height: number; cx: number; cy: number } {
  // model-input pixel interval covered: centre ± (size − 1)/2, as whole pixels [first, last]
  const cyIn = field.offset[0] + mapY * field.stride[0];
  const cxIn = field.offset[1] + mapX * field.stride[1];
  const y0 = cyIn - (field.size[0] - 1) / 2, x0 = cxIn - (field.size[1] - 1) / 2;
  // pixel k covers [k, k+1) in edge coordinates; in the photo that is [shift + k·scale, shift + (k+1)·scale)
  const x = fit.shiftX + x0 * fit.scaleX, y = fit.shiftY + y0 * fit.scaleY;
  return {
    x, y, width: field.size[1] * fit.scaleX, height: field.size[0] * fit.scaleY,
    cx: fit.shiftX + (cxIn + 0.5) * fit.scaleX, cy: fit.shiftY + (cyIn + 0.5) * fit.scaleY,
  };
}

/** Round a rectangle outward to whole pixels and clip it to the photo (may come back empty: width 0). */
export function clipRect(r: { x: number; y: number; width: number; height: number }, w: number, h: number): { x: number; y: number; width: number; height: number } {
  const x0 = Math.max(0, Math.floor(r.x + 1e-9)), y0 = Math.max(0, Math.floor(r.y + 1e-9));
  const x1 = Math.min(w, Math.ceil(r.x + r.width - 1e-9)), y1 = Math.min(h, Math.ceil(r.y + r.height - 1e-9));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
