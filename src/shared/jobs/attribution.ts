// Attribution settings: the settings of a job of kind 'attribution'. Every method has the one shape of Captum:
// attribute(input, target, settings) → a map shaped like the input. Settings are plain serializable data
// validated by zod, so the CLI, the UI and a project file all store exactly what ran (defaults filled in).
import { z } from 'zod';

export const ATTRIBUTION_METHODS = [
  'saliency', 'gradxinput', 'smoothgrad', 'ig', 'guided', 'deconvnet', 'gradcam', 'guided-gradcam', 'occlusion',
] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

/** Methods that SmoothGrad can wrap: anything whose map is built from input gradients. */
export const NOISE_TUNNEL_INNER = ['saliency', 'gradxinput', 'ig', 'guided', 'deconvnet'] as const;
export type NoiseTunnelInner = (typeof NOISE_TUNNEL_INNER)[number];

/** What the map explains. 'top1' is resolved to a class before anything runs; the stored settings keep the resolved class. */
export const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('top1') }),
  z.object({ kind: z.literal('class'), index: z.number().int().min(0), label: z.string().optional() }),
  /** mean of one channel of a layer (over its spatial positions) */
  z.object({ kind: z.literal('channel'), layer: z.string().min(1), channel: z.number().int().min(0) }),
  /** one neuron: layer[channel, y, x] */
  z.object({ kind: z.literal('neuron'), layer: z.string().min(1), channel: z.number().int().min(0), y: z.number().int().min(0), x: z.number().int().min(0) }),
]);
export type TargetSpec = z.infer<typeof targetSchema>;
export type ResolvedTarget = Exclude<TargetSpec, { kind: 'top1' }>;

const common = {
  target: targetSchema.default({ kind: 'top1' }),
  /** how many images go through one session run (SmoothGrad/IG samples, occluded copies) */
  batchSize: z.number().int().min(1).max(256).default(8),
  /** seed of every random draw (SmoothGrad noise, noise baselines): same seed, same map */
  seed: z.number().int().default(0),
};

/**
 * IG's reference image. 'black': pixel 0 put through the preprocessing (BGR −[104,117,123] for caffe);
 * 'blurred': a blurred copy of the photo; 'noise': uniform noise pixels; 'zero': 0 in the model's input
 * space — the mean colour for mean-subtracted inputs (caffe, torch), Captum's default and the PyTorch reference's.
 */
export const IG_BASELINES = ['black', 'blurred', 'noise', 'zero'] as const;
export type IgBaseline = (typeof IG_BASELINES)[number];

const igOptions = {
  steps: z.number().int().min(1).max(4096).default(32),
  baseline: z.enum(IG_BASELINES).default('black'),
  /** Gaussian blur sigma for the 'blurred' baseline, in input pixels */
  blurSigma: z.number().positive().max(1000).default(10),
  /** quadrature: Gauss–Legendre (Captum's default) or the trapezoid rule (both endpoints included) */
  integration: z.enum(['gausslegendre', 'trapezoid']).default('gausslegendre'),
};

/**
 * How a gradient method's C×H×W map becomes the stored map (and so what the overlay, the UI's map and the
 * exports show). 'none' keeps every channel, signed: display and CSV then sum the channels. 'max-abs' stores
 * max_c |value| as [1,1,H,W] (Simonyan et al.'s saliency map; the PyTorch reference's saliency, guided
 * backprop and SmoothGrad maps); 'sum' stores Σ_c value (the reference's IG map). SmoothGrad reduces each
 * noisy sample's map before averaging: 'max-abs' there is mean_i max_c |g_i|, not max_c |mean_i g_i|.
 */
export const CHANNEL_REDUCTIONS = ['none', 'sum', 'max-abs'] as const;
export type ChannelReduction = (typeof CHANNEL_REDUCTIONS)[number];
const gradientMap = { channelReduction: z.enum(CHANNEL_REDUCTIONS).default('none') };

/**
 * What occlusion measures a class target's drop on: its logit, or its softmax probability (Zeiler & Fergus,
 * and the PyTorch reference: p_k(x) − p_k(occluded)). Channel and neuron targets only have 'logit' (their raw value).
 */
export const OCCLUSION_SCORES = ['logit', 'probability'] as const;

export const attributionSettingsSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('saliency'), ...common, ...gradientMap }),
  z.object({ method: z.literal('gradxinput'), ...common, ...gradientMap }),
  z.object({ method: z.literal('guided'), ...common, ...gradientMap }),
  z.object({ method: z.literal('deconvnet'), ...common, ...gradientMap }),
  z.object({ method: z.literal('ig'), ...common, ...igOptions, ...gradientMap }),
  z.object({
    method: z.literal('smoothgrad'), ...common, ...gradientMap,
    samples: z.number().int().min(1).max(1024).default(25),
    /** noise standard deviation as a fraction of the input's value range (max − min), as in the SmoothGrad paper */
    noiseLevel: z.number().min(0).max(10).default(0.15),
    /** the gradient method averaged over noisy copies */
    inner: z.enum(NOISE_TUNNEL_INNER).default('saliency'),
    /** 'smoothgrad' averages the maps; 'vargrad' takes their variance */
    variant: z.enum(['smoothgrad', 'vargrad']).default('smoothgrad'),
    /** options of the inner method when it is 'ig' */
    ...igOptions,
  }),
  z.object({
    method: z.literal('gradcam'), ...common,
    /** layer whose activations and gradients make the map; default: the last convolutional block */
    layer: z.string().min(1).optional(),
  }),
  z.object({ method: z.literal('guided-gradcam'), ...common, ...gradientMap, layer: z.string().min(1).optional() }),
  z.object({
    method: z.literal('occlusion'), ...common,
    /** side of the square occluding window, in input pixels */
    window: z.number().int().min(1).max(8192).default(32),
    stride: z.number().int().min(1).max(8192).default(16),
    /** value written into the window, in the model's input (preprocessed) space: 0 is the mean colour for torch/caffe */
    baselineValue: z.number().default(0),
    classScore: z.enum(OCCLUSION_SCORES).default('logit'),
  }),
]);
export type AttributionSettings = z.output<typeof attributionSettingsSchema>;
export type AttributionSettingsInput = z.input<typeof attributionSettingsSchema>;
export type SettingsOf<M extends AttributionMethod> = Extract<AttributionSettings, { method: M }>;

/** Validate and fill defaults; the error names the setting. */
export function parseAttributionSettings(raw: unknown): AttributionSettings {
  const r = attributionSettingsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`bad attribution setting ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return r.data;
}
