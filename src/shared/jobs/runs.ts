// Typed run records: what a finished job leaves in the project, per kind, with a schema version.
//
// [Note: typed runs] A run row stores `kind`, `schema_version`, and two JSON documents, `settings` (exactly
// what ran) and `result` (small data: scores, timings, provider). Each kind has zod schemas for both and a
// current version. The store decodes every row through `decodeRun`, which upgrades older versions step by
// step (`RUN_KINDS[kind].upgrade`) and validates, so the renderer, the CLI and the engine read typed
// records — never `Record<string, unknown>`, never a cast. Changing what a kind stores means: bump its
// version, add an upgrade step from the previous version, keep the old step forever.
import { z } from 'zod';
import { attributionSettingsSchema, ATTRIBUTION_METHODS, targetSchema } from './attribution';
import { dreamLayerSchema, dreamSettingsSchema } from './dream';
import { featurevisResultSchema, featurevisRunSettingsSchema } from './featurevis';
import { adversarialResultSchema, adversarialRunSettingsSchema } from './adversarial';
import { styleResultSchema, styleRunSettingsSchema, stylizeResultSchema, stylizeRunSettingsSchema } from './style';
import { validateObjective, type Objective } from '../objectives';
import { tuningResultSchema, tuningRunSettingsSchema } from '../tuning';
import type { ExecutionProviderName } from '../contract';
import { datasetIndexRunResultSchema, datasetIndexRunSettingsSchema } from '../dataset';

const preprocess = z.object({
  width: z.number(), height: z.number(), channelOrder: z.enum(['RGB', 'BGR']), layout: z.enum(['NCHW', 'NHWC']),
  rangeMin: z.number(), rangeMax: z.number(), mean: z.tuple([z.number(), z.number(), z.number()]), std: z.tuple([z.number(), z.number(), z.number()]),
  resize: z.enum(['stretch', 'center-crop', 'pad']).default('stretch'), preset: z.enum(['torch', 'caffe', 'tf', 'raw01', 'raw255', 'custom']),
});
const classScore = z.object({ index: z.number().int(), label: z.string(), probability: z.number() });
const forwardTimings = z.object({ preprocessMs: z.number(), sessionMs: z.number(), runMs: z.number() });
/** where the model input came from: the preprocessing, the input tensor's name and the dims it was fed */
const fed = { preprocess, input: z.string(), dims: z.array(z.number().int()) };

// ---- classify ---------------------------------------------------------------------------------------
export const classifySettingsSchema = z.object({ top: z.number().int(), output: z.string(), ...fed });
export const classifyResultSchema = z.object({ top: z.array(classScore), appliedSoftmax: z.boolean(), timings: forwardTimings });

// ---- activations ------------------------------------------------------------------------------------
export const activationsSettingsSchema = z.object({ layer: z.string(), maxChannels: z.number().int(), ...fed });
export const activationsResultSchema = z.object({
  layer: z.string(),
  shape: z.array(z.number().int()),
  /** strongest first */
  channels: z.array(z.object({ channel: z.number().int(), mean: z.number(), max: z.number() })),
  grid: z.object({ cols: z.number().int(), rows: z.number().int(), cell: z.object({ width: z.number(), height: z.number() }), gap: z.number(), width: z.number(), height: z.number() }),
  timings: forwardTimings,
});

// ---- dream ------------------------------------------------------------------------------------------
/** the dream settings as they ran: the default layer filled in, the seed drawn, the tile margin resolved */
export const dreamRunSettingsSchema = dreamSettingsSchema.extend({
  layers: z.array(dreamLayerSchema),
  seed: z.number().int(),
  tileMargin: z.number().int(),
  preprocess,
  /** "Dream again": the dream this one continued from */
  fromRunId: z.string().optional(),
  guidePhotoId: z.string().optional(),
  /** the run started from a raw model-space tensor (CLI --input) rather than a photo */
  inputTensor: z.object({ file: z.string(), shape: z.array(z.number().int()) }).optional(),
});
export const dreamResultSchema = z.object({
  status: z.enum(['done', 'cancelled']),
  width: z.number().int(),
  height: z.number().int(),
  seed: z.number().int(),
  stepsDone: z.number().int(),
  /** the objective as compiled (plain JSON: src/shared/objectives.ts) */
  objective: z.custom<Objective>((v) => { try { validateObjective(v); return true; } catch { return false; } }, 'not a valid objective'),
  objectiveBefore: z.number().optional(),
  objectiveAfter: z.number().optional(),
  modelSha256: z.string(),
  /** receptive field and stride of the deepest dreamed layer (px) */
  field: z.number(),
  stride: z.number(),
  fallbackReason: z.string().optional(),
  timings: z.object({
    totalMs: z.number(),
    sessionMs: z.number(),
    octaves: z.array(z.object({ width: z.number(), height: z.number(), tiles: z.number(), ms: z.number(), sessionMs: z.number() })),
  }),
});

// ---- attribution ------------------------------------------------------------------------------------
export const attributionRunSettingsSchema = z.object({ attribution: attributionSettingsSchema, ...fed });
export const attributionResultSchema = z.object({
  method: z.enum(ATTRIBUTION_METHODS),
  target: targetSchema,
  targetText: z.string(),
  targetScore: z.number(),
  shape: z.array(z.number().int()),
  completeness: z.object({ attributionSum: z.number(), scoreDelta: z.number(), baselineScore: z.number(), relativeError: z.number() }).optional(),
  layer: z.string().optional(),
  signMode: z.enum(['all', 'positive', 'negative', 'absolute']),
  timings: z.object({ totalMs: z.number(), prepareMs: z.number(), runMs: z.number(), passes: z.number() }),
  providers: z.array(z.string()).optional(),
  fallbackReason: z.string().optional(),
});

// ---- adversarial ------------------------------------------------------------------------------------
export const adversarialRecordSettingsSchema = z.object({
  adversarial: adversarialRunSettingsSchema, ...fed,
  /** "continue in 8-bit space": the adversarial run this one went on from */
  fromRunId: z.string().optional(),
});

// ---- the registry -----------------------------------------------------------------------------------
interface KindSchemas<S extends z.ZodType, R extends z.ZodType> {
  /** the version written now */
  version: number;
  settings: S;
  result: R;
  /**
   * upgrade[v] turns a version-v document pair into version v+1. Version 0 is a row written before run
   * records had versions (Featurescope 0.1); its documents already have the version-1 shape.
   */
  upgrade: Record<number, (doc: { settings: unknown; result: unknown }) => { settings: unknown; result: unknown }>;
}

function kind<S extends z.ZodType, R extends z.ZodType>(k: KindSchemas<S, R>): KindSchemas<S, R> {
  return k;
}

const same = (doc: { settings: unknown; result: unknown }) => doc;

export const RUN_KINDS = {
  classify: kind({ version: 1, settings: classifySettingsSchema, result: classifyResultSchema, upgrade: { 0: same } }),
  activations: kind({ version: 1, settings: activationsSettingsSchema, result: activationsResultSchema, upgrade: { 0: same } }),
  dream: kind({ version: 1, settings: dreamRunSettingsSchema, result: dreamResultSchema, upgrade: { 0: same } }),
  attribution: kind({ version: 1, settings: attributionRunSettingsSchema, result: attributionResultSchema, upgrade: { 0: same } }),
  adversarial: kind({ version: 1, settings: adversarialRecordSettingsSchema, result: adversarialResultSchema, upgrade: {} }),
  /** written from the first version on: there is no version 0 to upgrade */
  featurevis: kind({ version: 1, settings: featurevisRunSettingsSchema, result: featurevisResultSchema, upgrade: {} }),
  style: kind({ version: 1, settings: styleRunSettingsSchema, result: styleResultSchema, upgrade: {} }),
  stylize: kind({ version: 1, settings: stylizeRunSettingsSchema, result: stylizeResultSchema, upgrade: {} }),
  datasetIndex: kind({ version: 1, settings: datasetIndexRunSettingsSchema, result: datasetIndexRunResultSchema, upgrade: {} }),
  tuning: kind({ version: 1, settings: tuningRunSettingsSchema, result: tuningResultSchema, upgrade: {} }),
};

export type RunKind = keyof typeof RUN_KINDS;
export const RUN_KIND_NAMES = Object.keys(RUN_KINDS) as RunKind[];
export type RunSettings<K extends RunKind> = z.output<(typeof RUN_KINDS)[K]['settings']>;
export type RunResult<K extends RunKind> = z.output<(typeof RUN_KINDS)[K]['result']>;

interface RunBase {
  id: string;
  modelId: string;
  photoId?: string;
  /** ids of binary artifacts (PNG images, .npy maps) stored with the run */
  artifacts: { id: string; name: string; mime: string }[];
  status: 'done' | 'cancelled' | 'failed';
  error?: string;
  createdAt: string;
  provider: ExecutionProviderName;
  durationMs: number;
}

type RunOfKind<K extends RunKind> = RunBase & { kind: K; settings: RunSettings<K>; result: RunResult<K> };
export type ClassifyRun = RunOfKind<'classify'>;
export type ActivationsRun = RunOfKind<'activations'>;
export type DreamRun = RunOfKind<'dream'>;
export type AttributionRun = RunOfKind<'attribution'>;
export type AdversarialRun = RunOfKind<'adversarial'>;
export type FeaturevisRun = RunOfKind<'featurevis'>;
export type StyleRun = RunOfKind<'style'>;
export type StylizeRun = RunOfKind<'stylize'>;
export type DatasetIndexRun = RunOfKind<'datasetIndex'>;
export type TuningRun = RunOfKind<'tuning'>;
/** A saved run, typed by its kind. */
export type RunRecord = ClassifyRun | ActivationsRun | DreamRun | AttributionRun | AdversarialRun | FeaturevisRun | StyleRun | StylizeRun | TuningRun | DatasetIndexRun;
export type RunOf<K extends RunKind> = Extract<RunRecord, { kind: K }>;
/** What a recipe hands the store: a run without the ids and timestamps the store assigns. */
export type NewRun<K extends RunKind = RunKind> = K extends RunKind ? Omit<RunOf<K>, 'id' | 'createdAt' | 'artifacts'> : never;

export function isRunKind(k: string): k is RunKind {
  return Object.prototype.hasOwnProperty.call(RUN_KINDS, k);
}

export class RunDecodeError extends Error {
  override name = 'RunDecodeError';
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i?.path.join('.') || '(root)'}: ${i?.message}`;
}

/**
 * A stored row's settings and result at `version` → the current typed documents (upgraded, validated).
 * Throws RunDecodeError naming the kind, version and field.
 */
export function decodeRun<K extends RunKind>(k: K, version: number, settings: unknown, result: unknown): { settings: RunSettings<K>; result: RunResult<K> } {
  const spec = RUN_KINDS[k] as KindSchemas<z.ZodType, z.ZodType>;
  if (version > spec.version) throw new RunDecodeError(`a ${k} run of record version ${version} was written by a newer Featurescope (this one reads up to ${spec.version})`);
  let doc = { settings, result };
  for (let v = version; v < spec.version; v++) {
    const step = spec.upgrade[v];
    if (!step) throw new RunDecodeError(`no upgrade for ${k} runs from record version ${v}`);
    doc = step(doc);
  }
  const s = spec.settings.safeParse(doc.settings);
  if (!s.success) throw new RunDecodeError(`${k} run settings ${firstIssue(s.error)}`);
  const r = spec.result.safeParse(doc.result);
  if (!r.success) throw new RunDecodeError(`${k} run result ${firstIssue(r.error)}`);
  return { settings: s.data as RunSettings<K>, result: r.data as RunResult<K> };
}

/** Validate what a recipe is about to store (a bug here must fail loudly, before the write). */
export function checkNewRun(run: NewRun): void {
  decodeRun(run.kind, RUN_KINDS[run.kind].version, run.settings, run.result);
}

// ---- unfinished runs (crash recovery) ------------------------------------------------------------
// [Note: unfinished runs] A job writes its row when it starts (status 'running'), checkpoints it while it
// runs and turns the same row into its typed run when it ends. Until then the row holds the job's spec
// (what was asked, as the engine validated it) in `settings` and a checkpoint in `result` — not the kind's
// typed documents — so it is decoded here, not by decodeRun, and listed apart from the finished runs
// (`ProjectState.unfinishedRuns`): renderer code that narrows finished runs by kind never meets a partial one.
// 'interrupted': the engine that ran it died (found when a project is opened); 'failed': the job failed.
// 'queued': written when the job was queued behind another heavy job; it becomes 'running' when it starts.
// A dead engine's queued rows are interrupted like its running ones (Resume then runs them from the start).

export const UNFINISHED_STATUSES = ['running', 'interrupted', 'failed', 'queued'] as const;
export type UnfinishedStatus = (typeof UNFINISHED_STATUSES)[number];

export function isUnfinishedStatus(s: string): s is UnfinishedStatus {
  return (UNFINISHED_STATUSES as readonly string[]).includes(s);
}

/** which engine runs (ran) the job: a row whose engine is gone is interrupted */
export const runOwnerSchema = z.object({ engine: z.string(), pid: z.number().int(), hostname: z.string() });
export type RunOwner = z.output<typeof runOwnerSchema>;

/** the `result` document of an unfinished row: progress so far (a sweep's completed items are its fraction and message) */
export const runCheckpointSchema = z.object({
  owner: runOwnerSchema,
  fraction: z.number().min(0).max(1).default(0),
  message: z.string().optional(),
  /** when the last checkpoint was written (ISO) */
  at: z.string().optional(),
  /** what the jobs list called it ("Dream inception_4c/output on dog.jpg") */
  title: z.string().optional(),
  /** how many times it was resumed */
  resumes: z.number().int().min(0).default(0),
});
export type RunCheckpoint = z.output<typeof runCheckpointSchema>;

/** the spec as stored: checked in full by the contract (jobSpecSchema) when it is started again */
const storedSpecSchema = z.object({ kind: z.string(), modelId: z.string() }).passthrough();

export interface UnfinishedRun {
  id: string;
  kind: RunKind;
  status: UnfinishedStatus;
  modelId: string;
  photoId?: string;
  /** the job spec as it was started (src/shared/jobs/index.ts JobSpec) */
  spec: { kind: string; modelId: string } & Record<string, unknown>;
  checkpoint: RunCheckpoint;
  /** the last preview frame (name 'checkpoint'), when the job had one */
  artifacts: { id: string; name: string; mime: string }[];
  error?: string;
  createdAt: string;
}

/** An unfinished row's documents → typed. Throws RunDecodeError naming the field. */
export function decodeUnfinishedRun(k: RunKind, settings: unknown, result: unknown): Pick<UnfinishedRun, 'spec' | 'checkpoint'> {
  const s = storedSpecSchema.safeParse(settings);
  if (!s.success) throw new RunDecodeError(`unfinished ${k} run spec ${firstIssue(s.error)}`);
  if (s.data.kind !== k) throw new RunDecodeError(`unfinished ${k} run holds a ${s.data.kind} spec`);
  const c = runCheckpointSchema.safeParse(result);
  if (!c.success) throw new RunDecodeError(`unfinished ${k} run checkpoint ${firstIssue(c.error)}`);
  return { spec: s.data, checkpoint: c.data };
}
