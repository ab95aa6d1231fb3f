// The optimization library: image parameterizations, differentiable transforms, optimizers and
// regularizers as plain-data specs, composed by one render loop. Pure TypeScript on typed arrays; the
// model enters only through an Evaluate callback. See README.md.
export * from './types';
export {
  createParam, paramStages, LUCID_INIT_STD, INIT_GREY,
  type ParamSpec, type PixelParamSpec, type FourierParamSpec, type MacoParamSpec, type OutputMap, type Parameterization, type ParamInit,
} from './param';
export { macoPhaseStage, macoFourierStage, naturalMagnitude, photoMagnitude, NATURAL_STD } from './param/maco';
export { fourierStage, rfft2dFreqs, spectrumScale, spectrumSize, LUCID_FFT_IMAGE_SCALE, LUCID_FFT_DECAY } from './param/fourier';
export { decorrelateStage, sigmoidStage, clampStage, COLOR_CORRELATION_SVD_SQRT, MAX_NORM_SVD_SQRT, COLOR_CORRELATION_NORMALIZED, PHOTO_LOGIT_EPSILON } from './param/color';
export type { Stage } from './param/stage';
export { fftPlan, type FftPlan } from './param/fft';
export { irfft2Plane, rfft2Plane, halfWidth } from './param/fft2d';
export {
  drawTransform, drawTransforms, compose, STANDARD_TRANSFORMS,
  STANDARD_PAD, STANDARD_PAD_VALUE, STANDARD_JITTER, STANDARD_SCALES, STANDARD_ANGLES, STANDARD_FINAL_JITTER,
  type TransformSpec, type DrawnTransform,
} from './transforms';
export type { LinearMap } from './transforms/kernels';
export * from './optimizers';
export { applyRegularizer, blur, LUCID_L2_EPSILON, type RegularizerSpec } from './regularizers';
export {
  render, measureObjectives, RUN_TO_END, TRANSFORM_STREAM,
  type RenderSpec, type RenderDeps, type RenderControl, type RenderResult, type StepInfo,
} from './render';
