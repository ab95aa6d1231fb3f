// DeepDream: public surface for the CLI, the engine host and tests.
export { dream, modelImageInput, type DreamOutcome, type DreamRequest, type ImageSource, type ResolvedDreamSettings } from './dream';
export { DreamControl } from './control';
export { dreamSettingsSchema, dreamLayerSchema, parseDreamSettings, parseLayerSpec, CLASSIC_DEFAULTS, type DreamSettings, type DreamSettingsInput, type DreamLayer } from '../../../shared/jobs/dream';
export { encodeDream, dreamPngToJpeg, readDreamRecord, dreamRecord, DREAM_TEXT_KEY, type DreamRecord } from './export';
export { decodeRgb, PIXEL_PRESETS, CAFFE_SPACE, type PixelSpace, type Rgb } from './pixels';
export { defaultDreamLayer } from './objective';
export type { DreamProgress, OctaveReport, LoopHooks } from './loop';
