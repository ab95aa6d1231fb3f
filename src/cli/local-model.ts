// The model an in-process command (featurevis, style, tuning) runs: `--model FILE|default` and an optional
// `--preprocess PRESET`, as the model record the engine's recipes take. The built-in model brings its own
// preprocessing; a named preset replaces the pixel space but keeps the model's own input size.
import type { PresetName } from '../shared/pixels';
import { presetSpace } from '../shared/pixels';
import { fileModelRecord } from '../main/engine/featurevis/local';
import { DEFAULT_MODEL_PREPROCESS, resolveDefaultModel } from '../main/engine/importers/default-model';
import { openModel } from './common';

export async function localModel(modelSpec: string, preprocessName?: PresetName) {
  const file = modelSpec === 'default' ? await resolveDefaultModel() : modelSpec;
  const lm = openModel(file);
  const rec = await fileModelRecord(lm, modelSpec === 'default' ? DEFAULT_MODEL_PREPROCESS : undefined);
  if (preprocessName) rec.preprocess = { ...rec.preprocess, ...presetSpace(preprocessName), preset: preprocessName };
  return { file, lm, rec };
}
