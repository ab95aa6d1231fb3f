import type { FileSource, ModelRecord, Preprocess } from '../../../shared/contract';
import { seenRunIds } from '../jobs/recovery';
import { api, fileSource } from '../../api';
import { store } from '../../state/store';
import { attempt, clearArea, report } from '../notices/service';
import { projectAtom } from '../project/atoms';
import { refreshProject } from '../project/service';
import { errorCode } from '../../../shared/errors';
import { addingDefaultAtom, addingModelAtom, duplicateModelAtom, embedNewModelAtom, inspectionsAtom, selectedModelIdAtom } from './atoms';

export function selectedModel(): ModelRecord | undefined {
  const id = store.get(selectedModelIdAtom);
  return store.get(projectAtom)?.models.find((m) => m.id === id);
}

/** The project's model with these bytes (sha256, or a prefix of it as the engine's message gives it). */
function modelWithSha(sha: string): ModelRecord | undefined {
  return sha ? store.get(projectAtom)?.models.find((m) => m.sha256.startsWith(sha)) : undefined;
}

/** Say that `fileName` is already `existing`, and offer to use it (ModelsPanel's notice). */
function offerExisting(fileName: string, existing: ModelRecord): void {
  clearArea('models');
  store.set(duplicateModelAtom, { fileName, modelId: existing.id, modelName: existing.name });
}

export async function addModel(source: FileSource, displayName: string, shards?: FileSource[]): Promise<void> {
  store.set(addingModelAtom, displayName);
  store.set(duplicateModelAtom, null);
  try {
    const embed = store.get(embedNewModelAtom);
    let exists: ModelRecord | undefined;
    const record = await attempt('models', `Could not add model "${displayName}"`, () =>
      api.invoke('model:add', shards?.length ? { source, embed, shards } : { source, embed }).catch((err: unknown) => {
        // the engine refuses the same bytes twice and names the sha256: offer the model already here
        if (errorCode(err) === 'model-exists') exists = modelWithSha(/sha256 ([0-9a-f]{8,64})/.exec((err as Error).message)?.[1] ?? '');
        throw err;
      }),
    );
    if (exists) return offerExisting(displayName, exists);
    if (!record) return;
    clearArea('models');
    store.set(selectedModelIdAtom, record.id);
    await refreshProject();
  } finally {
    store.set(addingModelAtom, null);
  }
}

/** Files up to this size are hashed in the page before uploading, so the same model is not sent twice. */
const HASH_BEFORE_UPLOAD = 512 * 2 ** 20;

async function sha256Hex(file: File): Promise<string | undefined> {
  if (file.size > HASH_BEFORE_UPLOAD || !globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function addModelFile(file: File): Promise<void> {
  store.set(addingModelAtom, file.name);
  // an .onnx file already in the project is not uploaded again: the person is offered the one there
  const sha = await sha256Hex(file).catch(() => undefined);
  const existing = sha ? modelWithSha(sha) : undefined;
  if (existing) {
    store.set(addingModelAtom, null);
    return offerExisting(file.name, existing);
  }
  const source = await attempt('models', `Could not read "${file.name}"`, () => fileSource(file));
  if (!source) return void store.set(addingModelAtom, null);
  await addModel(source, file.name);
}

/** What counts as part of a model when files are dropped: ONNX, TF.js model.json and its weight shards (old converters wrote shards without .bin). */
export const MODEL_FILES = /\.(onnx|json|bin)$|-shard\d+of\d+$/i;

/** The shard names a TF.js model.json lists, or null when the JSON is not a TF.js Layers model (metadata.json, labels…). */
async function tfjsShardNames(file: File): Promise<string[] | null> {
  try {
    const j = JSON.parse(await file.text()) as { modelTopology?: unknown; weightsManifest?: { paths?: string[] }[] };
    if (!j || typeof j !== 'object' || !j.modelTopology) return null;
    return (j.weightsManifest ?? []).flatMap((g) => g.paths ?? []).map((p) => decodeURIComponent(p).split('/').pop() ?? p);
  } catch {
    return null;
  }
}

/**
 * Several files picked, dropped or chosen as a folder: each .onnx is a model; each TF.js model.json takes
 * the weight shards its manifest names from the same set (uploads get random names, so the engine matches
 * them by name). Other files (metadata.json, READMEs) are left alone.
 */
export async function addModelFiles(files: File[]): Promise<void> {
  const onnx = files.filter((f) => /\.onnx$/i.test(f.name));
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  for (const f of onnx) await addModelFile(f);
  const models: { json: File; shards: File[] }[] = [];
  for (const json of jsons) {
    const names = await tfjsShardNames(json);
    if (names) models.push({ json, shards: files.filter((f) => f !== json && names.includes(f.name)) });
  }
  // no TF.js model among the JSON files: let the engine say what is wrong with the first one
  if (models.length === 0 && jsons[0] && onnx.length === 0) models.push({ json: jsons[0], shards: [] });
  if (models.length === 0 && onnx.length === 0) {
    report('models', `${files.map((f) => f.name).join(', ')}: no model here — choose an .onnx file, or a TF.js model.json together with its weight files`);
    return;
  }
  for (const { json, shards } of models) {
    store.set(addingModelAtom, json.name);
    const sources = await attempt('models', `Could not read "${json.name}" and its weights`, () => Promise.all([json, ...shards].map((f) => fileSource(f))));
    if (!sources) return void store.set(addingModelAtom, null);
    const [source, ...shardSources] = sources;
    await addModel(source!, json.name, shardSources);
  }
}

/** Embed an already-added model's bytes in the project, so the project travels without the file. */
export async function embedModel(modelId: string): Promise<void> {
  const r = await attempt('models', 'Could not embed the model', () => api.invoke('model:embed', { modelId }));
  if (r) await refreshProject();
}

/** Add the built-in InceptionV3 (built on first use; a failure says why in the models panel). */
export async function addDefaultModel(): Promise<void> {
  store.set(addingDefaultAtom, true);
  try {
    const r = await attempt('models', 'Could not add the default model', () => api.invoke('model:addDefault', {}));
    if (!r) return;
    clearArea('models');
    store.set(selectedModelIdAtom, r.id);
    await refreshProject();
  } finally {
    store.set(addingDefaultAtom, false);
  }
}

/** The built-in model's file name (importers/default-model.ts), so the panel can tell whether a project has it. */
export const isDefaultModel = (m: ModelRecord): boolean => /inceptionv3-mixed5-[0-9a-f]{16}\.onnx$/.test(m.path);

/** Electron: the native picker. Browser mode has no picker here; the panel uses a file input instead. */
export async function pickAndAddModel(): Promise<boolean> {
  if (!api.pickFile) return false;
  const path = await api.pickFile('model');
  if (path) await addModel({ kind: 'path', path }, path.split(/[\\/]/).pop() ?? path);
  return true;
}

/** "Use it": select the model already in the project instead of adding a copy. */
export function useExistingModel(): void {
  const d = store.get(duplicateModelAtom);
  store.set(duplicateModelAtom, null);
  if (d && store.get(projectAtom)?.models.some((m) => m.id === d.modelId)) store.set(selectedModelIdAtom, d.modelId);
}

export async function removeModel(modelId: string): Promise<void> {
  const ok = await attempt('models', 'Could not remove the model', () => api.invoke('model:remove', { modelId, seenRunIds: seenRunIds({ modelId }) }));
  if (ok === undefined) return;
  if (store.get(selectedModelIdAtom) === modelId) store.set(selectedModelIdAtom, null);
  const state = await refreshProject();
  if (state && !store.get(selectedModelIdAtom)) store.set(selectedModelIdAtom, state.models[0]?.id ?? null);
}

export async function setPreprocess(modelId: string, preprocess: Preprocess): Promise<boolean> {
  const r = await attempt('models', 'Could not save preprocessing', () => api.invoke('model:setPreprocess', { modelId, preprocess }));
  if (r) await refreshProject();
  return r !== undefined;
}

export async function setLabelsFromFile(modelId: string, file: File): Promise<void> {
  const source = await attempt('models', `Could not read "${file.name}"`, () => fileSource(file));
  if (!source) return;
  await setLabels(modelId, source, file.name);
}

export async function setLabels(modelId: string, source: FileSource | null, displayName: string): Promise<void> {
  const r = await attempt('models', source ? `Could not load labels "${displayName}"` : 'Could not clear labels', () =>
    api.invoke('model:setLabels', { modelId, source }),
  );
  if (r) {
    clearArea('models');
    await refreshProject();
  }
}

/** The ImageNet names that ship with the app, for a 1000/1001-way classifier without names (an older project's, or after Clear). */
export async function useBuiltInLabels(modelId: string): Promise<void> {
  const r = await attempt('models', 'Could not use the built-in ImageNet names', () => api.invoke('model:setLabels', { modelId, source: null, builtIn: true }));
  if (r) {
    clearArea('models');
    await refreshProject();
  }
}

export async function pickLabels(modelId: string): Promise<boolean> {
  if (!api.pickFile) return false;
  const path = await api.pickFile('labels');
  if (path) await setLabels(modelId, { kind: 'path', path }, path);
  return true;
}

export function inspectionKey(modelId: string, width: number, height: number): string {
  return `${modelId}@${width}x${height}`;
}

const inspecting = new Set<string>();

/** Layer shapes at another input size (the model's preprocess size), computed by the engine once per size. */
export async function loadInspection(modelId: string, width: number, height: number): Promise<void> {
  const key = inspectionKey(modelId, width, height);
  if (store.get(inspectionsAtom)[key] || inspecting.has(key)) return;
  inspecting.add(key);
  try {
    const d = await api.invoke('model:inspect', { modelId, width, height });
    store.set(inspectionsAtom, (m) => ({ ...m, [key]: { layers: d.layers } }));
  } catch (err) {
    store.set(inspectionsAtom, (m) => ({ ...m, [key]: { error: (err as Error).message } }));
  } finally {
    inspecting.delete(key);
  }
}
