// [Note: one contract] Every request the UI can make, and every event it can receive, is declared here
// once. The Electron preload, the Electron main IPC wiring, the browser bridge (WebSocket) and the engine
// host all derive their types and their argument validation from this file; nothing else defines
// channels. Argument schemas are zod values so every boundary validates with the same code
// (`parseArgs`). Results are plain TypeScript types (they come from our own engine).
//
// Adding a channel: add a schema to `requestSchemas` and a result type to `ResultMap`. Do not rename
// channels: projects and tests depend on them.
import { z } from 'zod';
import { jobArgsSchemas, jobSpecSchema, type JobKind } from './jobs/index';
import type { RunOf, RunRecord } from './jobs/runs';
import { datasetRequestSchemas, type DatasetResultMap } from './dataset';
import type { UnfinishedRun } from './jobs/runs';
import type { ModelGraph } from './graph';

// ---- plain data shared by engine and UI --------------------------------------------------------

export type ExecutionProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
export type ProviderSetting = 'auto' | ExecutionProviderName;

export const preprocessSchema = z.object({
  /** input height and width the model is run at */
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  channelOrder: z.enum(['RGB', 'BGR']),
  layout: z.enum(['NCHW', 'NHWC']),
  /** pixel values are first scaled to [rangeMin, rangeMax] (0..255 → range), then (v - mean) / std per channel in channelOrder */
  rangeMin: z.number(),
  rangeMax: z.number(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
  /** how images are fit to width×height */
  resize: z.enum(['stretch', 'center-crop', 'pad']).default('stretch'),
  preset: z.enum(['torch', 'caffe', 'tf', 'raw01', 'raw255', 'custom']),
});
export type Preprocess = z.infer<typeof preprocessSchema>;

export interface TensorInfo {
  name: string;
  dtype: string;
  /** declared shape: numbers, symbolic names, or null for unknown */
  shape: (number | string | null)[];
}

export interface LayerInfo {
  /** tensor name: what objectives and activation views address */
  name: string;
  /** op type of the node that produces it */
  opType: string;
  nodeName: string;
  /** concrete shape at the inspected input size, e.g. [1,512,14,14] */
  shape: number[];
  /** true when this is the input of a following Relu (a pre-activation tensor) */
  preActivation: boolean;
  /** index in graph (topological) order */
  order: number;
}

export interface ModelDescription {
  fileName: string;
  fileSize: number;
  sha256: string;
  irVersion: number;
  opset: number;
  producer: string;
  nodeCount: number;
  parameterCount: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** the image input we drive, and the size the layer shapes were computed at */
  imageInput: string;
  inspectedSize: { width: number; height: number };
  layers: LayerInfo[];
  opTypes: Record<string, number>;
  /** a guess the person can correct */
  suggestedPreprocess: Preprocess;
  isClassifier: boolean;
  /** classifier output tensor (logits or probabilities) */
  classifierOutput?: string;
  classCount?: number;
  /** at a size other than the model's own: nodes (and everything after them) that could not run at this size, e.g. a classifier head */
  prunedAtSize?: string[];
  /** set when the layers were shaped at a smaller size than asked (a big declared input: the memory budget); inspectedSize is that smaller size */
  cappedFrom?: { width: number; height: number; reason: string };
}

export interface ModelRecord {
  id: string;
  name: string;
  path: string;
  sha256: string;
  embedded: boolean;
  addedAt: string;
  description: ModelDescription;
  preprocess: Preprocess;
  labels?: string[];
}

export type { ModelGraph, ModelGraphNode, ModelGraphGroup } from './graph';

/** The first convolution's kernels as RGB images (model:filters). */
export interface ModelFilters {
  /** the convolution's output tensor, and the activation after it when there is one: the layers whose grid shows these filters */
  layers: string[];
  node: string;
  count: number;
  /** kernel height × width and the image channels it reads (3: shown in RGB, whatever the model's channel order; 1: grey) */
  kernel: { width: number; height: number; channels: number };
  /** each filter min–max normalized on its own (CS231n's view), nearest-neighbour enlarged by `scale` */
  scale: number;
  /** all filters in filter order, `cols` per row, 1 px gaps */
  grid: { mime: 'image/png'; base64: string; cols: number; rows: number; width: number; height: number };
  /** one PNG per filter, in filter order */
  tiles: { mime: 'image/png'; base64: string }[];
}

export interface PhotoRecord {
  id: string;
  name: string;
  width: number;
  height: number;
  mime: string;
  sha256: string;
  addedAt: string;
}

export interface ClassScore {
  index: number;
  label: string;
  probability: number;
}

export interface ActivationChannel {
  channel: number;
  /** mean activation of this channel */
  mean: number;
  max: number;
}

/** Saved runs are typed per kind, with a schema version: see src/shared/jobs/runs.ts. */
export type { RunRecord, RunKind, RunOf, NewRun } from './jobs/runs';
export type { UnfinishedRun } from './jobs/runs';

export interface ProjectState {
  path: string;
  name: string;
  models: ModelRecord[];
  photos: PhotoRecord[];
  runs: RunRecord[];
  /** runs whose stored record could not be read (damaged, or from a newer Featurescope): kept in the file, listed here */
  unreadableRuns?: { id: string; kind: string; reason: string }[];
  /** jobs still running, interrupted by a crash (with their last frame; 'run:resume' finishes them) or failed: [Note: unfinished runs] */
  unfinishedRuns?: UnfinishedRun[];
  /** what the UI showed when the project was last used (selected model, photo, layer, tab...) */
  view: Record<string, unknown>;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: string;
  exists: boolean;
}

export interface JobInfo {
  id: string;
  kind: JobKind;
  title: string;
  state: 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  /** 0..1 */
  progress: number;
  etaMs?: number;
  message?: string;
  runId?: string;
  error?: string;
}

export interface EngineStatus {
  setting: ProviderSetting;
  /** the provider actually running models */
  active: ExecutionProviderName;
  /** providers this build of onnxruntime-node offers on this machine */
  available: ExecutionProviderName[];
  /** set once when the requested provider failed and we fell back to CPU: plain words for the status bar */
  fallbackReason?: string;
  /** the built-in InceptionV3 offered to new projects: 'failed' carries the reason in plain words */
  defaultModel?: DefaultModelStatus;
}

export interface DefaultModelStatus {
  state: 'off' | 'building' | 'ready' | 'failed';
  message?: string;
}

// ---- requests -------------------------------------------------------------------------------

const id = z.string().min(1).max(200);
const filePath = z.string().min(1).max(4096);
/** A file the page hands over: a path (Electron, CLI) or an upload id from the bridge's POST /upload. */
export const fileSourceSchema = z.union([
  z.object({ kind: z.literal('path'), path: filePath }),
  z.object({ kind: z.literal('upload'), uploadId: id, name: z.string().min(1).max(1024) }),
]);
export type FileSource = z.infer<typeof fileSourceSchema>;

export const requestSchemas = {
  'project:create': z.object({ path: filePath }),
  'project:open': z.object({ path: filePath }),
  'project:close': z.object({}),
  'project:recent': z.object({}),
  'project:state': z.object({}),
  'project:saveView': z.object({ view: z.record(z.string(), z.unknown()) }),

  /** shards: a TF.js model.json's weight files when they are not beside it (browser uploads), matched by file name */
  'model:add': z.object({ source: fileSourceSchema, embed: z.boolean().default(false), shards: z.array(fileSourceSchema).max(4096).optional() }),
  /** copy an already-added model's bytes into the project, so it travels without its file */
  'model:embed': z.object({ modelId: id }),
  /** add the built-in InceptionV3 (ImageNet features to mixed5), e.g. after it was removed or failed to build */
  'model:addDefault': z.object({}),
  /** seenRunIds: the runs of this model the person saw; runs made since (e.g. in another window) make the delete refuse with 'unseen-runs' */
  'model:remove': z.object({ modelId: id, seenRunIds: z.array(id).max(1_000_000).optional() }),
  'model:inspect': z.object({ modelId: id, width: z.number().int().min(1).max(8192).optional(), height: z.number().int().min(1).max(8192).optional() }),
  'model:setPreprocess': z.object({ modelId: id, preprocess: preprocessSchema }),
  /** source null: no labels; builtIn: the ImageNet names that ship with the app (a 1000- or 1001-way classifier), with source null */
  'model:setLabels': z.object({ modelId: id, source: fileSourceSchema.nullable(), builtIn: z.boolean().optional() }),
  /** the learned filters of the model's first convolution, when its input is the image (CS231n's first-layer view) */
  'model:filters': z.object({ modelId: id }),
  /** the model's graph for the graph view: nodes, tensors with shapes, collapsible groups (src/shared/graph.ts) */
  'model:graph': z.object({ modelId: id }),

  'photo:add': z.object({ source: fileSourceSchema }),
  /** seenRunIds: as for model:remove */
  'photo:remove': z.object({ photoId: id, seenRunIds: z.array(id).max(1_000_000).optional() }),
  /** a display-size JPEG/PNG of the photo, as base64, at most maxSize on its long side */
  'photo:thumbnail': z.object({ photoId: id, maxSize: z.number().int().min(16).max(4096).default(512) }),

  'run:classify': z.object({ modelId: id, photoId: id, top: z.number().int().min(1).max(100).default(5) }),
  'run:activations': jobArgsSchemas.activations,
  'run:remove': z.object({ runId: id }),
  'artifact:get': z.object({ artifactId: id }),

  /** attribution (saliency, IG, Grad-CAM, occlusion…) as a job; `settings` is checked by the engine's attribution schema */
  'run:attribute': jobArgsSchemas.attribution,
  /** an attribution run's channel-summed map (float32 little-endian, base64) for drawing in the UI */
  'attribution:map': z.object({ runId: id }),
  /** an attribution run as a file: the overlay PNG (with these display options), the raw map as .npy, or CSV */
  'attribution:export': z.object({
    runId: id,
    format: z.enum(['png', 'npy', 'csv']),
    signMode: z.enum(['all', 'positive', 'negative', 'absolute']).optional(),
    colormap: z.enum(['inferno', 'viridis', 'hot', 'gray', 'bwr']).optional(),
    opacity: z.number().min(0).max(1).optional(),
    legend: z.boolean().optional(),
    /** percent of the largest |values| clipped before scaling (Captum's outlier_perc); default 2 */
    outlierPercent: z.number().min(0).max(50).optional(),
  }),

  /** DeepDream as a job (live 'job:preview' frames); `settings` is checked by the engine's dream schema. fromRunId: dream again on that dream's result */
  'run:dream': jobArgsSchemas.dream,
  /** a dream's full-size result: PNG (settings in a text chunk) or JPEG; written to `path` when given, else returned */
  'dream:export': z.object({ runId: id, format: z.enum(['png', 'jpeg']).default('png'), path: filePath.optional(), overwrite: z.boolean().optional() }),
  /** one item of a feature visualization run as a PNG with the settings and the item in its text chunk; no item: the run's grid */
  'featurevis:export': z.object({ runId: id, item: z.number().int().min(0).optional() }),
  /** an adversarial run's image as a PNG download: the example (its settings in a text chunk), the original as the model saw it, or the difference amplified */
  'adversarial:export': z.object({ runId: id, image: z.enum(['adversarial', 'original', 'difference']).default('adversarial') }),
  /** a style run's result: PNG as stored (settings and losses in its text chunk) or JPEG (the same in its XMP) */
  'style:export': z.object({ runId: id, format: z.enum(['png', 'jpeg']).default('png') }),
  /** one photo of a fast-style (stylize) run, PNG or JPEG with its settings */
  'stylize:export': z.object({ runId: id, item: z.number().int().min(0).default(0), format: z.enum(['png', 'jpeg']).default('png') }),
  /** start any kind of job (src/shared/jobs): the run arrives with the job's 'job:done' event */
  'job:start': jobSpecSchema,
  /** pause / resume a running or queued job (takes effect between optimizer steps or batches) */
  'job:pause': z.object({ jobId: id }),
  'job:resume': z.object({ jobId: id }),

  'job:list': z.object({}),
  /** start an interrupted (or failed) run again: an optimization from its last frame, a sweep from the start; it finishes into the same run */
  'run:resume': z.object({ runId: id }),
  'job:cancel': z.object({ jobId: id }),

  'engine:status': z.object({}),
  'engine:setProvider': z.object({ provider: z.enum(['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu']) }),

  /** datasets: a folder of photos indexed for a model (src/shared/dataset.ts) */
  ...datasetRequestSchemas,
} as const;

export type Channel = keyof typeof requestSchemas;
export type Args<C extends Channel> = z.input<(typeof requestSchemas)[C]>;
export type ParsedArgs<C extends Channel> = z.output<(typeof requestSchemas)[C]>;

export interface ResultMap extends DatasetResultMap<JobInfo> {
  'project:create': ProjectState;
  'project:open': ProjectState;
  'project:close': null;
  'project:recent': RecentProject[];
  'project:state': ProjectState | null;
  'project:saveView': null;
  'model:add': ModelRecord;
  'model:remove': null;
  'model:embed': ModelRecord;
  'model:addDefault': ModelRecord;
  'model:inspect': ModelDescription;
  'model:setPreprocess': ModelRecord;
  'model:setLabels': ModelRecord;
  /** null: the model has no convolution that reads the image directly */
  'model:filters': ModelFilters | null;
  'model:graph': ModelGraph;
  'photo:add': PhotoRecord;
  'photo:remove': null;
  'photo:thumbnail': { mime: string; base64: string; width: number; height: number };
  'run:classify': RunOf<'classify'>;
  /** starts a job; the run arrives with the job's 'job:done' event */
  'run:activations': JobInfo;
  'run:remove': null;
  'artifact:get': { mime: string; base64: string };
  /** starts a job; the run (kind 'attribution') arrives with 'job:done' */
  'run:attribute': JobInfo;
  'attribution:map': { width: number; height: number; base64: string; method: string };
  'attribution:export': { fileName: string; mime: string; base64: string };
  /** starts a job; the run (kind 'dream') arrives with 'job:done' (a cancelled dream's kept frame with 'project:changed') */
  'run:dream': JobInfo;
  'dream:export': { fileName: string; mime: string; base64?: string; path?: string };
  'featurevis:export': { fileName: string; mime: string; base64: string };
  'adversarial:export': { fileName: string; mime: string; base64: string };
  'style:export': { fileName: string; mime: string; base64: string };
  'stylize:export': { fileName: string; mime: string; base64: string };
  'job:start': JobInfo;
  'job:pause': null;
  'job:resume': null;
  'job:list': JobInfo[];
  'run:resume': JobInfo;
  'job:cancel': null;
  'engine:status': EngineStatus;
  'engine:setProvider': EngineStatus;
}
export type Result<C extends Channel> = ResultMap[C];

/** Validate a request's arguments at a boundary. Throws ContractError naming the channel and field. */
export function parseArgs<C extends Channel>(channel: C, args: unknown): ParsedArgs<C> {
  const schema = requestSchemas[channel];
  if (!schema) throw new ContractError(`unknown request "${String(channel)}"`);
  const r = schema.safeParse(args ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ContractError(`bad arguments for "${channel}": ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data as ParsedArgs<C>;
}

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, x);
}

export class ContractError extends Error {
  override name = 'ContractError';
}

// ---- events (engine → UI) -----------------------------------------------------------------------

export interface EventMap {
  'job:update': JobInfo;
  /** a live preview frame for a running job (PNG/JPEG base64) */
  'job:preview': { jobId: string; mime: string; base64: string };
  'job:done': { job: JobInfo; run?: RunRecord };
  'engine:status': EngineStatus;
  'project:changed': ProjectState;
  /** the engine process died ('down', with why) or is serving again ('up'): sent by the bridge / Electron main, not the engine */
  'engine:process': { state: 'up' | 'down'; reason?: string };
}
export type EventName = keyof EventMap;

/** What the renderer sees as `window.featurescope` (Electron preload) or the bridge client (browser). */
export interface FeaturescopeApi {
  invoke<C extends Channel>(channel: C, args: Args<C>): Promise<Result<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /** Electron only: native dialogs. In the browser these are undefined and the UI uses file inputs. */
  pickFile?(kind: 'model' | 'photo' | 'labels'): Promise<string | null>;
  pickProjectPath?(mode: 'create' | 'open'): Promise<string | null>;
  /** Electron only: the path of a dropped File (webUtils.getPathForFile). */
  pathForFile?(file: File): string;
  /** Browser mode only: upload a file's bytes to the bridge, returns an upload id for a FileSource. */
  upload?(file: File): Promise<string>;
  readonly mode: 'electron' | 'browser';
}

/** Message envelopes on every transport (Electron port, WebSocket, engine child process). */
export type WireMessage =
  | { type: 'request'; id: number; channel: Channel; args: unknown; rid?: string }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: { message: string; code?: string } }
  | { type: 'event'; event: EventName; payload: unknown };
