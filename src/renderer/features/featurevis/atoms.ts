import type { ModelFilters } from '../../../shared/contract';
import { atom } from '../../state/store';
import { parseUnitHash, type UnitAddress } from './address';
import type { Variant } from './cache';
import { DEFAULT_FORM, type FvForm } from './form';

export const fvFormAtom = atom<FvForm>(DEFAULT_FORM);
/** the "settings" disclosure under the presets */
export const fvSettingsOpenAtom = atom(false);

/** The unit page shown, or null for the layer grid. Starts from the page's address, so a #unit/… link opens it. */
export const fvUnitAtom = atom<UnitAddress | null>(typeof location === 'undefined' ? null : parseUnitHash(location.hash));

/** What a featurevis job this window started renders: the unit images it will add to the cache. */
export interface FvJob {
  modelId: string;
  layer: string;
  variant: Variant;
  channels: number[];
  /** settings key (form.ts) and the seed asked for, if any */
  key: string;
  seed?: number;
}

/** job id → what it renders (jobs of this window; after a reload the Jobs panel still lists them) */
export const fvJobsAtom = atom<Record<string, FvJob>>({});
/** renderKey(model, layer, settings key) → the job ids of the layer's latest "Render layer", in queue order */
export const fvLayerRendersAtom = atom<Record<string, string[]>>({});
/** "Render layer" is queueing its jobs */
export const fvQueueingAtom = atom(false);
/** model id → its first convolution's filters (null: none reads the image), or why they could not be read */
export const fvFiltersAtom = atom<Record<string, ModelFilters | null | { error: string }>>({});
/** activation jobs started from a unit page: job id → what they compute (the page shows them as pending) */
export const fvActivationJobsAtom = atom<Record<string, { modelId: string; photoId: string; layer: string }>>({});
/**
 * The person changed a setting in this window. Until then the pages show a layer or unit with the settings
 * it was last rendered with (service.ts: adoptSavedSettings), so a reopened project shows its images at once.
 */
export const fvFormTouchedAtom = atom(false);
