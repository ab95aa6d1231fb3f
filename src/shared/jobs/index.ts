// Job specs: every long piece of work the engine runs — a forward sweep or an image optimization — is
// one of these plain, serializable values. The UI sends one with 'job:start' (or a kind's own legacy
// channel), the engine's job runtime hands it to that kind's recipe, and the run the recipe saves is a
// typed record of the same kind (./runs.ts). Adding a kind: a schema here, a recipe in
// src/main/engine/recipes/, its form in the renderer, its CLI command (see docs/design/jobs.md).
import { z } from 'zod';
import type { AttributionSettingsInput } from './attribution';
import type { DreamSettingsInput } from './dream';
import type { FeaturevisSettingsInput } from './featurevis';
import type { AdversarialSettingsInput } from './adversarial';
import type { StyleSettingsInput, StylizeSettingsInput } from './style';
import { datasetIndexJobArgs, type DatasetIndexSettingsInput } from '../dataset';
import type { TuningSettingsInput } from '../tuning';

const id = z.string().min(1).max(200);
/** A kind's settings are checked by that kind's own schema (defaults filled in) inside the engine. */
const settings = z.record(z.string(), z.unknown());

export const jobArgsSchemas = {
  /** forward pass to one layer, rendered as a grid of channel maps */
  activations: z.object({ modelId: id, photoId: id, layer: z.string().min(1).max(1000), maxChannels: z.number().int().min(1).max(4096).default(64) }),
  /** DeepDream; fromRunId: dream again on that dream's result; guidePhotoId: guided dreaming */
  dream: z.object({ modelId: id, photoId: id, fromRunId: id.optional(), guidePhotoId: id.optional(), settings: settings.default({}) }),
  /** attribution maps (saliency, IG, Grad-CAM, occlusion…) */
  attribution: z.object({ modelId: id, photoId: id, settings }),
  /** fooling images and adversarial examples; fromRunId: go on from that adversarial run's result (e.g. in 8-bit space) */
  adversarial: z.object({ modelId: id, photoId: id, fromRunId: id.optional(), settings }),
  /** feature visualization: images that excite channels, neurons, layers, classes or directions (src/shared/jobs/featurevis.ts) */
  featurevis: z.object({ modelId: id, settings }),
  /**
   * neural style transfer, texture synthesis, feature inversion (src/shared/jobs/style.ts); photoId: the content
   * photo (none for texture synthesis); fromRunId: continue from that style run's result
   */
  style: z.object({ modelId: id, photoId: id.optional(), fromRunId: id.optional(), settings }),
  /** a feed-forward fast-style network (an image-to-image model) on a batch of photos */
  stylize: z.object({ modelId: id, photoIds: z.array(id).min(1).max(256), settings: settings.default({}) }),
  /** index a dataset (a folder of photos) for a model: top/bottom photos, histograms, pooled features (src/shared/dataset.ts) */
  datasetIndex: datasetIndexJobArgs,
  /** tuning curves of one unit on synthetic stimuli (src/shared/tuning.ts); photoId: the photo a rotation sweep turns */
  tuning: z.object({ modelId: id, photoId: id.optional(), settings }),
};

export type JobKind = keyof typeof jobArgsSchemas;
export const JOB_KINDS = Object.keys(jobArgsSchemas) as JobKind[];

export const jobSpecSchema = z.discriminatedUnion('kind', [
  jobArgsSchemas.activations.extend({ kind: z.literal('activations') }),
  jobArgsSchemas.dream.extend({ kind: z.literal('dream') }),
  jobArgsSchemas.attribution.extend({ kind: z.literal('attribution') }),
  jobArgsSchemas.adversarial.extend({ kind: z.literal('adversarial') }),
  jobArgsSchemas.featurevis.extend({ kind: z.literal('featurevis') }),
  jobArgsSchemas.style.extend({ kind: z.literal('style') }),
  jobArgsSchemas.stylize.extend({ kind: z.literal('stylize') }),
  jobArgsSchemas.datasetIndex.extend({ kind: z.literal('datasetIndex') }),
  jobArgsSchemas.tuning.extend({ kind: z.literal('tuning') }),
]);

/** A job as the engine receives it (validated, defaults filled in). */
export type JobSpec = z.output<typeof jobSpecSchema>;
export type JobSpecOf<K extends JobKind> = Extract<JobSpec, { kind: K }>;

/** A job as a caller writes it: the kind's settings typed by its own schema's input. */
export type JobRequest =
  | z.input<typeof jobSpecSchema> & { kind: 'activations' }
  | (Omit<z.input<typeof jobArgsSchemas.dream>, 'settings'> & { kind: 'dream'; settings?: DreamSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.attribution>, 'settings'> & { kind: 'attribution'; settings: AttributionSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.adversarial>, 'settings'> & { kind: 'adversarial'; settings: AdversarialSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.featurevis>, 'settings'> & { kind: 'featurevis'; settings: FeaturevisSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.style>, 'settings'> & { kind: 'style'; settings: StyleSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.stylize>, 'settings'> & { kind: 'stylize'; settings?: StylizeSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.tuning>, 'settings'> & { kind: 'tuning'; settings: TuningSettingsInput })
  | (Omit<z.input<typeof jobArgsSchemas.datasetIndex>, 'settings'> & { kind: 'datasetIndex'; settings?: DatasetIndexSettingsInput });

export * from './runs';
