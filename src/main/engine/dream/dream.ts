// One DeepDream run, from a photo and a model to an image: resolves the settings (default layer,
// seed, tile margin from the layer's receptive field), builds the objective (plain, channels or
// guided), runs the loop with compiled gradient sessions from a gradient runtime (the caller's, so a
// worker keeps one cache for every job, or its own), and reports timings and objectives.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { ExecutionProviderName } from '../../../shared/contract';
import type { Objective } from '../../../shared/objectives';
import type { Model } from '../onnx/model';
import { GradientRuntime, runProvider, runtimeModel, type RuntimeModel } from '../gradients/index';
import type { SessionPlacement } from '../runtime/sessions';
import { DreamGradients, type SessionTiming } from './gradients';
import { runDreamLoop, planFor, octaveSizes, type LoopHooks, type LoopPosition, type LoopSettings, type OctaveReport } from './loop';
import { dreamObjective, defaultDreamLayer, withGuideScore } from './objective';
import { affine, decodeRgb, resizeRgb, toPlanar, type PixelSpace, type Rgb } from '../pixels/index';
import { receptiveField, spatialSize } from './receptive-field';
import { checkDreamSize } from './min-size';
import { parseDreamSettings, type DreamLayer, type DreamSettings, type DreamSettingsInput } from '../../../shared/jobs/dream';

export type ImageSource = string | Uint8Array | Rgb;

export interface DreamRequest {
  photo: ImageSource;
  /** what messages call the photo and the model (their file names); default "photo" and "the model" */
  photoName?: string;
  modelName?: string;
  model: Model;
  space: PixelSpace;
  settings: DreamSettingsInput;
  /** the guide image; when absent but settings.guide is a path, that file is read */
  guide?: ImageSource;
  /** where the sessions run; default: the runtime's placement */
  provider?: ExecutionProviderName;
  threads?: number;
  /** the gradient runtime to take sessions from (a long-lived worker's); default: one of the dream's own */
  runtime?: GradientRuntime;
  /** the model file's sha256: the runtime caches under it (default: an id of this Model object) */
  modelSha?: string;
  /** go on from an interrupted run's full-size frame at its position (settings.seed must be that run's seed) */
  start?: { frame: ImageSource; at: LoopPosition };
}

/** Settings as actually run: default layer filled in, seed drawn, margin resolved. */
export type ResolvedDreamSettings = Omit<DreamSettings, 'seed' | 'tileMargin'> & { seed: number; tileMargin: number; layers: DreamLayer[] };

export interface DreamOutcome {
  status: 'done' | 'cancelled';
  image: Rgb;
  settings: ResolvedDreamSettings;
  objective: Objective;
  /** receptive field and stride of the deepest dreamed layer (px of the input) */
  field: number;
  stride: number;
  objectiveBefore?: number;
  objectiveAfter?: number;
  /** the provider the gradient sessions really ran on ('cpu' when any fell back to CPU) */
  provider: ExecutionProviderName;
  /** why a session could not go on the requested provider and ran on CPU */
  fallbackReason?: string;
  stepsDone: number;
  timings: { totalMs: number; sessionMs: number; measureMs: number; sessions: SessionTiming[]; octaves: OctaveReport[] };
}

export function modelImageInput(model: Model): string {
  const inits = new Set(model.graph.initializers.map((t) => t.name));
  const inp = model.graph.inputs.find((i) => !inits.has(i.name) && (i.shape?.length ?? 4) === 4);
  if (!inp) throw new Error('the model has no 4-D image input to dream on');
  return inp.name;
}

async function toRgb(src: ImageSource, label: string): Promise<Rgb> {
  return typeof src === 'string' || src instanceof Uint8Array ? decodeRgb(src, typeof src === 'string' ? src : label) : src;
}

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

export async function dream(req: DreamRequest, hooks: LoopHooks = {}): Promise<DreamOutcome> {
  const t0 = performance.now();
  const s = parseDreamSettings(req.settings);
  const input = modelImageInput(req.model);
  const layers: DreamLayer[] = s.layers.length > 0 ? s.layers : [{ name: defaultDreamLayer(req.model, input), weight: 1 }];
  const { field, stride } = receptiveField(req.model, input, layers.map((l) => l.name));
  const seed = s.seed ?? Math.floor(Math.random() * 0xffffffff);
  // Tiles start on the layer's grid (multiples of its stride), so tile activations line up with the whole photo's.
  const tileSize = roundUp(s.tileSize, stride);
  const exactMargin = roundUp(field - 1, stride);
  const tileMargin = s.tileMargin === 'exact' ? exactMargin : s.tileMargin === 'auto' ? Math.min(exactMargin, roundUp(64, stride)) : roundUp(s.tileMargin, stride);
  const resolved: ResolvedDreamSettings = { ...s, layers, seed, tileSize, tileMargin };

  const photoName = req.photoName ?? (typeof req.photo === 'string' ? path.basename(req.photo) : 'photo');
  const photo = await toRgb(req.photo, photoName);
  // a photo (or octave) smaller than the layers' pooling fails deep in onnxruntime, or crashes it: say so first
  checkDreamSize(req.model, input, layers.map((l) => l.name), octaveSizes(photo.height, photo.width, s.octaves, s.octaveScale), { name: photoName, width: photo.width, height: photo.height }, req.modelName ?? 'the model');
  const runtime = req.runtime ?? new GradientRuntime();
  const placement: SessionPlacement = req.provider !== undefined || req.threads !== undefined
    ? { provider: req.provider ?? 'cpu', ...(req.threads ? { threads: req.threads } : {}) }
    : runtime.placement();
  const base = runtimeModel(req.model, req.modelSha);
  let model: RuntimeModel = base;
  let guideScores: Map<string, string> | undefined;
  const guideSrc = req.guide ?? s.guide;
  if (guideSrc !== undefined) {
    if (layers.some((l) => l.channels)) throw new Error('guided dreaming matches whole feature vectors: remove the channel selection from the layers, or the guide');
    const g = await toRgb(guideSrc, 'guide image');
    const k = Math.min(1, s.guideSize / Math.max(g.width, g.height));
    const gs = await resizeRgb(g, Math.max(1, Math.round(g.width * k)), Math.max(1, Math.round(g.height * k)));
    const x = toPlanar(gs, req.space);
    guideScores = new Map();
    // the guided graph is the model plus these features: its sessions are keyed by them
    const hash = crypto.createHash('sha256');
    let guided = req.model;
    for (const l of layers) {
      const act = await guideFeatures(runtime, base, input, l.name, x.data, [1, 3, gs.height, gs.width], placement);
      const c = act.dims[1]!;
      const r = withGuideScore(guided, l.name, act.data, c);
      guided = r.model;
      guideScores.set(l.name, r.score);
      hash.update(l.name).update(new Uint8Array(act.data.buffer, act.data.byteOffset, act.data.byteLength));
    }
    model = { ...base, model: guided, variant: `guide:${hash.digest('hex')}` };
  }
  const objective = dreamObjective(layers, guideScores);
  const positions = (h: number, w: number) => new Map(layers.map((l) => { const [a, b] = spatialSize(req.model, input, h, w, l.name); return [l.name, a * b]; }));
  const grads = new DreamGradients({
    runtime, model, input, placement,
    objective: (h, w) => dreamObjective(layers, guideScores, positions(h, w)),
    // Report the objective as a mean over the first layer's positions (exactly the layer's mean of squares for one layer).
    objectiveNorm: (h, w) => positions(h, w).get(layers[0]!.name)!,
  });
  const loop: LoopSettings = {
    octaves: s.octaves, octaveScale: s.octaveScale, iterations: s.iterations, step: s.step, jitter: s.jitter, seed,
    // step is in 0..255 pixel units: one pixel level is affine.scale[c] in model units
    stepUnit: [...affine(req.space).scale],
    tileSize, tileMargin, maxWholePixels: s.maxWholePixels, tileShift: s.tileShift,
  };
  const measure = hooks.measureObjective ?? planFor(photo.height, photo.width, loop).rows.length * planFor(photo.height, photo.width, loop).cols.length === 1;
  try {
    const start = req.start ? { frame: await toRgb(req.start.frame, 'the interrupted run\'s last frame'), at: req.start.at } : undefined;
    const r = await runDreamLoop(photo, req.space, grads, loop, { ...hooks, measureObjective: measure }, start);
    const ran = runProvider(grads.providers, placement.provider);
    return {
      ...(grads.fallbackReason ? { fallbackReason: grads.fallbackReason } : {}),
      status: r.status, image: r.image, settings: resolved, objective, field, stride,
      objectiveBefore: r.objectiveBefore, objectiveAfter: r.objectiveAfter, provider: ran, stepsDone: r.stepsDone,
      timings: { totalMs: performance.now() - t0, sessionMs: grads.sessionMs, measureMs: r.measureMs, sessions: grads.timings, octaves: r.octaves },
    };
  } finally {
    await grads.release();
  }
}

/** Forward-only: the values of `layer` for one input (a guide image's features); a one-off session, dropped after. */
async function guideFeatures(runtime: GradientRuntime, model: RuntimeModel, input: string, layer: string, x: Float32Array, dims: number[], placement: SessionPlacement): Promise<{ data: Float32Array; dims: readonly number[] }> {
  // the model as it is (not the compiler's rewritten forward): guide features exactly as before
  const s = await runtime.forward({ model, input, shape: dims, fetch: [layer], rewrite: false, placement });
  try {
    return (await s.run(x))[layer]!;
  } finally {
    await s.release({ drop: true });
  }
}
