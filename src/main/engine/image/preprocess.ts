// Moved: presets and the pixel map are src/shared/pixels.ts, tensors and the guess src/main/engine/pixels/.
// Re-exports only, kept for tests owned elsewhere that still import this path (host/host.test.ts,
// store/project.test.ts); delete once they import src/shared/pixels.ts.
export { preset, PRESET_NAMES, KERAS_CAFFE_MEAN, type PresetName } from '../../../shared/pixels';
export { imageToTensor, tensorToImage, type ModelTensor } from '../pixels/tensor';
export { guessPreprocess } from '../pixels/guess';
