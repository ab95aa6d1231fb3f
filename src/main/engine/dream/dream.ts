// One DeepDream run, from a photo and a model to an image: resolves the settings (default layer,
// seed, tile margin from the layer's receptive field), builds the objective (plain, channels or
// guided), runs the loop with compiled gradient sessions, and reports timings and objectives.
import type { ExecutionProviderName } from '../../../shared/contract';
import type { Objective } from '../../../shared/objectives';
import type { Model } from '../onnx/model';
import { CompiledGradients, layerActivations, type SessionTiming } from './gradients';
import { runDreamLoop, planFor, type LoopHooks, type LoopSettings, type OctaveReport } from './loop';
import { dreamObjective, defaultDreamLayer, withGuideScore } from './objective';
import { affine, decodeRgb, resizeRgb, toPlanar, type PixelSpace, type Rgb } from '../pixels/index';
import { receptiveField, spatialSize } from './receptive-field';
import { parseDreamSettings, type DreamLayer, type DreamSettings, type DreamSettingsInput } from '../../../shared/jobs/dream';

export type ImageSource = string | Uint8Array | Rgb;

export interface DreamRequest {
  photo: ImageSource;
  model: Model;
  space: PixelSpace;
  settings: DreamSettingsInput;
  /** the guide image; when absent but settings.guide is a path, that file is read */
  guide?: ImageSource;
  provider?: ExecutionProviderName;
  threads?: number;
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

  const photo = await toRgb(req.photo, 'photo');
  let model = req.model;
  let guideScores: Map<string, string> | undefined;
  const guideSrc = req.guide ?? s.guide;
  if (guideSrc !== undefined) {
    if (layers.some((l) => l.channels)) throw new Error('guided dreaming matches whole feature vectors: remove the channel selection from the layers, or the guide');
    const g = await toRgb(guideSrc, 'guide image');
    const k = Math.min(1, s.guideSize / Math.max(g.width, g.height));
    const gs = await resizeRgb(g, Math.max(1, Math.round(g.width * k)), Math.max(1, Math.round(g.height * k)));
    const x = toPlanar(gs, req.space);
    guideScores = new Map();
    for (const l of layers) {
      const act = await layerActivations(req.model, input, l.name, x.data, [1, 3, gs.height, gs.width], { provider: req.provider, threads: req.threads });
      const c = act.dims[1]!;
      const r = withGuideScore(model, l.name, act.data, c);
      model = r.model;
      guideScores.set(l.name, r.score);
    }
  }
  const objective = dreamObjective(layers, guideScores);
  const positions = (h: number, w: number) => new Map(layers.map((l) => { const [a, b] = spatialSize(req.model, input, h, w, l.name); return [l.name, a * b]; }));
  const provider = req.provider ?? 'cpu';
  const grads = new CompiledGradients({
    model, input, provider, threads: req.threads,
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
    const r = await runDreamLoop(photo, req.space, grads, loop, { ...hooks, measureObjective: measure });
    const ran = grads.providers.size === 0 ? provider : grads.providers.size === 1 ? [...grads.providers][0]! : 'cpu';
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
