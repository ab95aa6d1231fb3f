// Style settings: the settings of jobs of kind 'style' (Gatys et al.'s neural style as jcjohnson/neural-style
// runs it, with its relatives texture synthesis and feature inversion) and 'stylize' (a feed-forward
// fast-style network applied to photos). Plain data checked by zod: the CLI, the Style tab and the saved run
// hold exactly what ran — the layer presets resolved into tensor names, the seed drawn, the stages sized.
//
// Units. Weights, learning rate and TV are those of neural-style in the loss network's own input space
// (for a Caffe/Keras VGG: BGR 0..255 minus the mean), so neural-style's numbers mean the same here:
//   content = contentWeight · Σ_l mean((F_l(x) − F_l(c))²)
//   style   = styleWeight · Σ_l Σ_s w_s · mean((G_l(x) − G_l(s))²),  G = F Fᵀ / (C·H·W),  w_s = blend weights / Σ
//   tv      = tvWeight · ½ Σ ((x[y,x] − x[y,x+1])² + (x[y,x] − x[y+1,x])²) over the (H−1)×(W−1) top-left region
// A model whose input is not 0..255 (InceptionV3's −1..1) has its TV term and Adam's learning rate scaled by
// the pixel → model factor, so the same numbers mean the same amount of smoothing and step in pixel levels.
import { z } from 'zod';

const id = z.string().min(1).max(200);
const layer = z.string().min(1).max(1000);
/** a long side in pixels */
const side = z.number().int().min(16, { error: 'a size is at least 16 px' }).max(8192, { error: 'a size is at most 8192 px' });

export const STYLE_MODES = ['transfer', 'texture', 'inversion'] as const;
export type StyleMode = (typeof STYLE_MODES)[number];
export const STYLE_OPTIMIZERS = ['lbfgs', 'adam'] as const;
export const STYLE_INITS = ['content', 'noise', 'style'] as const;
export type StyleInit = (typeof STYLE_INITS)[number];

/** A style image: a project photo and its blend weight (weights are normalized to sum 1, as neural-style's -style_blend_weights). */
export const styleImageSchema = z.object({
  photoId: id,
  weight: z.number().finite().gt(0, { error: 'a style blend weight is greater than 0' }).max(1000).default(1),
});
export type StyleImage = z.infer<typeof styleImageSchema>;

/** What each mode means when a setting is left out. */
export const MODE_DEFAULTS: Record<StyleMode, { init: StyleInit; contentWeight: number; styleWeight: number; tvWeight: number }> = {
  /** neural-style: -content_weight 5 -style_weight 100 -tv_weight 1e-3 -init image */
  transfer: { init: 'content', contentWeight: 5, styleWeight: 100, tvWeight: 1e-3 },
  /** Gatys et al. 2015 texture synthesis: Gram matrices only, from noise */
  texture: { init: 'noise', contentWeight: 0, styleWeight: 100, tvWeight: 1e-3 },
  /**
   * Mahendran & Vedaldi: one layer's activations only, from noise, with a TV prior — a weak one: at neural-style's
   * 1e-3 the TV term outweighs an early layer's content loss and the reconstruction of stata from relu1_1 is a blur
   */
  inversion: { init: 'noise', contentWeight: 5, styleWeight: 0, tvWeight: 1e-5 },
};

export const styleSettingsSchema = z.object({
  mode: z.enum(STYLE_MODES).default('transfer'),
  /** style images with blend weights; transfer and texture need at least one, inversion uses none */
  styles: z.array(styleImageSchema).max(8, { error: 'at most 8 style images' }).default([]),
  /** tensor names; absent: the preset for the model's architecture (the run records which, and why) */
  contentLayers: z.array(layer).min(1).max(8).optional(),
  styleLayers: z.array(layer).min(1).max(16).optional(),
  /** absent: the mode's default (MODE_DEFAULTS) */
  contentWeight: z.number().finite().min(0).optional(),
  styleWeight: z.number().finite().min(0).optional(),
  tvWeight: z.number().finite().min(0).optional(),
  optimizer: z.enum(STYLE_OPTIMIZERS).default('lbfgs'),
  /** L-BFGS curvature pairs kept (neural-style's -lbfgs_num_correction; 100 as torch's default) */
  lbfgsHistory: z.number().int().min(1).max(1000).default(100),
  /** Adam's learning rate in 0..255 pixel levels (neural-style's -learning_rate 1e1) */
  lr: z.number().finite().gt(0).max(1000).default(10),
  /** per stage; L-BFGS: one iteration = one evaluation of the model (neural-style's count) */
  iterations: z.number().int().min(1).max(20000).default(500),
  /** absent: the mode's default (content for transfer, noise for texture and inversion) */
  init: z.enum(STYLE_INITS).optional(),
  /** the output's long side (px); with multires: the last stage's */
  size: side.optional(),
  /** the style images' long side relative to the output's (neural-style's -style_scale) */
  styleScale: z.number().finite().gt(0).max(4).default(1),
  /** luminance-only transfer: the result keeps the content photo's chroma exactly (YIQ recombination) */
  originalColors: z.boolean().default(false),
  /** multi-resolution: the stages' long sides in increasing order, each stage initialized from the last one upsampled */
  multires: z.array(side).min(1).max(8).optional(),
  /** iterations per multires stage (absent: `iterations` each) */
  stageIterations: z.array(z.number().int().min(1).max(20000)).min(1).max(8).optional(),
  /**
   * neural-style's -normalize_gradients: each term's gradient is divided by its L1 norm at its layer, so the
   * weights balance terms of very different scales (best with Adam)
   */
  normalizeGradients: z.boolean().default(false),
  /** absent: drawn and recorded (noise init; nothing else is random) */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
});
export type StyleSettingsInput = z.input<typeof styleSettingsSchema>;
export type StyleSettings = z.output<typeof styleSettingsSchema>;

export const DEFAULT_STYLE_SIZE = 512;

/** The settings with every mode default filled in (layers stay as given: the recipe resolves them against the model). */
export interface ResolvedStyleSettings extends StyleSettings {
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  init: StyleInit;
  size: number;
  /** the stages' long sides, the last one = size */
  stages: number[];
  /** iterations of each stage */
  stageIterations: number[];
  /**
   * per stage: null to run it as one image, or the square tile side and overlap (px) of a stage too big for
   * the engine's memory budget as one image (tiled refinement; decided by the engine before the job is queued)
   */
  stageTiles?: (StageTiling | null)[];
}

export interface StageTiling { size: number; overlap: number }

/** Parse and fill the mode's defaults; the errors name the setting. */
export function parseStyleSettings(value: unknown): ResolvedStyleSettings {
  const r = styleSettingsSchema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad style setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const s = r.data;
  const d = MODE_DEFAULTS[s.mode];
  if (s.mode !== 'inversion' && s.styles.length === 0) throw new Error(`bad style setting styles: ${s.mode === 'texture' ? 'texture synthesis' : 'style transfer'} needs at least one style image`);
  if (s.multires) {
    for (let i = 1; i < s.multires.length; i++) {
      if (!(s.multires[i]! > s.multires[i - 1]!)) throw new Error(`bad style setting multires: the stages' sizes must increase (got ${s.multires.join(', ')})`);
    }
    if (s.size !== undefined && s.size !== s.multires[s.multires.length - 1]) {
      throw new Error(`bad style setting size: ${s.size} is not the last multires stage (${s.multires.join(', ')}); the last stage is the output size`);
    }
  }
  const stages = s.multires ?? [s.size ?? DEFAULT_STYLE_SIZE];
  if (s.stageIterations && s.stageIterations.length !== stages.length) {
    throw new Error(`bad style setting stageIterations: ${s.stageIterations.length} values for ${stages.length} stage(s)`);
  }
  if (s.mode === 'inversion' && s.contentLayers && s.contentLayers.length !== 1) throw new Error('bad style setting contentLayers: feature inversion reconstructs from exactly one layer');
  const resolved: ResolvedStyleSettings = {
    ...s,
    contentWeight: s.contentWeight ?? d.contentWeight,
    styleWeight: s.styleWeight ?? d.styleWeight,
    tvWeight: s.tvWeight ?? d.tvWeight,
    init: s.init ?? d.init,
    size: stages[stages.length - 1]!,
    stages,
    stageIterations: s.stageIterations ?? stages.map(() => s.iterations),
  };
  if (resolved.mode === 'texture' && resolved.init === 'content') throw new Error('bad style setting init: texture synthesis has no content photo to start from (use noise or style)');
  if (resolved.mode === 'inversion' && resolved.init === 'style') throw new Error('bad style setting init: feature inversion has no style image to start from (use noise or content)');
  return resolved;
}

// ---- live progress --------------------------------------------------------------------------------
// The job runtime's progress carries a message string; a style job writes its losses there in this one
// format so the Style tab can draw the live loss curve from job:update events without a new channel.

export interface StyleLosses {
  total: number;
  content: number;
  style: number;
  tv: number;
  /** weighted content loss per content layer, in settings order */
  contentLayers: number[];
  /** weighted style loss per style layer (all style images blended), in settings order */
  styleLayers: number[];
}

export interface StyleProgressPoint {
  stage: number;
  stages: number;
  /** a tiled stage: the tile (1-based) and how many */
  tile?: number;
  tiles?: number;
  iteration: number;
  iterations: number;
  losses: StyleLosses;
}

const num = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));

/** e.g. `stage 1/2 · iteration 120/500 · loss 2.91e+6 = content 1.93e+6 [1.93e+6] + style 6.88e+5 [1.1e+5 2.2e+5 …] + tv 1.07e+5` */
export function formatStyleProgress(p: StyleProgressPoint): string {
  const l = p.losses;
  return `stage ${p.stage + 1}/${p.stages}${p.tiles ? ` · tile ${p.tile}/${p.tiles}` : ''} · iteration ${p.iteration}/${p.iterations} · loss ${num(l.total)} = content ${num(l.content)} [${l.contentLayers.map(num).join(' ')}] + style ${num(l.style)} [${l.styleLayers.map(num).join(' ')}] + tv ${num(l.tv)}`;
}

/** The point a progress message of a style job carries (undefined for its other messages: compiling, targets…). */
export function parseStyleProgress(message: string | undefined): StyleProgressPoint | undefined {
  const m = /^stage (\d+)\/(\d+)(?: · tile (\d+)\/(\d+))? · iteration (\d+)\/(\d+) · loss (\S+) = content (\S+) \[([^\]]*)\] \+ style (\S+) \[([^\]]*)\] \+ tv (\S+)$/.exec(message ?? '');
  if (!m) return undefined;
  const list = (s: string) => (s.trim() ? s.trim().split(' ').map(Number) : []);
  return {
    stage: Number(m[1]) - 1, stages: Number(m[2]), ...(m[3] ? { tile: Number(m[3]), tiles: Number(m[4]) } : {}), iteration: Number(m[5]), iterations: Number(m[6]),
    losses: { total: Number(m[7]), content: Number(m[8]), contentLayers: list(m[9]!), style: Number(m[10]), styleLayers: list(m[11]!), tv: Number(m[12]) },
  };
}

// ---- the saved style run (kind 'style', record version 1) ------------------------------------------

/** how the layers were chosen: the preset's name and the reason in words (e.g. "Keras VGG19 naming: block4_conv2 …") */
export const layerChoiceSchema = z.object({
  content: z.enum(['given', 'preset']),
  style: z.enum(['given', 'preset']),
  /** vgg-keras | vgg-caffe | vgg-onnx-zoo | vgg-torchvision | inception-v3-keras | depth */
  preset: z.string().optional(),
  reason: z.string(),
});

export const styleRunSettingsSchema = styleSettingsSchema.extend({
  contentLayers: z.array(z.string()),
  styleLayers: z.array(z.string()),
  contentWeight: z.number(),
  styleWeight: z.number(),
  tvWeight: z.number(),
  init: z.enum(STYLE_INITS),
  size: z.number().int(),
  seed: z.number().int(),
  layerChoice: layerChoiceSchema,
  /** each stage as it ran: width × height of the image optimized and its iterations (per tile, for a tiled stage: its tile side, overlap and count) */
  stages: z.array(z.object({ width: z.number().int(), height: z.number().int(), iterations: z.number().int(), tile: z.object({ size: z.number().int(), overlap: z.number().int(), count: z.number().int() }).optional() })),
  /** the style images' sizes at the last stage (after styleScale), in settings.styles order */
  styleSizes: z.array(z.object({ width: z.number().int(), height: z.number().int() })),
  /** the loss network's input, and the preprocessing the photos went through into it */
  modelInput: z.string(),
  preprocess: z.object({ preset: z.string(), channelOrder: z.enum(['RGB', 'BGR']), rangeMin: z.number(), rangeMax: z.number(), mean: z.array(z.number()), std: z.array(z.number()) }),
  /** "continue from this result": the style run whose image this one started from */
  fromRunId: z.string().optional(),
});
export type StyleRunSettings = z.output<typeof styleRunSettingsSchema>;

const lossesSchema = z.object({
  total: z.number(), content: z.number(), style: z.number(), tv: z.number(),
  contentLayers: z.array(z.number()), styleLayers: z.array(z.number()),
});

export const styleResultSchema = z.object({
  status: z.enum(['done', 'cancelled']),
  width: z.number().int(),
  height: z.number().int(),
  /** iterations run over all stages */
  iterationsDone: z.number().int(),
  /** on the final image (the last stage's size; before original colours are put back) */
  losses: lossesSchema,
  /** the losses on the starting image of the first stage */
  lossesStart: lossesSchema,
  /** every few iterations: [stage, iteration within the stage, total, content, style, tv] */
  curve: z.array(z.tuple([z.number().int(), z.number().int(), z.number(), z.number(), z.number(), z.number()])),
  timings: z.object({
    totalMs: z.number(),
    /** forward runs for the Gram and content targets */
    targetsMs: z.number(),
    /** compiling and creating the gradient sessions (0 when the worker had them) */
    compileMs: z.number(),
    /** median ms per iteration of the last stage (model + optimizer) */
    msPerIteration: z.number(),
    stages: z.array(z.object({ width: z.number().int(), height: z.number().int(), iterations: z.number().int(), ms: z.number(), tile: z.object({ size: z.number().int(), overlap: z.number().int(), count: z.number().int() }).optional() })),
  }),
  fallbackReason: z.string().optional(),
});
export type StyleResult = z.output<typeof styleResultSchema>;

// ---- fast style: kind 'stylize' -------------------------------------------------------------------

export const stylizeSettingsSchema = z.object({
  /** the output's long side (absent: each photo's own size) */
  size: side.optional(),
  /** tile overlap (px) for fixed-size networks and photos beyond the memory budget; blended linearly */
  overlap: z.number().int().min(0).max(1024).default(64),
  /** tile side for networks that take any size (absent: 1024; a photo up to that size runs whole) */
  tile: z.number().int().min(64).max(4096).optional(),
});
export type StylizeSettingsInput = z.input<typeof stylizeSettingsSchema>;
export type StylizeSettings = z.output<typeof stylizeSettingsSchema>;

export function parseStylizeSettings(value: unknown): StylizeSettings {
  const r = stylizeSettingsSchema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad stylize setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}

export const stylizeRunSettingsSchema = stylizeSettingsSchema.extend({
  photoIds: z.array(z.string()),
  /** the network's input and output tensors and the fixed input size it demands (absent: any size) */
  modelInput: z.string(),
  modelOutput: z.string(),
  fixedSize: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
  /** the pixel space both its input and output are read in (the model's preprocessing) */
  preprocess: z.object({ preset: z.string(), channelOrder: z.enum(['RGB', 'BGR']), rangeMin: z.number(), rangeMax: z.number(), mean: z.array(z.number()), std: z.array(z.number()) }),
});

export const stylizeResultSchema = z.object({
  status: z.enum(['done', 'cancelled']),
  /** one per photo finished, in photoIds order */
  items: z.array(z.object({
    photoId: z.string(),
    /** the artifact's name: run.artifacts.find(a => a.name === image) */
    image: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    tiles: z.number().int(),
    ms: z.number(),
  })),
  timings: z.object({ totalMs: z.number(), sessionMs: z.number() }),
  fallbackReason: z.string().optional(),
});
