// How a feature visualization's [0, 1] RGB image reaches the model.
//
// 1. Geometry, in JS (exact linear maps with adjoints, from the optimization library's kernels): the
//    standard transforms leave a different size every step (pad, crop jitter, scale, rotate). Compiling a
//    gradient graph per size would fill the session cache with ~30 graphs per render, so every evaluation
//    ends with a centre crop (or a centre pad with Lucid's grey) back to the render size S×S: one compiled
//    session per (batch, size) serves the whole render, and the final, untransformed image is measured
//    by the very same graph. When the model cannot run at S (a class target behind a fully connected
//    head, an input of fixed size) the S×S image is then resized bilinearly (aligned corners, Lucent's
//    upsample) to the model's own size.
// 2. Values, inside the compiled graph: a 1×1 convolution in front of the model maps RGB [0, 1] to the
//    model's channels and value range — the preprocessing's affine map with its channel order, luma for a
//    1-channel input, RGB repeated for other channel counts — and a Transpose for NHWC models. The
//    gradient compiler differentiates it like any layer, so the gradient arrives in RGB [0, 1] directly.
import { affine, type PixelSpace } from '../../../shared/pixels';
import { makeTensor, type Model, type Node } from '../onnx/model';
import { alignCornersTaps, axisMap, chainMaps, identityMap, separableMap, type LinearMap } from '../optim/transforms/kernels';
import type { Dims } from '../optim/index';

/** Lucid's pad grey: what a centre pad fills with (the pad transform's own value) */
export const FIT_FILL = 0.5;

/** ITU-R BT.601 luma, as the pixel tensors of 1-channel models (src/main/engine/pixels/tensor.ts) */
export const LUMA = [0.299, 0.587, 0.114] as const;

export interface ModelInput {
  /** the model's image input */
  name: string;
  /** the model's image channels (1: luma) */
  channels: number;
  layout: 'NCHW' | 'NHWC';
  /** what the model is run at */
  width: number;
  height: number;
}

/** the graph input the RGB [0, 1] image is fed to */
export const RGB_INPUT = 'featurevis_rgb01';

/**
 * The 1×1 convolution's weights [C, 3, 1, 1] and bias [C] mapping RGB [0, 1] to model channel values
 * through `space` (model channel c reads RGB channel source[c mod 3], or the luma for one channel).
 */
export function rgbWeights(space: PixelSpace, channels: number): { weight: Float32Array; bias: Float32Array } {
  const { scale, offset, source } = affine(space);
  const weight = new Float32Array(channels * 3);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const k = c % 3;
    // affine() maps 0..255 pixels; the image here is 0..1
    const s = 255 * scale[k]!;
    if (channels === 1) LUMA.forEach((l, j) => (weight[j] = s * l));
    else weight[c * 3 + source[k]!] = s;
    bias[c] = offset[k]!;
  }
  return { weight, bias };
}

/** `model` with its image input replaced by RGB01 [N, 3, H, W] and the preprocessing as its first node. */
export function withRgbInput(model: Model, input: ModelInput, space: PixelSpace): Model {
  const g = model.graph;
  const taken = new Set([...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => n.outputs), ...g.initializers.map((t) => t.name)]);
  if (taken.has(RGB_INPUT)) throw new Error(`the model already has a tensor named ${RGB_INPUT}`);
  if (!g.inputs.some((i) => i.name === input.name)) throw new Error(`the model has no input "${input.name}"`);
  const { weight, bias } = rgbWeights(space, input.channels);
  const w = `${RGB_INPUT}/weight`, b = `${RGB_INPUT}/bias`;
  const nchw = input.layout === 'NCHW' ? input.name : `${RGB_INPUT}/nchw`;
  const nodes: Node[] = [
    { name: `${RGB_INPUT}/preprocess`, opType: 'Conv', domain: '', inputs: [RGB_INPUT, w, b], outputs: [nchw], attrs: { kernel_shape: { type: 'ints', value: [1, 1] } } },
  ];
  if (input.layout === 'NHWC') {
    nodes.push({ name: `${RGB_INPUT}/to_nhwc`, opType: 'Transpose', domain: '', inputs: [nchw], outputs: [input.name], attrs: { perm: { type: 'ints', value: [0, 2, 3, 1] } } });
  }
  return {
    ...model,
    graph: {
      ...g,
      nodes: [...nodes, ...g.nodes],
      initializers: [...g.initializers, makeTensor(w, 'float32', [input.channels, 3, 1, 1], weight), makeTensor(b, 'float32', [input.channels], bias)],
      inputs: [{ name: RGB_INPUT, dtype: 'float32', shape: ['N', 3, 'H', 'W'] }, ...g.inputs.filter((i) => i.name !== input.name)],
      valueInfo: g.valueInfo.filter((v) => v.name !== input.name),
    },
  };
}

/** A session-cache variant name for the RGB prefix: the same model with another preprocessing is another graph. */
export function rgbVariant(space: PixelSpace, input: ModelInput): string {
  return `featurevis-rgb01:${JSON.stringify([space.channelOrder, space.rangeMin, space.rangeMax, space.mean, space.std, input.channels, input.layout])}`;
}

/** centre crop or centre pad (grey) of one axis: output i reads input i − offset */
function centred(out: number, n: number): Int32Array {
  const offset = Math.floor((out - n) / 2);
  return Int32Array.from({ length: out }, (_, i) => {
    const s = i - offset;
    return s >= 0 && s < n ? s : -1;
  });
}

/**
 * The map from this step's transformed image [B, 3, h, w] to what the model is fed: centre crop/pad to
 * size×size, then (when the model runs at another size) a bilinear resize to it. Cached per input size.
 */
export function fitter(size: { h: number; w: number }, model: { h: number; w: number }): (dims: Dims) => LinearMap {
  const cache = new Map<string, LinearMap>();
  return (dims) => {
    const key = dims.join('x');
    let m = cache.get(key);
    if (m) return m;
    const [b, c, h, w] = dims;
    const parts: LinearMap[] = [];
    if (h !== size.h || w !== size.w) parts.push(axisMap(dims, centred(size.h, h), centred(size.w, w), FIT_FILL));
    const fitted: Dims = [b, c, size.h, size.w];
    if (model.h !== size.h || model.w !== size.w) parts.push(separableMap(fitted, alignCornersTaps(size.h, model.h), alignCornersTaps(size.w, model.w)));
    m = parts.length === 0 ? identityMap(dims) : parts.length === 1 ? parts[0]! : chainMaps(parts, dims);
    cache.set(key, m);
    return m;
  };
}
