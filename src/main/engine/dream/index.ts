// DeepDream: public surface for the CLI, the engine host and tests.
export { dream, modelImageInput, type DreamOutcome, type DreamRequest, type ImageSource, type ResolvedDreamSettings } from './dream';
export { dreamSettingsSchema, dreamLayerSchema, parseDreamSettings, parseLayerSpec, CLASSIC_DEFAULTS, type DreamSettings, type DreamSettingsInput, type DreamLayer } from '../../../shared/jobs/dream';
export { encodeDream, dreamPngToJpeg, readDreamRecord, dreamRecord, DREAM_TEXT_KEY, type DreamRecord } from './export';
// what a dream takes and gives (defined in ../pixels and src/shared/pixels.ts)
export { decodeRgb, type PixelSpace, type Rgb } from '../pixels/index';
export { defaultDreamLayer } from './objective';
export type { DreamProgress, OctaveReport, LoopHooks } from './loop';
