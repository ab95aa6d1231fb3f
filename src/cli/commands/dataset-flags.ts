// What the three dataset commands (index, examples, neighbours) share: `-k N` as a short flag, the model
// and dataset flags, and opening the index they name.
import { openModel } from '../common';
import { stringFlag, UsageError, type ParsedFlags } from './types';
import type { LoadedModel } from '../../main/engine/onnx/inspect';
import { openLocalDataset, type LocalDataset } from '../../main/engine/dataset/local';

/** `-k 9` → `--k 9` (the spelling; the generic parser knows long flags only). */
export function expandShortK(argv: string[]): string[] {
  return argv.map((a) => (a === '-k' ? '--k' : a.startsWith('-k=') ? `--k=${a.slice(3)}` : a));
}

export function modelFlag(f: ParsedFlags): LoadedModel {
  const file = stringFlag(f, 'model');
  if (!file) throw new UsageError('--model is required (the .onnx model the dataset is indexed for)');
  return openModel(file);
}

/** --dataset <folder> (+ --project) of an indexed dataset, for the query commands. */
export async function indexedDataset(f: ParsedFlags, lm: LoadedModel): Promise<LocalDataset> {
  const folder = stringFlag(f, 'dataset');
  if (!folder) throw new UsageError('--dataset <folder> is required (the folder given to featurescope index)');
  const project = stringFlag(f, 'project');
  return openLocalDataset({ folder, lm, create: false, ...(project ? { project } : {}) });
}
