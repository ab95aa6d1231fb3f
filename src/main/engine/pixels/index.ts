// Engine-side pixels: decoding and resizing photos (sharp), model-space planes, model input tensors,
// and the one preprocessing guess. The pure definitions (PixelSpace, presets, the pixel ↔ model map)
// are in src/shared/pixels.ts, re-exported here so engine code has one import.
export * from '../../../shared/pixels';
export { decodeRgb, resizeRgb, type Rgb } from './rgb';
export { planar, toPlanar, fromPlanar, subtractPhoto, type Planar } from './planar';
export { imageToTensor, tensorToImage, type ModelTensor } from './tensor';
export { guessPreprocess } from './guess';
