// The learned filters of a model's first convolution as RGB images (CS231n's first-layer view): when a
// convolution reads the image itself, its kernels live in the image's own space and can simply be drawn.
// Each kernel is taken into RGB order through the model's preprocessing (model channel c reads RGB
// channel source[c], scaled by the preprocessing's per-channel factor: the filter's response to an RGB
// photo is Σ_c w_c·scale_c·rgb_source[c] + const), then min–max normalized on its own.
import sharp from 'sharp';
import type { ModelFilters, ModelRecord } from '../../../shared/contract';
import { affine } from '../../../shared/pixels';
import { tensorValues, type Model, type Node } from '../onnx/model';
import { findImageInput } from '../onnx/inspect';
import { tileGrid } from './render';

/** ops that only move or relabel the image on its way to the first convolution */
const PASS_THROUGH = new Set(['Transpose', 'Identity', 'Cast']);
const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'HardSwish', 'Softplus', 'Gelu']);
/** each kernel pixel becomes this many screen pixels, up to tiles of about 32 px */
const TARGET_TILE = 32;

/** The convolution that reads the image input (through layout-only ops), or undefined. */
export function firstConv(model: Model, input: string): Node | undefined {
  const reads = new Set([input]);
  for (const n of model.graph.nodes) {
    if (!n.inputs.some((i) => reads.has(i))) continue;
    if (n.opType === 'Conv') return reads.has(n.inputs[0]!) ? n : undefined;
    if (!PASS_THROUGH.has(n.opType)) return undefined;
    n.outputs.forEach((o) => reads.add(o));
  }
  return undefined;
}

export async function modelFilters(rec: ModelRecord, model: Model): Promise<ModelFilters | null> {
  const img = findImageInput(model, rec.name);
  const conv = firstConv(model, img.name);
  if (!conv) return null;
  const group = conv.attrs.group?.type === 'int' ? conv.attrs.group.value : 1;
  const w = model.graph.initializers.find((t) => t.name === conv.inputs[1]);
  if (!w || w.dims.length !== 4 || group !== 1) return null;
  const [m, c, kh, kw] = w.dims as [number, number, number, number];
  if (c !== 1 && c !== 3) return null;
  const values = tensorValues(w);
  const { scale, source } = affine(rec.preprocess);
  const zoom = Math.max(1, Math.round(TARGET_TILE / Math.max(kh, kw)));
  const th = kh * zoom, tw = kw * zoom;
  const tiles: Uint8Array[] = [];
  for (let f = 0; f < m; f++) {
    // RGB planes of this filter, in the image's own colour order
    const rgb = new Float64Array(3 * kh * kw);
    for (let k = 0; k < c; k++) {
      for (let p = 0; p < kh * kw; p++) {
        const v = Number(values[((f * c + k) * kh) * kw + p]) * scale[c === 1 ? 0 : k]!;
        if (c === 1) for (let j = 0; j < 3; j++) rgb[j * kh * kw + p] = v;
        else rgb[source[k]! * kh * kw + p] = v;
      }
    }
    let lo = Infinity, hi = -Infinity;
    for (const v of rgb) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const span = hi - lo || 1;
    const tile = new Uint8Array(th * tw * 3);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const p = Math.floor(y / zoom) * kw + Math.floor(x / zoom);
        for (let j = 0; j < 3; j++) tile[(y * tw + x) * 3 + j] = Math.round((255 * (rgb[j * kh * kw + p]! - lo)) / span);
      }
    }
    tiles.push(tile);
  }
  const cols = Math.ceil(Math.sqrt(m));
  // square tiles are what tileGrid draws; kernels are square in every model we know, and otherwise padded
  const side = Math.max(th, tw);
  const squares = th === tw ? tiles : tiles.map((t) => padTile(t, th, tw, side));
  const grid = tileGrid(squares, side, cols, 1, 255);
  const png = async (data: Uint8Array, width: number, height: number) =>
    Buffer.from(await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer()).toString('base64');
  const after = model.graph.nodes.find((n) => n.inputs[0] === conv.outputs[0] && ACTIVATIONS.has(n.opType));
  return {
    layers: [conv.outputs[0]!, ...(after ? [after.outputs[0]!] : [])],
    node: conv.name,
    count: m,
    kernel: { width: kw, height: kh, channels: c },
    scale: zoom,
    grid: { mime: 'image/png', base64: await png(grid.data, grid.width, grid.height), cols, rows: Math.ceil(m / cols), width: grid.width, height: grid.height },
    tiles: await Promise.all(squares.map(async (t) => ({ mime: 'image/png' as const, base64: await png(t, side, side) }))),
  };
}

function padTile(t: Uint8Array, h: number, w: number, side: number): Uint8Array {
  const out = new Uint8Array(side * side * 3).fill(255);
  for (let y = 0; y < h; y++) out.set(t.subarray(y * w * 3, (y + 1) * w * 3), y * side * 3);
  return out;
}
