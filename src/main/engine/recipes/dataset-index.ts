// Recipe 'datasetIndex': index a dataset folder for a model (src/main/engine/dataset). Host half: rescan the
// folder (new photos join, vanished ones are marked), check the layers, find or make the index of these
// settings. Worker half: batches committed one transaction each straight into the project file, so a
// cancel, a crash or a killed engine loses at most the batch in flight and the next job goes on from there.
// The saved run is a summary; the index itself lives in the dataset tables.
import * as path from 'node:path';
import type { ModelRecord } from '../../../shared/contract';
import { parseDatasetIndexSettings, type DatasetIndexSettings } from '../../../shared/dataset';
import { EngineError } from '../../../shared/errors';
import { DatasetStore } from '../../store/dataset';
import type { ExecutionProviderName } from '../../../shared/contract';
import { Cancelled } from '../jobs/control';
import type { ModelRef } from '../jobs/protocol';
import type { Model } from '../onnx/model';
import { runIndex, type IndexInput, type IndexOutput } from '../dataset/indexer';
import { indexLayers } from '../dataset/layers';
import { scanFolder } from '../dataset/scan';
import { hostModel } from './featurevis';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';

interface Input extends IndexInput {
  datasetId: string;
  folder: string;
  settings: DatasetIndexSettings;
}

/** Rescan the dataset's folder into the project (one transaction); returns the dataset's id. */
export async function rescanDataset(projectFile: string, folder: string): Promise<string> {
  const scan = await scanFolder(folder);
  return DatasetStore.with(projectFile, (ds) => ds.syncScan(scan.folder, path.basename(scan.folder), scan.files, scan.skipped));
}

/** The host half, for the engine's job runtime and for the CLI (same checks, same index). */
export async function prepareIndex(o: { projectFile: string; datasetId: string; rec: ModelRecord; model: Model; modelRef: ModelRef; settings: unknown }): Promise<{ title: string; input: Input }> {
  let settings: DatasetIndexSettings;
  try {
    settings = parseDatasetIndexSettings(o.settings);
  } catch (e) {
    throw new EngineError('bad-args', (e as Error).message);
  }
  const folder = DatasetStore.with(o.projectFile, (ds) => ds.info(o.datasetId).folder);
  await rescanDataset(o.projectFile, folder);
  const d = o.rec.description, pre = o.rec.preprocess;
  const layers = indexLayers(o.model, d, pre, settings);
  const input = d.inputs.find((x) => x.name === d.imageInput);
  const channels = input?.shape[1] === 1 ? 1 : 3;
  const { indexId, pending, indexed } = DatasetStore.with(o.projectFile, (ds) => {
    const id = ds.ensureIndex(o.datasetId, o.rec.id, layers, settings.k, settings.bins, pre);
    return { indexId: id, pending: ds.pendingCount(id), indexed: ds.indexedCount(id) };
  });
  if (pending === 0 && indexed === 0) {
    const info = DatasetStore.with(o.projectFile, (ds) => ds.info(o.datasetId));
    throw new EngineError('no-photos', `The dataset ${folder} has no readable photos to index${info.unreadable ? ` (${info.unreadable} unreadable, e.g. ${info.unreadableSample.slice(0, 2).map((u) => `${u.path}: ${u.reason}`).join('; ')})` : ''}.`);
  }
  return {
    title: `Index ${path.basename(folder)} for ${o.rec.name} (${layers.map((l) => l.name).join(', ')})`,
    input: {
      projectFile: o.projectFile, indexId, model: o.modelRef, input: d.imageInput, channels, preprocess: pre, layers,
      k: settings.k, bins: settings.bins, batch: settings.batch, datasetId: o.datasetId, folder, settings,
    },
  };
}

export const datasetIndexRecipe: Recipe<'datasetIndex', Input, IndexOutput> = {
  kind: 'datasetIndex',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const modelRef = jobModelRef(store, rec);
    return prepareIndex({ projectFile: store.path, datasetId: spec.datasetId, rec, model: hostModel(store, rec), modelRef, settings: spec.settings });
  },

  async run(i, ctl, env) {
    const out = await runIndex(i, ctl, env);
    // cancelled before a batch was written: nothing happened worth a record
    if (out.status === 'cancelled' && out.indexedNow === 0 && out.unreadableNow === 0) throw new Cancelled();
    return { output: out };
  },

  async save(o, spec, prepared, host) {
    const i = prepared.input;
    if (o.fallbackReason) host.fellBack(o.fallbackReason);
    return {
      run: {
        kind: 'datasetIndex', modelId: spec.modelId,
        settings: { datasetId: i.datasetId, indexId: i.indexId, folder: i.folder, layers: i.layers.map((l) => l.name), k: i.k, bins: i.bins, batch: i.batch },
        result: {
          indexedNow: o.indexedNow, indexed: o.indexed, pending: o.pending, unreadableNow: o.unreadableNow, imagesPerSecond: o.imagesPerSecond,
          timings: { decodeWaitMs: o.timings.decodeWaitMs, forwardMs: o.timings.forwardMs, reduceMs: o.timings.reduceMs, writeMs: o.timings.writeMs },
        },
        status: o.status, provider: o.provider as ExecutionProviderName, durationMs: o.timings.totalMs,
      },
      artifacts: [],
    };
  },
};
