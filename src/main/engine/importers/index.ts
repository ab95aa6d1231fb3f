// Model importers: other formats → the plain-data ONNX Model the rest of the engine works on.
import { encodeModel, type Model } from '../onnx/model';
import { readTfjsArtifacts, type TfjsArtifacts } from './tfjs/artifacts';
import { convertTfjs, type ConvertOptions } from './tfjs/convert';

export { TfjsImportError, parseModelJson, readTfjsArtifacts, type TfjsArtifacts, type TfjsModelJson } from './tfjs/artifacts';
export { convertTfjs, type ConvertOptions, type ConvertResult } from './tfjs/convert';

export interface ImportResult {
  model: Model;
  /** the encoded ONNX file */
  bytes: Uint8Array;
  warnings: string[];
}

/** Converts a TF.js Layers model.json (with its weight shards beside it) to ONNX. */
export async function importTfjsModel(modelJsonPath: string, opts: ConvertOptions = {}): Promise<ImportResult> {
  return importTfjsArtifacts(readTfjsArtifacts(modelJsonPath), opts);
}

/** Same, from artifacts already in memory (browser uploads, `model.save` IO handlers, nsfwjs bundles). */
export async function importTfjsArtifacts(a: TfjsArtifacts, opts: ConvertOptions = {}): Promise<ImportResult> {
  const { model, warnings } = convertTfjs(a, opts);
  return { model, bytes: encodeModel(model), warnings };
}
