// TF.js Layers artifacts: the parsed model.json plus the concatenated weight bytes, and the
// dequantization of those bytes into float32 arrays keyed by weight name.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  min?: number;
  scale?: number;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: WeightQuantization;
}

export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** The parts of a TF.js model.json the importer reads. */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  weightsManifest?: WeightGroup[];
}

/** What `model.save()` hands an IO handler, and what a model.json + shards on disk become. */
export interface TfjsArtifacts {
  modelJson: TfjsModelJson;
  /** all weight bytes, group after group, shard after shard, in manifest order */
  weightData: Uint8Array;
  /** display name for errors, usually the model.json path */
  label: string;
}

export class TfjsImportError extends Error {
  constructor(message: string, public readonly code = 'tfjs-import') {
    super(message);
    this.name = 'TfjsImportError';
  }
}

export function parseModelJson(text: string, label: string): TfjsModelJson {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TfjsImportError(`${label} is not a TF.js model.json: it is not valid JSON (${(e as Error).message}).`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new TfjsImportError(`${label} is not a TF.js Layers model.json: it has no "modelTopology".`);
  }
  if (json.format === 'graph-model' || json.modelTopology.node || json.modelTopology.versions) {
    throw new TfjsImportError(
      `${label} is a TF.js graph model (format "${json.format ?? 'graph-model'}"); only TF.js Layers models (Keras, Teachable Machine, ml5) can be imported.`,
    );
  }
  return json as TfjsModelJson;
}

/** Largest sum of weight shards read (the format's own limit is an ArrayBuffer; real models are MBs). */
const MAX_WEIGHT_BYTES = 2 ** 31;

/**
 * A shard named by a manifest, beside model.json: "../" or a symlink that leads out of model.json's
 * folder is refused (the file chose the name, not the person).
 */
export function shardBeside(modelJsonPath: string, manifestPath: string): string {
  const dir = path.dirname(path.resolve(modelJsonPath));
  const file = path.resolve(dir, decodeURIComponent(manifestPath));
  const outside = (d: string, f: string) => { const r = path.relative(d, f); return r.startsWith('..') || path.isAbsolute(r); };
  if (outside(dir, file) || (fs.existsSync(file) && outside(fs.realpathSync(dir), fs.realpathSync(file)))) {
    throw new TfjsImportError(`${modelJsonPath}: weight shard "${manifestPath}" points outside the model's folder; only files saved beside model.json are read.`, 'shard-outside');
  }
  return file;
}

/**
 * Reads model.json and every weight shard it names, resolved next to it — or by `resolveShard`
 * (the shard's manifest path → a file path) when the files are not side by side, e.g. browser uploads.
 */
export function readTfjsArtifacts(modelJsonPath: string, resolveShard?: (manifestPath: string) => string): TfjsArtifacts {
  const label = modelJsonPath;
  if (!fs.existsSync(modelJsonPath)) throw new TfjsImportError(`${label}: file not found.`);
  const modelJson = parseModelJson(fs.readFileSync(modelJsonPath, 'utf8'), label);
  const dir = path.dirname(modelJsonPath);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const group of modelJson.weightsManifest ?? []) {
    for (const p of group.paths) {
      const file = resolveShard ? resolveShard(p) : shardBeside(modelJsonPath, p);
      if (!fs.existsSync(file)) {
        throw new TfjsImportError(`${label}: weight shard "${p}" is missing (looked for ${file}). Copy every file saved with model.json.`);
      }
      // a manifest can name anything: /dev/zero would be read for ever, a FIFO would block
      const st = fs.statSync(file);
      if (!st.isFile()) throw new TfjsImportError(`${label}: weight shard "${p}" is not a regular file.`, 'shard-not-file');
      total += st.size;
      if (total > MAX_WEIGHT_BYTES) throw new TfjsImportError(`${label}: the weight shards add up to more than ${MAX_WEIGHT_BYTES / 2 ** 30} GiB, which no TF.js model needs.`, 'too-large');
      parts.push(new Uint8Array(fs.readFileSync(file)));
    }
  }
  return { modelJson, weightData: concatBytes(parts), label };
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const PLAIN_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Decodes every weight to float32, undoing uint8/uint16 affine quantization and float16 storage. */
export function decodeWeights(a: TfjsArtifacts): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const bytes = a.weightData;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  for (const group of a.modelJson.weightsManifest ?? []) {
    for (const w of group.weights) {
      const count = w.shape.reduce((x, y) => x * y, 1);
      const q = w.quantization;
      const elemBytes = q ? QUANT_BYTES[q.dtype] : PLAIN_BYTES[w.dtype];
      if (!elemBytes) {
        throw new TfjsImportError(`${a.label}: weight "${w.name}" has unsupported ${q ? 'quantization' : ''} dtype "${q ? q.dtype : w.dtype}".`);
      }
      const n = count * elemBytes;
      if (off + n > bytes.byteLength) {
        throw new TfjsImportError(
          `${a.label}: weight shards are too short: "${w.name}" needs bytes ${off}..${off + n} but only ${bytes.byteLength} were found. Is a shard missing or truncated?`,
        );
      }
      const values = new Float32Array(count);
      if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
        const min = q.min ?? 0, scale = q.scale ?? 1;
        for (let i = 0; i < count; i++) {
          const v = q.dtype === 'uint8' ? bytes[off + i]! : dv.getUint16(off + 2 * i, true);
          values[i] = v * scale + min;
        }
      } else if (q && q.dtype === 'float16') {
        for (let i = 0; i < count; i++) values[i] = halfToFloat(dv.getUint16(off + 2 * i, true));
      } else if (w.dtype === 'float32') {
        for (let i = 0; i < count; i++) values[i] = dv.getFloat32(off + 4 * i, true);
      } else if (w.dtype === 'int32') {
        for (let i = 0; i < count; i++) values[i] = dv.getInt32(off + 4 * i, true);
      } else {
        for (let i = 0; i < count; i++) values[i] = bytes[off + i]!;
      }
      off += n;
      out.set(w.name, { shape: w.shape, values });
    }
  }
  if (off !== bytes.byteLength) {
    throw new TfjsImportError(`${a.label}: the weight shards hold ${bytes.byteLength} bytes but the manifest describes ${off}. The shards do not belong to this model.json.`);
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
