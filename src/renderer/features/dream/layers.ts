// The layer a dream runs on, named BEFORE the run: the selected layer when it is a feature map, else the
// model's default — the engine's own rule (engine/dream/objective.ts defaultDreamLayer) read off the
// layer list the UI has: GoogLeNet's inception_4c/output, else the module outputs (Concat) about 60% of
// the way in, else activations 60% in. The UI always sends the layer it named, so what the person read
// is what runs even where the two rules might disagree.
import type { LayerInfo, ModelRecord } from '../../../shared/contract';
import { isFeatureMap } from '../../components/layerFilter';

const ACTIVATIONS = ['Relu', 'Add', 'Clip', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid'];

/** spatial: a feature map with more than one position (not a pooled [1,C,1,1] vector) */
function spatial(l: LayerInfo): boolean {
  return isFeatureMap(l) && (l.shape[2]! > 1 || l.shape[3]! > 1);
}

export function defaultDreamLayer(layers: readonly LayerInfo[]): string | null {
  if (layers.some((l) => l.name === 'inception_4c/output')) return 'inception_4c/output';
  const ordered = [...layers].sort((a, b) => a.order - b.order);
  const concats = ordered.filter((l) => l.opType === 'Concat' && spatial(l));
  const pool = concats.length >= 3 ? concats : ordered.filter((l) => ACTIVATIONS.includes(l.opType) && spatial(l));
  if (pool.length === 0) return ordered.find(spatial)?.name ?? null;
  return pool[Math.min(pool.length - 1, Math.floor(pool.length * 0.6))]!.name;
}

export interface DreamLayerChoice {
  /** the layer the dream will run on; null: the model has no feature map to dream on */
  layer: string | null;
  /** true when it is the model's default rather than the person's pick */
  isDefault: boolean;
  /** why the selected layer is not used, when one is selected */
  note?: string;
}

export function dreamLayerFor(model: ModelRecord | undefined, selected: string | null): DreamLayerChoice {
  if (!model) return { layer: null, isDefault: false };
  const info = selected ? model.description.layers.find((l) => l.name === selected) : undefined;
  if (info && isFeatureMap(info)) return { layer: info.name, isDefault: false };
  const fallback = defaultDreamLayer(model.description.layers);
  const note = info ? `${info.name} ${info.shape.length === 4 ? 'has no spatial positions' : 'is not a feature map'}; the default instead:` : undefined;
  return { layer: fallback, isDefault: true, ...(note ? { note } : {}) };
}
