// Moved: presets and the pixel map are src/shared/pixels.ts, tensors and the guess src/main/engine/pixels/.
// Re-exports only, kept for modules owned elsewhere that still import this path (host/host.ts,
// host/attribution.ts, host/host.test.ts, store/project.test.ts, src/cli/common.ts); delete once they
// import '../pixels/index' (or '../../shared/pixels').
export { preset, PRESET_NAMES, KERAS_CAFFE_MEAN, type PresetName } from '../../../shared/pixels';
export { imageToTensor, tensorToImage, type ModelTensor } from '../pixels/tensor';
export { guessPreprocess } from '../pixels/guess';
