// Feature visualization settings: the settings of a job of kind 'featurevis' (Lucid / Lucent's render_vis
// as data). A job renders a list of items — one image each, rendered `batch` at a time through one compiled
// gradient graph — where an item is a weighted sum of targets (objective arithmetic; a negative weight
// minimizes). A layer grid is one job whose items are the layer's channels; a unit page's positive,
// negative and diversity images are jobs of one to four items.
import { z } from 'zod';

const layer = z.string().min(1).max(1000);
const index = z.number().int().min(0);

/** What one term maximizes. `layer` may end in `:pre` (the pre-activation, where a ReLU would zero the signal). */
export const featureTargetSchema = z.discriminatedUnion('kind', [
  /** mean over positions of one channel */
  z.object({ kind: z.literal('channel'), layer, channel: index }),
  /** one unit; x/y default to the centre of the layer's map */
  z.object({ kind: z.literal('neuron'), layer, channel: index, x: index.optional(), y: index.optional() }),
  /** the whole layer: DeepDream's mean of squares */
  z.object({ kind: z.literal('layer'), layer }),
  /**
   * a class: its logit (score absent or 'logit') or its softmax probability. `layer` names the logits tensor; default: the
   * model's classifier output (when that output is a Softmax, its input is the logits).
   */
  z.object({ kind: z.literal('class'), index, layer: layer.optional(), score: z.enum(['logit', 'probability']).optional() }),
  /** a direction in a layer's channel space (one weight per channel), averaged over positions */
  z.object({ kind: z.literal('direction'), layer, vector: z.array(z.number().finite()).min(1).max(65536) }),
]);
export type FeatureTarget = z.infer<typeof featureTargetSchema>;

export const featureItemSchema = z.object({
  /** Σ weight · target; one term with weight −1 is a negative visualization */
  terms: z.array(z.object({ target: featureTargetSchema, weight: z.number().finite().default(1) })).min(1).max(16),
});
export type FeatureItem = z.infer<typeof featureItemSchema>;

/** Lucid's standard transforms, as amounts a person can change (0 / empty turns one off). */
export const featureTransformsSchema = z.object({
  /** constant 0.5 padding, px */
  pad: z.number().int().min(0).max(256).default(12),
  /** random crop shift, px, before and after scaling/rotating */
  jitter: z.number().int().min(0).max(256).default(8),
  jitterAfter: z.number().int().min(0).max(256).default(4),
  /** random scale factors (Lucid: 1 + (i−5)/50, i = 0..10) */
  scales: z.array(z.number().positive().max(4)).max(64).default([0.9, 0.92, 0.94, 0.96, 0.98, 1, 1.02, 1.04, 1.06, 1.08, 1.1]),
  /** random rotation angles, degrees (Lucid: −10..10 plus five extra 0s) */
  angles: z.array(z.number().min(-180).max(180)).max(128).default([-10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0]),
});

export const FEATUREVIS_PRESETS = {
  /** small and short: for browsing a whole layer */
  quick: { size: 64, steps: 64, batch: 16 },
  /** Lucid's defaults */
  full: { size: 128, steps: 512, batch: 8 },
} as const;
export type FeaturevisPreset = keyof typeof FEATUREVIS_PRESETS | 'custom';

export const featurevisSettingsSchema = z.object({
  items: z.array(featureItemSchema).min(1).max(4096),
  /** quick / full fill size, steps and batch when those are not given */
  preset: z.enum(['quick', 'full', 'custom']).default('full'),
  size: z.number().int().min(16).max(1024).optional(),
  steps: z.number().int().min(1).max(10000).optional(),
  /** items per compiled run */
  batch: z.number().int().min(1).max(64).optional(),
  /** image parameterization: Lucid's Fourier, raw pixels, or MACO (phase only, over a natural-image magnitude spectrum) */
  param: z.enum(['fourier', 'pixel', 'maco']).default('fourier'),
  /** decorrelated colour (Lucid's ImageNet colour matrix) */
  decorrelate: z.boolean().default(true),
  transforms: featureTransformsSchema.default(featureTransformsSchema.parse({})),
  /** Adam's learning rate */
  lr: z.number().positive().max(10).default(0.05),
  /** penalties on the [0,1] image (0 = off) */
  l1: z.number().min(0).default(0),
  tv: z.number().min(0).default(0),
  blur: z.number().min(0).default(0),
  /** Lucid's redirected ReLU for the first steps (gradient flows where a plain ReLU would block it) */
  redirectedReluSteps: z.number().int().min(0).default(16),
  /**
   * Lucid's diversity term over the batch items (a unit's facets): weight (Lucid's notebooks: 1e2), and the layer
   * whose Gram matrices are compared (default: the first term's layer). All items then render in one batch.
   */
  diversity: z.object({ weight: z.number().positive().default(100), layer: layer.optional() }).optional(),
  /** feature accentuation: start from this project photo and stay close to it (L2 weight toward it) */
  photoId: z.string().min(1).max(200).optional(),
  stayClose: z.number().min(0).default(0),
  /** MACO: the magnitude spectrum is the mean of these project photos' spectra (absent: a 1/f model) */
  spectrumPhotoIds: z.array(z.string().min(1).max(200)).max(64).optional(),
  /** absent: drawn and recorded */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
});
export type FeaturevisSettingsInput = z.input<typeof featurevisSettingsSchema>;
export type FeaturevisSettings = z.output<typeof featurevisSettingsSchema>;

export function parseFeaturevisSettings(value: unknown): FeaturevisSettings {
  const r = featurevisSettingsSchema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad feature visualization setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}

/** Size, steps and batch after the preset: what actually runs. */
export function resolvedRender(s: FeaturevisSettings): { size: number; steps: number; batch: number } {
  const p = s.preset === 'custom' ? FEATUREVIS_PRESETS.full : FEATUREVIS_PRESETS[s.preset];
  return { size: s.size ?? p.size, steps: s.steps ?? p.steps, batch: s.batch ?? p.batch };
}

// ---- the saved run (registered in RUN_KINDS by the recipe's commit) ---------------------------------

/** Settings as they ran: preset resolved into size/steps/batch, the seed drawn, the preprocessing used. */
export const featurevisRunSettingsSchema = featurevisSettingsSchema.extend({
  size: z.number().int(),
  steps: z.number().int(),
  batch: z.number().int(),
  seed: z.number().int(),
  /**
   * what the model saw: the transformed image is centre-cropped/padded back to size×size (one compiled
   * graph for the whole render), then resized to this when the model needs its own input size (a class
   * target behind a fully connected head, a fixed-size input); `channels`: the model's image channels
   * (1: luma of the RGB image)
   */
  modelInput: z.object({ name: z.string(), width: z.number().int(), height: z.number().int(), channels: z.number().int(), layout: z.enum(['NCHW', 'NHWC']) }),
  /** the model's preprocessing the [0,1] image went through (a wrong value range is the most common silent failure) */
  preprocess: z.object({ preset: z.string(), channelOrder: z.enum(['RGB', 'BGR']), rangeMin: z.number(), rangeMax: z.number(), mean: z.array(z.number()), std: z.array(z.number()) }),
});

export const featurevisResultSchema = z.object({
  status: z.enum(['done', 'cancelled']),
  /** one entry per rendered item, in the order of settings.items (a cancelled layer grid keeps the items it finished) */
  items: z.array(z.object({
    /** index into settings.items */
    item: z.number().int(),
    /** readable objective, e.g. channel(inception_4c/output, 97) */
    label: z.string(),
    /** the item's objective (Σ weight · target, without the diversity term) on the final untransformed image */
    objective: z.number(),
    /** the same on the starting image (noise, or the photo): a negative item ends below it */
    objectiveStart: z.number(),
    /** the name of the artifact holding this item's PNG (its id: run.artifacts.find(a => a.name === image)) */
    image: z.string(),
  })),
  /** optimizer steps of the last batch that ran (= steps unless cancelled) */
  stepsDone: z.number().int(),
  timings: z.object({
    totalMs: z.number(),
    /** compiling and creating the gradient sessions (0 when the worker had them cached) */
    compileMs: z.number(),
    /** wall time per optimizer step divided by the items in the batch (compiles excluded) */
    msPerImageStep: z.number(),
  }),
  fallbackReason: z.string().optional(),
});
