// The name a TF.js model gets in the project. Every TF.js model is called "model.json", so the list
// would show a column of identical names; the Keras model's own name (or the folder it was saved in)
// is what a person recognises.
import * as path from 'node:path';
import type { ResolvedSource } from './sources';

// Names Keras/TF.js give a model nobody named: they say nothing about which model it is.
const GENERIC = /^(sequential|model|functional|keras_model|tfjs_model)(_\d+)?$/i;

/** The Keras model name in a model.json, when someone chose it (not "sequential_3"). */
export function kerasModelName(modelJson: Uint8Array | string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(typeof modelJson === 'string' ? modelJson : new TextDecoder().decode(modelJson));
  } catch {
    return undefined; // the importer reports a broken file; naming is not the place to fail
  }
  const topo = (json as { modelTopology?: Record<string, unknown> } | null)?.modelTopology;
  // tensorflowjs_converter from an .h5 nests the model under model_config; model.save() does not
  const model = (topo?.model_config ?? topo) as { config?: { name?: unknown } } | undefined;
  const name = model?.config?.name;
  if (typeof name !== 'string') return undefined;
  const t = name.trim();
  return t && !GENERIC.test(t) ? t : undefined;
}

/** The Keras model name, else the folder model.json sits in (files added by path), else the file name. */
export function tfjsModelName(src: ResolvedSource, modelJson: Uint8Array | string): string {
  const own = kerasModelName(modelJson);
  if (own) return own;
  if (!src.temporary) {
    const folder = path.basename(path.dirname(path.resolve(src.path)));
    if (folder && folder !== path.sep && !/^\.+$/.test(folder)) return folder;
  }
  return src.name;
}
