// Moved: src/main/engine/pixels/ (rgb.ts, planar.ts) and src/shared/pixels.ts. Re-exports only, kept for
// modules owned elsewhere that still import this path (dream/job.ts, dream/worker-protocol.ts,
// src/cli/common.ts); delete once they import '../pixels/index'.
export type { PixelSpace } from '../../../shared/pixels';
export { decodeRgb, resizeRgb, type Rgb } from '../pixels/rgb';
export { toPlanar, fromPlanar, subtractPhoto } from '../pixels/planar';
