// How much memory a style stage needs, checked on the host before a job is queued, so an output size the
// engine cannot hold is refused with a message that says which size fits instead of the worker running out
// of memory half-way. The estimate: the gradient session keeps every feature map up to the deepest loss
// layer for the backward pass and about as much again for their gradients and onnxruntime's arena
// (ACTIVATION_FACTOR, measured on VGG19-block3 at 512 and 1024 px), plus the
// optimizer's state (L-BFGS: 2 vectors per curvature pair; Adam: 3 images) and the image buffers.
import type { LayerInfo } from '../../../shared/contract';

/** resident bytes per feature-map float byte of the layers a gradient run keeps: peak RSS measured on VGG19-block3 at 512 and 1024 px (1.1 and 3.7 GB, L-BFGS history aside) gives 2.3 */
export const ACTIVATION_FACTOR = 2.4;
/** onnxruntime, the model's weights, Node itself */
const BASE_BYTES = 300 * 1024 ** 2;

/**
 * Tiled refinement (tiles.ts): a stage over the budget runs as square tiles of the largest side up to
 * TILE_MAX that fits (bigger tiles buy little: the cost per pixel is flat, and more context per tile is
 * what a bigger tile gives), overlapping by TILE_OVERLAP of a side (at least TILE_MIN_OVERLAP px: about the
 * receptive field of VGG's block3 at stride 4), never smaller than TILE_MIN.
 */
export const TILE_MAX = 768;
export const TILE_MIN = 128;
export const TILE_OVERLAP = 1 / 8;
export const TILE_MIN_OVERLAP = 32;
/** whole-image float planes a tiled stage keeps: the image, the content photo, a style image, pictures and resize scratch */
export const WHOLE_IMAGE_BUFFERS = 6;

export interface StageMemory {
  bytes: number;
  activations: number;
  optimizer: number;
}

/**
 * Bytes for one stage at width × height. `layers` are the model's inspected layers at `inspected` size;
 * `deepest` the topological order of the deepest loss layer.
 */
export function stageMemory(
  o: { layers: readonly LayerInfo[]; inspected: { width: number; height: number }; deepest: number; width: number; height: number; optimizer: 'lbfgs' | 'adam'; history: number; weightBytes: number; batch?: number },
): StageMemory {
  const scale = (o.width * o.height) / (o.inspected.width * o.inspected.height);
  let floats = 0;
  for (const l of o.layers) {
    if (l.order > o.deepest || l.shape.length !== 4) continue;
    floats += l.shape.reduce((a, b) => a * b, 1) * scale;
  }
  // normalized gradients run one batch item per loss term
  const activations = floats * 4 * ACTIVATION_FACTOR * (o.batch ?? 1);
  const image = 3 * o.width * o.height * 4;
  const optimizer = o.optimizer === 'lbfgs' ? (2 * o.history + 4) * image : 4 * image;
  return { bytes: BASE_BYTES + o.weightBytes + activations + optimizer, activations, optimizer };
}

export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
