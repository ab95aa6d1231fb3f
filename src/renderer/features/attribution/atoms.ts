import type { ColormapName, SignMode } from '../../../shared/colormap';
import { atom } from '../../state/store';

export type MethodName = 'saliency' | 'gradxinput' | 'smoothgrad' | 'ig' | 'guided' | 'deconvnet' | 'gradcam' | 'guided-gradcam' | 'occlusion';

/** The form: plain settings as the engine's attribution schema reads them (the engine fills defaults). */
export interface AttributionForm {
  method: MethodName;
  /** as typed: empty/top1, a class index or name, LAYER:CHANNEL, LAYER:CHANNEL:Y:X */
  target: string;
  samples: number;
  noiseLevel: number;
  inner: 'saliency' | 'gradxinput' | 'ig' | 'guided' | 'deconvnet';
  steps: number;
  baseline: 'black' | 'blurred' | 'noise';
  layer: string;
  window: number;
  stride: number;
  baselineValue: number;
}

export const DEFAULT_FORM: AttributionForm = {
  method: 'saliency', target: '', samples: 25, noiseLevel: 0.15, inner: 'saliency', steps: 32, baseline: 'black',
  layer: '', window: 32, stride: 16, baselineValue: 0,
};

/**
 * How a map is drawn: `overlay` (alpha grows with |value|: unimportant pixels leave the photo as it is),
 * `blend` (Captum's blended_heat_map: the whole map at the opacity over a grey photo — sparse gradient
 * maps stay readable), `map` (the map alone, no photo).
 */
export type MapView = 'overlay' | 'blend' | 'map';

export interface DisplayOptions {
  view: MapView;
  /** percent of the largest |values| clipped before scaling (Captum's `outlier_perc`, default 2) */
  clip: number;
  /** one map, as large as the pane, without the run list */
  large: boolean;
  /** 'auto': the method's natural mode (signed for IG / grad×input / occlusion, magnitude for gradients) */
  signMode: SignMode | 'auto';
  colormap: ColormapName | 'auto';
  opacity: number;
}

export const formAtom = atom<AttributionForm>(DEFAULT_FORM);
export const displayAtom = atom<DisplayOptions>({ view: 'blend', clip: 2, large: false, signMode: 'auto', colormap: 'auto', opacity: 0.7 });
/** the attribution job this tab started last: its progress and Pause / Resume / Cancel show above the map */
export const attrJobIdAtom = atom<string | null>(null);
/** the attribution run shown large */
export const shownRunIdAtom = atom<string | null>(null);
/** runs ticked for side-by-side comparison */
export const compareIdsAtom = atom<string[]>([]);
/** run id → its channel-summed map, fetched once */
export const mapsAtom = atom<Record<string, { width: number; height: number; data: Float32Array }>>({});
/** photo id → full-size-ish image (data: URL) to draw maps on */
export const photosAtom = atom<Record<string, string>>({});
