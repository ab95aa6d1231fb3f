// Adversarial actions: start a job from the form (paused, resumed and cancelled through the jobs feature),
// "continue in 8-bit space" from a result, export an image. The engine checks every setting again and
// names the bad one; the form's own checks only catch what can be said before asking it.
import type { RunOf } from '../../../shared/contract';
import { findClass } from '../../../shared/attribution-target';
import { api } from '../../api';
import { downloadBase64 } from '../../components/download';
import { store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea, report } from '../notices/service';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { advFormAtom, advJobIdAtom, advShownIdAtom, type AdversarialForm } from './atoms';

// Adversarial messages share the Run area's banners (the notices feature's areas are fixed).
const AREA = 'run' as const;

/** What the target box means: a class (index and label) or why it is not one yet. */
export function describeTarget(text: string, labels: readonly string[] | undefined): { index?: number; text: string } {
  const t = text.trim();
  if (!t) return { text: labels ? 'type a class name or index' : 'type a class index' };
  if (/^\d+$/.test(t)) {
    const index = Number(t);
    if (labels && index >= labels.length) return { text: `out of range: ${labels.length} classes` };
    return { index, text: labels ? `${index} · ${labels[index]}` : `class ${index}` };
  }
  if (!labels) return { text: 'this model has no class names: give the index, or load labels (Model tab)' };
  try {
    const index = findClass(t, labels);
    return { index, text: `${index} · ${labels[index]}` };
  } catch (e) {
    return { text: (e as Error).message };
  }
}

/** The form → the engine's settings: only what the method reads. Errors name the field. */
export function formSettings(f: AdversarialForm): Record<string, unknown> {
  const num = (label: string, v: string, integer: boolean): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new Error(`${label} must be ${integer ? 'a whole number' : 'a number'} (got "${v}")`);
    return n;
  };
  if (f.targetMode === 'class' && !f.target.trim()) throw new Error('Target: type a class name or index, or choose "any other class"');
  const target = f.targetMode === 'any' ? 'any' : /^\d+$/.test(f.target.trim()) ? Number(f.target.trim()) : f.target.trim();
  const common = { target, method: f.method, stepSize: num('Step size', f.stepSize, false), steps: num('Steps', f.steps, true), space: f.space };
  return f.method === 'pgd' ? { ...common, eps: num('ε', f.eps, false), minEps: f.minEps } : common;
}

async function start(args: { modelId: string; photoId: string; fromRunId?: string; settings: Record<string, unknown> }): Promise<void> {
  const job = await attempt(AREA, 'Could not start the adversarial example', () => api.invoke('job:start', { kind: 'adversarial', ...args }));
  if (!job) return;
  clearArea(AREA);
  store.set(advJobIdAtom, job.id);
  trackJob(job);
}

export async function runAdversarial(): Promise<void> {
  const modelId = store.get(selectedModelIdAtom);
  const photoId = store.get(selectedPhotoIdAtom);
  if (!modelId) return report(AREA, 'Add or select a model first.');
  if (!photoId) return report(AREA, 'Add or select a photo first.');
  let settings: Record<string, unknown>;
  try {
    settings = formSettings(store.get(advFormAtom));
  } catch (e) {
    return report(AREA, (e as Error).message);
  }
  await start({ modelId, photoId, settings });
}

/**
 * Go on from a result in 8-bit space: the model then sees whole pixel levels after every step, so what
 * it is fooled by is exactly the PNG that is saved. The ε-box stays around the original photo; a PGD
 * result's ε is rounded up to whole levels.
 */
export async function continueIn8bit(run: RunOf<'adversarial'>): Promise<void> {
  if (!run.photoId) return report(AREA, 'This run has no photo to go on from.');
  const s = run.settings.adversarial;
  const settings = {
    // whole levels: an ε of 1.19 allows only 1 level either way, so the budget rounds up to cover what fooled the model
    target: s.target, method: s.method, eps: s.method === 'pgd' ? Math.max(1, Math.ceil(run.result.epsUsed - 1e-9)) : s.eps, stepSize: s.stepSize, steps: s.steps,
    loss: s.loss, space: '8bit', seed: s.seed,
  };
  await start({ modelId: run.modelId, photoId: run.photoId, fromRunId: run.id, settings });
}

export async function exportAdversarial(runId: string, image: 'adversarial' | 'original' | 'difference'): Promise<void> {
  const file = await attempt(AREA, 'Could not export the PNG', () => api.invoke('adversarial:export', { runId, image }));
  if (file) downloadBase64(file);
}

export function showAdversarial(runId: string): void {
  store.set(advShownIdAtom, runId);
}
