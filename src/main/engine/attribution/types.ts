// The engine's attribution types: an input image and a result (the settings schema is the job spec's,
// in src/shared/jobs/attribution.ts, so the renderer, CLI and store read it typed).
import type { ExecutionProviderName } from '../../../shared/contract';
import type { AttributionSettings } from '../../../shared/jobs/attribution';
export * from '../../../shared/jobs/attribution';

/** One image in the model's input space: C×H×W float32, C order. */
export interface InputImage {
  data: Float32Array;
  /** [1, C, H, W] */
  shape: [1, number, number, number];
}

export interface AttributionResult {
  /** settings as run: defaults filled in, 'top1' replaced by the class it meant, Grad-CAM's layer filled in */
  settings: AttributionSettings;
  /** [1, C, H, W] for gradient and occlusion methods; [1, 1, H, W] for Grad-CAM (one map for all channels) */
  shape: number[];
  map: Float32Array;
  /** f(x): the target's value on the unchanged input */
  targetScore: number;
  /** Integrated Gradients (also inside SmoothGrad): how far Σ attr is from f(x) − f(baseline) */
  completeness?: { attributionSum: number; scoreDelta: number; baselineScore: number; relativeError: number };
  /** Grad-CAM before upsampling, at the layer's resolution [h, w] */
  layerMap?: { shape: [number, number]; data: Float32Array };
  timings: {
    totalMs: number;
    /** building gradient graphs and sessions (0 when cached) */
    prepareMs: number;
    /** session.run time */
    runMs: number;
    /** images pushed through the network (forward or forward+backward) */
    passes: number;
  };
  /** the execution provider the run's sessions ran on ('cpu' when any of them fell back to CPU) */
  provider: ExecutionProviderName;
  /** every provider used, when there were several (some sessions fell back to CPU) */
  providers?: ExecutionProviderName[];
  /** why a session could not go on the requested provider and runs on CPU */
  fallbackReason?: string;
}
