// Model importers: other formats → the plain-data ONNX Model the rest of the engine works on.
import { encodeModel, type Model } from '../onnx/model';
import { readTfjsArtifacts, type TfjsArtifacts } from './tfjs/artifacts';
import { convertTfjs, type ConvertOptions } from './tfjs/convert';

export { TfjsImportError, parseModelJson, readTfjsArtifacts, type TfjsArtifacts, type TfjsModelJson } from './tfjs/artifacts';
export { convertTfjs, type ConvertOptions, type ConvertResult } from './tfjs/convert';
export {
  DEFAULT_DREAM_LAYERS, DEFAULT_MODEL_NAME, DEFAULT_MODEL_PREPROCESS, DefaultModelError, ensureDefaultModel, resolveDefaultModel,
  type DefaultModelInfo,
} from './default-model';

export interface ImportResult {
  model: Model;
  /** the encoded ONNX file */
  bytes: Uint8Array;
  warnings: string[];
}

export interface ImportOptions extends ConvertOptions {
  /** where a weight shard named in the manifest lives, when not next to model.json (uploads) */
  resolveShard?: (manifestPath: string) => string;
}

/** Converts a TF.js Layers model.json (with its weight shards beside it) to ONNX. */
export async function importTfjsModel(modelJsonPath: string, opts: ImportOptions = {}): Promise<ImportResult> {
  return importTfjsArtifacts(readTfjsArtifacts(modelJsonPath, opts.resolveShard), opts);
}

/** True when the file looks like a TF.js model.json rather than an ONNX file (by name, then content). */
export function isTfjsModelJson(fileName: string, head?: Uint8Array): boolean {
  if (/\.json$/i.test(fileName)) return true;
  if (!head) return false;
  const text = new TextDecoder().decode(head.subarray(0, 256)).trimStart();
  return text.startsWith('{') && text.includes('"modelTopology"');
}

/** Same, from artifacts already in memory (browser uploads, `model.save` IO handlers, nsfwjs bundles). */
export async function importTfjsArtifacts(a: TfjsArtifacts, opts: ConvertOptions = {}): Promise<ImportResult> {
  const { model, warnings } = convertTfjs(a, opts);
  return { model, bytes: encodeModel(model), warnings };
}
