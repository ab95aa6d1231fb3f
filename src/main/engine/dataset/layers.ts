// Which layers an index keeps, checked against the model: named ones, or a preset's few. Each must be a
// spatial feature map [1, C, H, W] whose receptive field is known (the patches are cut with it).
import type { ModelDescription, Preprocess } from '../../../shared/contract';
import type { DatasetIndexSettings, DatasetLayerInfo } from '../../../shared/dataset';
import { EngineError } from '../../../shared/errors';
import type { Model } from '../onnx/model';
import { FieldError, receptiveField } from './receptive-field';

/** The preset's layer names for a model (see DATASET_PRESETS in src/shared/dataset.ts). */
export function presetLayers(d: ModelDescription, preset: DatasetIndexSettings['preset']): string[] {
  const maps = d.layers.filter((l) => l.shape.length === 4 && !l.preActivation && l.shape[2]! > 1 && l.shape[3]! > 1);
  if (maps.length === 0) throw new EngineError('not-spatial', `${d.fileName} has no spatial feature maps ([1, C, H, W] with H, W > 1) to index.`);
  const concats = maps.filter((l) => l.opType === 'Concat');
  const relus = maps.filter((l) => l.opType === 'Relu');
  const pool = concats.length >= 3 ? concats : relus.length >= 3 ? relus : maps;
  if (preset === 'last') return [pool[pool.length - 1]!.name];
  if (preset === 'blocks') return (concats.length ? concats : pool).slice(-12).map((l) => l.name);
  const n = pool.length;
  // early enough for small patches (GoogLeNet: inception_3b, the Curve Detectors layer), the middle, the last
  return [...new Set([0.15, 0.5, 1].map((t) => pool[Math.round(t * (n - 1))]!.name))];
}

/** The index's layers with their map sizes and receptive fields at the preprocessing's size. */
export function indexLayers(model: Model, d: ModelDescription, pre: Preprocess, s: DatasetIndexSettings): DatasetLayerInfo[] {
  if (pre.layout !== 'NCHW') throw new EngineError('unsupported-layout', `${d.fileName} takes NHWC input; dataset indexing reads NCHW feature maps only.`);
  const names = s.layers ?? presetLayers(d, s.preset);
  return names.map((name) => {
    const info = d.layers.find((l) => l.name === name);
    if (!info) throw new EngineError('no-such-layer', `${d.fileName} has no layer "${name}".`);
    if (info.shape.length !== 4) throw new EngineError('not-spatial', `Layer "${name}" of ${d.fileName} is not spatial (shape [${info.shape.join(', ')}]): dataset examples need a feature map [1, C, H, W].`);
    let f;
    try {
      f = receptiveField(model, d.imageInput, name, pre.height, pre.width);
    } catch (e) {
      if (e instanceof FieldError) throw new EngineError(e.code, `${d.fileName}: ${e.message}`);
      throw e;
    }
    return { name, channels: info.shape[1]!, height: f.mapSize[0], width: f.mapSize[1], field: { size: f.size, stride: f.stride, offset: f.offset } };
  });
}
