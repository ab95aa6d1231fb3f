// Reading the project for the Features tab: its featurevis runs, a layer's channel count, and the model's
// preprocessing as a run records it (part of every cache key).
import type { LayerInfo, ModelRecord, ProjectState, RunOf } from '../../../shared/contract';
import { runsOf } from '../run/runOf';
import type { PreprocessUsed } from './form';

export type FvRun = RunOf<'featurevis'>;

export function featurevisRuns(project: ProjectState): FvRun[] {
  return runsOf(project.runs, 'featurevis');
}

/** The channel count of a [1,C,H,W] (or NHWC) feature map; null for a layer without a spatial shape. */
export function channelCount(model: ModelRecord, layer: LayerInfo): number | null {
  if (layer.shape.length !== 4) return null;
  const c = model.preprocess.layout === 'NHWC' ? layer.shape[3] : layer.shape[1];
  return c && c > 0 ? c : null;
}

export function preprocessUsed(model: ModelRecord): PreprocessUsed {
  const p = model.preprocess;
  return { preset: p.preset, channelOrder: p.channelOrder, rangeMin: p.rangeMin, rangeMax: p.rangeMax, mean: p.mean, std: p.std };
}
