// Every gradient method is written as a *plan*: which images to differentiate at ("samples"), what to
// do with each sample's gradient, and how to finish the map. The runner pushes all samples of a plan
// through one compiled session in batches, so SmoothGrad's noisy copies and IG's path points are
// batched no matter how the plans nest (SmoothGrad(IG) is one flat list of samples).

/** What the gradient session returns for one image. Arrays are views valid only during `take`. */
export interface SampleResult {
  /** the target's value on this sample */
  score: number;
  /** d target / d input, C×H×W (empty when the plan said it needs none) */
  inputGrad: Float32Array;
  /** layer activations and d target / d layer, each [K, h, w] for this item */
  layers: Record<string, { act: Float32Array; grad: Float32Array; dims: number[] }>;
}

export interface GradPlan {
  readonly sampleCount: number;
  /** false when only layer gradients are used (Grad-CAM): the backward pass below the layer is dropped */
  readonly needsInputGrad?: boolean;
  /** write sample i (C×H×W) into dst */
  fill(i: number, dst: Float32Array): void;
  take(i: number, r: SampleResult): void;
  /** images whose target value the finished map needs (IG's endpoints); scored with forward passes */
  readonly scoreImages: Float32Array[];
  finish(scores: number[]): PlanOutput;
}

export interface PlanOutput {
  map: Float32Array;
  /** IG: Σ attr and f(x) − f(baseline), summed over the images the plan explains */
  completeness?: { attributionSum: number; scoreDelta: number; baselineScore: number };
}

/** The gradient (saliency, guided backprop, deconvnet — the rules decide which), optionally × input. */
export function gradientPlan(x: Float32Array, timesInput: boolean): GradPlan {
  const map = new Float32Array(x.length);
  return {
    sampleCount: 1,
    fill: (_i, dst) => dst.set(x),
    take: (_i, r) => {
      if (timesInput) for (let k = 0; k < x.length; k++) map[k] = r.inputGrad[k]! * x[k]!;
      else map.set(r.inputGrad);
    },
    scoreImages: [],
    finish: () => ({ map }),
  };
}
