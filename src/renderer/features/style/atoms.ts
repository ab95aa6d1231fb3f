// The Style tab's state: the form as typed, the jobs this tab started last (neural style, fast style), the
// run shown, the live loss curves of style jobs (filled from their progress messages by ./live.ts), and the
// fast-style form.
import { atom } from '../../state/store';
import type { LossCurve } from './curve';
import { DEFAULT_FORM, type StyleForm } from './form';

export const styleFormAtom = atom<StyleForm>(DEFAULT_FORM);
/** the style job this tab started last: its preview, loss curve, progress and Pause / Resume / Cancel */
export const styleJobIdAtom = atom<string | null>(null);
/** the style run shown (picked in the strip below, or the one a job just saved) */
export const styleShownIdAtom = atom<string | null>(null);
/** job id → its loss curve so far */
export const styleCurvesAtom = atom<Record<string, LossCurve>>({});
/** the form shows the layer lists for editing (else: the preset's, read-only) */
export const styleLayersOpenAtom = atom(false);

export interface StylizeForm {
  /** photos to stylize; empty: the photo selected in the sidebar */
  photoIds: string[];
  /** the output's long side; empty: each photo's own size */
  size: string;
  overlap: string;
}

export const DEFAULT_STYLIZE_FORM: StylizeForm = { photoIds: [], size: '', overlap: '64' };
export const stylizeFormAtom = atom<StylizeForm>(DEFAULT_STYLIZE_FORM);
export const stylizeJobIdAtom = atom<string | null>(null);
export const stylizeShownIdAtom = atom<string | null>(null);
