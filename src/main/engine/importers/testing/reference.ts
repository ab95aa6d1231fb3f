// Test-only helpers: the TF.js reference implementation (@tensorflow/tfjs on its WASM backend, a
// devDependency) and onnxruntime-node, fed the same pixels, compared tensor by tensor.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { TfjsArtifacts } from '../tfjs/artifacts';

export { tf };

let ready: Promise<void> | undefined;
/** WASM backend when it starts (fast), else the pure-JS CPU backend. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    const wasm = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(wasm + path.sep);
    if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
    await tf.ready();
  })();
  return ready;
}

export function loadTfjs(a: TfjsArtifacts): Promise<tf.LayersModel> {
  const weightSpecs = (a.modelJson.weightsManifest ?? []).flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const buf = a.weightData.buffer.slice(a.weightData.byteOffset, a.weightData.byteOffset + a.weightData.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelJson.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData: buf }));
}

/** Saves a tfjs model the way `model.save` does, into memory, as importer artifacts. */
export async function saveToArtifacts(model: tf.LayersModel, label: string, quantize?: 'uint8' | 'uint16' | 'float16'): Promise<TfjsArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (art) => {
    saved = art;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const art = saved!;
  let weights = new Uint8Array(art.weightData as ArrayBuffer);
  let specs = art.weightSpecs!;
  if (quantize) ({ weights, specs } = quantizeWeights(weights, specs, quantize));
  return {
    modelJson: { format: 'layers-model', generatedBy: 'featurescope test', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: specs as never }] },
    weightData: weights,
    label,
  };
}

/** The tfjs-converter's affine uint8/uint16 quantization (and float16 storage), for quantized test models. */
function quantizeWeights(data: Uint8Array, specs: tf.io.WeightsManifestEntry[], dtype: 'uint8' | 'uint16' | 'float16') {
  const out: Uint8Array[] = [];
  const newSpecs: tf.io.WeightsManifestEntry[] = [];
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const f = new Float32Array(data.slice(off, off + 4 * n).buffer);
    off += 4 * n;
    if (dtype === 'float16') {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = floatToHalf(f[i]!);
      out.push(new Uint8Array(h.buffer));
      newSpecs.push({ ...s, quantization: { dtype: 'float16' } });
      continue;
    }
    let min = Infinity, max = -Infinity;
    for (const v of f) { min = Math.min(min, v); max = Math.max(max, v); }
    const levels = dtype === 'uint8' ? 255 : 65535;
    const scale = max > min ? (max - min) / levels : 1;
    const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = Math.round((f[i]! - min) / scale);
    out.push(new Uint8Array(q.buffer));
    newSpecs.push({ ...s, quantization: { dtype, min, scale } });
  }
  const total = out.reduce((a, b) => a + b.length, 0);
  const weights = new Uint8Array(total);
  let o = 0;
  for (const b of out) { weights.set(b, o); o += b.length; }
  return { weights, specs: newSpecs };
}

function floatToHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  const m = x & 0x7fffff;
  if (e <= 0) return sign | ((m | 0x800000) >>> (14 - e)) >>> 0 & 0x3ff;
  if (e >= 31) return sign | 0x7c00;
  return sign | (e << 10) | (m >>> 13);
}

/** Reads the dequantized float weights back, so the tfjs reference uses exactly what ONNX gets. */
export function dequantizedModel(a: TfjsArtifacts, values: Map<string, { shape: number[]; values: Float32Array }>): TfjsArtifacts {
  const specs = (a.modelJson.weightsManifest ?? []).flatMap((g) => g.weights).map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' }));
  const parts = specs.map((s) => new Uint8Array(values.get(s.name)!.values.slice().buffer));
  const total = parts.reduce((x, p) => x + p.length, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { weightData.set(p, o); o += p.length; }
  return { modelJson: { ...a.modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }, weightData, label: a.label };
}

/** A photo resized to w×h, as NHWC (tfjs) and NCHW (ONNX) float32, pixels mapped to [lo, hi]. */
export async function photo(file: string, w: number, h: number, lo = -1, hi = 1): Promise<{ nhwc: Float32Array; nchw: Float32Array }> {
  const { data } = await sharp(file).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const nhwc = new Float32Array(w * h * 3), nchw = new Float32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) {
    const v = lo + (data[i * 3 + c]! / 255) * (hi - lo);
    nhwc[i * 3 + c] = v;
    nchw[c * w * h + i] = v;
  }
  return { nhwc, nchw };
}

/** NHWC → NCHW for a rank-4 tfjs result; other ranks unchanged. */
export function toNchw(data: Float32Array, shape: number[]): Float32Array {
  if (shape.length !== 4) return data;
  const [n, h, w, c] = shape as [number, number, number, number];
  const o = new Float32Array(data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    o[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k]!;
  }
  return o;
}

/** max |a − b| / max |b|: relative to the tensor's scale, so ReLU zeros do not blow it up. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / (m || 1);
}

export async function runOnnx(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const s = await ort.InferenceSession.create(bytes);
  const inp: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inp[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(inp);
  const r: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const [k, v] of Object.entries(out)) r[k] = { data: v.data as Float32Array, dims: [...v.dims] };
  await s.release();
  return r;
}

export const SHARED = path.resolve(__dirname, '../../../../../../shared');
export const sharedAvailable = (): boolean => fs.existsSync(path.join(SHARED, 'images', 'content'));
