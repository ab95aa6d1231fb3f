// Datasets in this process, for the CLI, the benchmark and the tests: the same recipe halves the app runs
// (prepare → the worker half under a JobControl → the run the host half saves), over a project file that is
// either given (--project) or kept in the app's data folder, one per (folder, model):
// <dataDir>/datasets/<folder name>-<hash of folder path and model sha>.fscope.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExecutionProviderName, ModelRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { DatasetStore } from '../../store/dataset';
import { ProjectStore } from '../../store/project';
import { dataDir } from '../../store/recent';
import { fileModelRecord, localEnv } from '../featurevis/local';
import type { JobControl } from '../jobs/control';
import type { LoadedModel } from '../onnx/inspect';
import { datasetIndexRecipe, prepareIndex } from '../recipes/dataset-index';
import type { RunOf } from '../../../shared/contract';
import { checkScan, scanFolder } from './scan';
import type { IndexOutput } from './indexer';

export interface LocalDataset {
  store: ProjectStore;
  rec: ModelRecord;
  datasetId: string;
  folder: string;
  close(): void;
}

/** The project file the CLI keeps a folder's index for a model in. */
export function defaultDatasetProject(folder: string, modelSha: string): string {
  const abs = path.resolve(folder);
  const h = createHash('sha256').update(`${abs}\n${modelSha}`).digest('hex').slice(0, 16);
  return path.join(dataDir(), 'datasets', `${path.basename(abs).replace(/[^\w.-]+/g, '_')}-${h}.fscope`);
}

/**
 * Open (or make) the project, the model in it (matched by content), and the folder as a dataset in it
 * (rescanned: new photos join). `create: false` only looks them up: queries need an existing index, not the folder.
 */
export async function openLocalDataset(o: { folder: string; lm: LoadedModel; project?: string; create: boolean }): Promise<LocalDataset> {
  const folder = path.resolve(o.folder);
  const file = o.project ? path.resolve(o.project) : defaultDatasetProject(folder, o.lm.sha256);
  let store: ProjectStore;
  if (fs.existsSync(file)) store = ProjectStore.open(file);
  else if (!o.create) throw new EngineError('not-indexed', `${folder} has not been indexed for ${o.lm.fileName} yet (no ${file}): run featurescope index first.`);
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    store = ProjectStore.create(file, path.basename(folder));
  }
  try {
    let rec = store.state().models.find((m) => m.sha256 === o.lm.sha256);
    if (!rec) {
      if (!o.create) throw new EngineError('not-indexed', `${file} has no model ${o.lm.fileName}: run featurescope index with it first.`);
      const r = await fileModelRecord(o.lm);
      rec = store.addModel({ name: r.name, path: r.path, sha256: r.sha256, description: r.description, preprocess: r.preprocess }, null);
    }
    let datasetId: string | undefined;
    if (o.create) {
      const scan = await scanFolder(folder);
      checkScan(scan);
      datasetId = DatasetStore.with(store.path, (ds) => ds.syncScan(scan.folder, path.basename(scan.folder), scan.files, scan.skipped));
    } else {
      datasetId = DatasetStore.with(store.path, (ds) => ds.datasetByFolder(folder));
      if (!datasetId) throw new EngineError('not-indexed', `${folder} is not a dataset in ${file}: run featurescope index first.`);
    }
    return { store, rec, datasetId, folder, close: () => store.close() };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** Index (or go on indexing) a local dataset: prepare, run under `control`, save the run. */
export async function indexLocally(d: LocalDataset, lm: LoadedModel, settings: unknown, control: JobControl, provider: ExecutionProviderName = 'cpu', threads?: number): Promise<{ output: IndexOutput; run?: RunOf<'datasetIndex'>; layers: string[]; indexId: string }> {
  const prepared = await prepareIndex({
    projectFile: d.store.path, datasetId: d.datasetId, rec: d.rec, model: lm.model,
    modelRef: { sha: lm.sha256, fileName: lm.fileName, ...(lm.path ? { path: lm.path } : {}) }, settings,
  });
  const env = localEnv(lm, provider, threads);
  try {
    const { output } = await datasetIndexRecipe.run(prepared.input, control, env);
    const host = { project: () => d.store, modelRef: () => prepared.input.model, engine: () => ({ setting: 'auto' as const, active: provider, available: [provider] }), fellBack: () => undefined };
    const saved = await datasetIndexRecipe.save(output, { kind: 'datasetIndex', datasetId: d.datasetId, modelId: d.rec.id, settings: {} }, prepared, host);
    const run = saved ? d.store.addRun<'datasetIndex'>(saved.run) : undefined;
    return { output, ...(run ? { run } : {}), layers: prepared.input.layers.map((l) => l.name), indexId: prepared.input.indexId };
  } finally {
    await env.dispose();
  }
}
