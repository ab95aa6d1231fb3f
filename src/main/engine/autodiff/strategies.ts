// How some rules spell their backward pass. Every choice computes the same gradient; they differ in
// which ONNX ops they emit, so in speed and in which execution providers can run them (WebGPU and
// CoreML have no MaxPool Indices output, for instance). They are compile options — passed to
// `compileGradient(model, { strategies })`, handed to the rules through their context, and part of a
// compiled session's cache key — never module state, so two compiles with different choices can run
// side by side (tests, the benchmark, one engine serving several providers).
import type { ExecutionProviderName } from '../../../shared/contract';

/**
 * MaxPool backward (rules/maxpool.ts):
 * - 'auto': 'separable' for 2-D stride-1 windows (GoogLeNet's inception pools) from opset 11,
 *   'indices' for everything else (measured fastest per shape; README "Performance").
 * - 'indices': recompute MaxPool with its Indices output, then MaxUnpool for disjoint windows,
 *   ScatterElements(reduction=add) from opset 16, MaxUnpool phases before.
 * - 'offsets' / 'separable' / 'onehot' (opset 11+, rules/maxpool-offsets.ts): exact first maximum
 *   without Indices or scatter — per kernel offset compares, the same along rows then columns, or a
 *   one-hot depthwise Conv + ArgMax + ConvTranspose.
 * - 'match' (no dilation): compare X with the upsampled output, no indices, no scatter — only
 *   elementwise ops every provider has; ties inside a window all receive the gradient.
 * - 'blocks' (square kernel == stride, no pads): SpaceToDepth + ArgMax + DepthToSpace, exact, no indices.
 * - 'scatter' / 'phases' / 'gather' / 'dense': force one way of scattering the indices (comparisons).
 */
export const MAX_POOL_STRATEGIES = ['auto', 'match', 'blocks', 'offsets', 'separable', 'onehot', 'indices', 'scatter', 'phases', 'gather', 'dense'] as const;
export type MaxPoolStrategy = (typeof MAX_POOL_STRATEGIES)[number];

/** Conv backward (rules/conv.ts): 'auto' = a flipped-kernel Conv for stride 1, ConvTranspose otherwise. */
export const CONV_STRATEGIES = ['auto', 'transpose'] as const;
export type ConvStrategy = (typeof CONV_STRATEGIES)[number];

/**
 * 3×3 stride-1 convolutions as Winograd F(2×2, 3×3) or F(4×4, 3×3) (rules/winograd.ts): a forward
 * rewrite whose gradient the ordinary rules build. 'off' (the default) keeps onnxruntime's direct Conv,
 * bit for bit what the gradient fixtures check; the others trade float32-level differences for speed.
 */
export const WINOGRAD_STRATEGIES = ['off', 'f2', 'f4'] as const;
export type WinogradStrategy = (typeof WINOGRAD_STRATEGIES)[number];

/** LRN backward window sums (rules/norm.ts): shifted slices + Sum (default), or an AveragePool. */
export const LRN_WINDOW_STRATEGIES = ['slices', 'pool'] as const;
export type LrnWindowStrategy = (typeof LRN_WINDOW_STRATEGIES)[number];

export interface CompileStrategies {
  maxPool?: MaxPoolStrategy;
  conv?: ConvStrategy;
  lrnWindow?: LrnWindowStrategy;
  winograd?: WinogradStrategy;
}

export type ResolvedStrategies = Readonly<Required<CompileStrategies>>;

export const DEFAULT_STRATEGIES: ResolvedStrategies = Object.freeze({ maxPool: 'auto', conv: 'auto', lrnWindow: 'slices', winograd: 'off' });

/** Every field filled (defaults for the missing ones), unknown values refused with their name. */
export function resolveStrategies(s: CompileStrategies = {}): ResolvedStrategies {
  const pick = <T extends string>(name: string, v: T | undefined, allowed: readonly T[], d: T): T => {
    if (v === undefined) return d;
    if (!allowed.includes(v)) throw new Error(`unknown ${name} strategy "${v}" (use ${allowed.join(', ')})`);
    return v;
  };
  return {
    maxPool: pick('maxPool', s.maxPool, MAX_POOL_STRATEGIES, DEFAULT_STRATEGIES.maxPool),
    conv: pick('conv', s.conv, CONV_STRATEGIES, DEFAULT_STRATEGIES.conv),
    lrnWindow: pick('lrnWindow', s.lrnWindow, LRN_WINDOW_STRATEGIES, DEFAULT_STRATEGIES.lrnWindow),
    winograd: pick('winograd', s.winograd, WINOGRAD_STRATEGIES, DEFAULT_STRATEGIES.winograd),
  };
}

/**
 * The strategies a compile for `provider` should use. CPU (and CUDA, DirectML, whose MaxPool kernels
 * have the Indices output) keep the defaults, which were measured on CPU. WebGPU and CoreML cannot
 * run MaxPool's Indices output (onnxruntime 1.30's WebGPU kernel: "MaxPool … The Indices output is
 * not supported yet"; ORT falls back per node only for ops it does not register, and MaxPool it
 * does), so they get the index-free first-max backward: 'separable' for 2-D windows, which is exact
 * (first maximum, as on CPU) and made of Slice/Equal/Where/Pad/Sum/Transpose, which both providers run.
 */
export function strategiesFor(provider: ExecutionProviderName): CompileStrategies {
  if (provider === 'webgpu' || provider === 'coreml') return { maxPool: 'separable' };
  return {};
}
