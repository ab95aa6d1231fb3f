// The Features tab's settings form, as typed (strings where a field may be left empty), and what it
// means: the render settings every featurevis job of this tab sends, and the cache key its results are
// found under again. The key holds every setting that changes the picture — size, steps, parameterization,
// colour, transforms, learning rate, penalties, and the model's preprocessing (rendered through another
// value range, an image means something else) — but not the items, the batch (how many items share one
// compiled run) or a seed left empty.
import {
  FEATUREVIS_PRESETS, featurevisSettingsSchema, resolvedRender,
  type FeaturevisSettings, type FeaturevisSettingsInput,
} from '../../../shared/jobs/featurevis';

export type FvParam = 'fourier' | 'pixel' | 'maco';

export interface FvForm {
  preset: 'quick' | 'full';
  /** e.g. "0-7,12"; empty: every channel of the layer */
  channels: string;
  param: FvParam;
  decorrelate: boolean;
  /** empty: the preset's */
  size: string;
  steps: string;
  batch: string;
  lr: string;
  /** Lucid's standard transforms (pad, jitter, scale, rotate) on, or none */
  transforms: boolean;
  /** empty: drawn per run and recorded with it */
  seed: string;
}

export const DEFAULT_FORM: FvForm = {
  preset: 'quick', channels: '', param: 'fourier', decorrelate: true, size: '', steps: '', batch: '', lr: '0.05', transforms: true, seed: '',
};

/** What "transforms off" sends: every transform's amount at zero / empty. */
export const NO_TRANSFORMS = { pad: 0, jitter: 0, jitterAfter: 0, scales: [] as number[], angles: [] as number[] };

/** The preprocessing a run records (src/shared/jobs/featurevis.ts: featurevisRunSettingsSchema.preprocess). */
export interface PreprocessUsed {
  preset: string;
  channelOrder: 'RGB' | 'BGR';
  rangeMin: number;
  rangeMax: number;
  mean: readonly number[];
  std: readonly number[];
}

export type RenderSettings = Omit<FeaturevisSettingsInput, 'items'>;

function number(label: string, v: string, o: { integer?: boolean; optional?: boolean } = {}): number | undefined {
  const t = v.trim();
  if (!t && o.optional) return undefined;
  const n = Number(t);
  if (!t || !Number.isFinite(n) || (o.integer && !Number.isInteger(n))) throw new Error(`${label} must be ${o.integer ? 'a whole number' : 'a number'} (got "${v}")`);
  return n;
}

/** Form → the settings every job of this form sends (without its items). Errors name the field. */
export function formSettings(f: FvForm): RenderSettings {
  const size = number('Size', f.size, { integer: true, optional: true });
  const steps = number('Steps', f.steps, { integer: true, optional: true });
  const batch = number('Batch', f.batch, { integer: true, optional: true });
  const seed = number('Seed', f.seed, { integer: true, optional: true });
  const s: RenderSettings = {
    preset: f.preset, param: f.param, decorrelate: f.decorrelate, lr: number('Learning rate', f.lr),
    ...(size !== undefined ? { size } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(batch !== undefined ? { batch } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(f.transforms ? {} : { transforms: NO_TRANSFORMS }),
  };
  // The engine checks again; checking here names the field before anything is queued.
  const r = featurevisSettingsSchema.safeParse({ ...s, items: [PLACEHOLDER_ITEM] });
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${FIELD_NAMES[String(issue?.path[0])] ?? issue?.path.join('.')}: ${issue?.message}`);
  }
  return s;
}

const FIELD_NAMES: Record<string, string> = { size: 'Size', steps: 'Steps', batch: 'Batch', lr: 'Learning rate', seed: 'Seed' };
const PLACEHOLDER_ITEM = { terms: [{ target: { kind: 'layer', layer: 'x' } }] } as const;

/** The form's settings with the schema's defaults filled in and the preset resolved, as a run would record them. */
export function resolvedFormSettings(f: FvForm): FeaturevisSettings & { size: number; steps: number; batch: number } {
  const s = featurevisSettingsSchema.parse({ ...formSettings(f), items: [PLACEHOLDER_ITEM] });
  return { ...s, ...resolvedRender(s) };
}

/** The settings that decide a picture, as a run records them (size and steps resolved). */
export type KeySettings = Pick<FeaturevisSettings, 'param' | 'decorrelate' | 'transforms' | 'lr' | 'l1' | 'tv' | 'blur' | 'redirectedReluSteps' | 'photoId' | 'stayClose' | 'spectrumPhotoIds'> & {
  size: number;
  steps: number;
  preprocess: PreprocessUsed;
};

/** One string per distinct picture-deciding setting (fields in a fixed order, so equal settings give equal keys). */
export function settingsKey(s: KeySettings): string {
  const t = s.transforms;
  const p = s.preprocess;
  return JSON.stringify([
    s.size, s.steps, s.param, s.decorrelate, [t.pad, t.jitter, t.jitterAfter, t.scales, t.angles], s.lr, s.l1, s.tv, s.blur,
    s.redirectedReluSteps, s.photoId ?? null, s.stayClose, s.spectrumPhotoIds ?? null,
    [p.preset, p.channelOrder, p.rangeMin, p.rangeMax, [...p.mean], [...p.std]],
  ]);
}

/** The cache key of what this form renders on a model with this preprocessing. Throws like formSettings. */
export function formKey(f: FvForm, preprocess: PreprocessUsed): string {
  return settingsKey({ ...resolvedFormSettings(f), preprocess });
}

/** The seed the form asks for, or undefined (any seed matches). Throws like formSettings. */
export function formSeed(f: FvForm): number | undefined {
  return number('Seed', f.seed, { integer: true, optional: true });
}

/** The size, steps and batch the form resolves to (for labels and the split into jobs); null while a field is invalid. */
export function formRender(f: FvForm): { size: number; steps: number; batch: number } | null {
  try {
    const s = resolvedFormSettings(f);
    return { size: s.size, steps: s.steps, batch: s.batch };
  } catch {
    return null;
  }
}

function sameTransforms(a: KeySettings['transforms'], b: KeySettings['transforms']): boolean {
  return JSON.stringify([a.pad, a.jitter, a.jitterAfter, a.scales, a.angles]) === JSON.stringify([b.pad, b.jitter, b.jitterAfter, b.scales, b.angles]);
}

const DEFAULT_TRANSFORMS = featurevisSettingsSchema.shape.transforms.parse(undefined);

/** "quick · 64 px · 64 steps", plus whatever differs from Lucid's defaults. */
export function settingsLabel(s: KeySettings & { preset: string }): string {
  const parts = [s.preset, `${s.size} px`, `${s.steps} steps`];
  if (s.param !== 'fourier') parts.push(s.param);
  if (!s.decorrelate) parts.push('no colour decorrelation');
  if (sameTransforms(s.transforms, NO_TRANSFORMS)) parts.push('no transforms');
  else if (!sameTransforms(s.transforms, DEFAULT_TRANSFORMS)) parts.push('custom transforms');
  if (s.lr !== 0.05) parts.push(`lr ${s.lr}`);
  if (s.l1 || s.tv || s.blur) parts.push('penalties');
  if (s.photoId) parts.push('from a photo');
  if (s.spectrumPhotoIds?.length) parts.push('spectrum of photos');
  return parts.join(' · ');
}

/**
 * A run's settings back in the form (keeping the form's channels and batch, clearing its seed), or null when
 * the run used settings this form cannot express (CLI runs with custom transforms or penalties): loading
 * those would render something else under their name.
 */
export function formFromSettings(s: KeySettings & { preset: string }, current: FvForm): FvForm | null {
  const preset = s.preset === 'quick' ? 'quick' : 'full';
  const p = FEATUREVIS_PRESETS[preset];
  const f: FvForm = {
    ...current, preset, param: s.param, decorrelate: s.decorrelate, lr: String(s.lr), seed: '',
    size: s.size === p.size ? '' : String(s.size),
    steps: s.steps === p.steps ? '' : String(s.steps),
    transforms: !sameTransforms(s.transforms, NO_TRANSFORMS),
  };
  try {
    return formKey(f, s.preprocess) === settingsKey(s) ? f : null;
  } catch {
    return null;
  }
}
