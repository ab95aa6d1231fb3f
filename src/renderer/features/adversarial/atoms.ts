// The Adversarial tab's state: the form as typed (strings, checked when Run is pressed), the job this tab
// started last, and the run shown.
import { atom } from '../../state/store';

export interface AdversarialForm {
  /** 'class': the class typed below; 'any': any class but the photo's own (untargeted) */
  targetMode: 'class' | 'any';
  /** a class name (search in the model's labels) or an index */
  target: string;
  method: 'pgd' | 'fool';
  eps: string;
  stepSize: string;
  steps: string;
  minEps: boolean;
  space: 'float' | '8bit';
}

/** Per method, what the number boxes start at (the engine's defaults, src/shared/jobs/adversarial.ts). */
export const METHOD_FORM: Record<AdversarialForm['method'], Pick<AdversarialForm, 'stepSize' | 'steps'>> = {
  pgd: { stepSize: '0.5', steps: '20' },
  fool: { stepSize: '60', steps: '100' },
};

export const DEFAULT_FORM: AdversarialForm = { targetMode: 'class', target: '', method: 'pgd', eps: '2', ...METHOD_FORM.pgd, minEps: false, space: 'float' };

export const advFormAtom = atom<AdversarialForm>(DEFAULT_FORM);
/** the adversarial job this tab started last: its progress, preview and Pause / Resume / Cancel */
export const advJobIdAtom = atom<string | null>(null);
/** the run shown (picked in the list below the form) */
export const advShownIdAtom = atom<string | null>(null);
