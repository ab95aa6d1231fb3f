// Is a photo (at every octave) big enough for the layers dreamed on? A strided conv or pool with fewer
// input pixels than its window leaves 0 (or fewer) positions: onnxruntime then fails with a shape error
// deep inside the gradient graph, or — at some sizes (GoogLeNet at 8×8) — dies of a floating point
// exception that takes the whole engine with it. So the sizes are checked before any session exists,
// with the conv/pool arithmetic of spatialSize, and the message names the photo, the node and the
// smallest size that works.
import type { Model } from '../onnx/model';
import { spatialSize } from './receptive-field';
import { checkBudget } from '../runtime/budget';

/**
 * Memory of a dream per pixel of its photo: the photo, the octave's base, the dreamed image, the carried
 * detail and the gradient as float planes, plus the result (measured: a 4000×3000 dream on GoogLeNet's
 * inception_3b peaked 1.37 GB above the process before it, ~114 bytes a pixel, its tile sessions included).
 */
export const DREAM_BYTES_PER_PIXEL = 114;

const SPATIAL = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool']);

/** The first strided/windowed node on the way to `layers` whose output has no position at h×w, or undefined. */
export function emptyNodeAt(model: Model, input: string, h: number, w: number, layers: string[]): { node: string; opType: string; size: [number, number] } | undefined {
  // only nodes up to the last layer dreamed on matter (the head after it never runs)
  const last = Math.max(...layers.map((l) => model.graph.nodes.findIndex((n) => n.outputs.includes(l))));
  for (const n of model.graph.nodes.slice(0, last + 1)) {
    if (!SPATIAL.has(n.opType) || !n.outputs[0]) continue;
    let size: [number, number];
    try {
      size = spatialSize(model, input, h, w, n.outputs[0]);
    } catch {
      continue; // not computed from the image input
    }
    if (size[0] < 1 || size[1] < 1) return { node: n.name || n.outputs[0], opType: n.opType, size };
  }
  return undefined;
}

/** Smallest square side at which every node up to `layers` keeps at least one position (searched up to 4096). */
export function smallestSide(model: Model, input: string, layers: string[]): number {
  let lo = 1, hi = 4096;
  if (emptyNodeAt(model, input, hi, hi, layers)) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (emptyNodeAt(model, input, mid, mid, layers)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Throws when the photo, or its smallest octave, is too small for `layers`, or when dreaming it at full
 * size would pass the engine's memory budget. `photo.name` and `modelName` are what the person knows them by.
 */
export function checkDreamSize(model: Model, input: string, layers: string[], octaves: { h: number; w: number }[], photo: { name: string; width: number; height: number }, modelName: string): void {
  checkBudget(DREAM_BYTES_PER_PIXEL * photo.width * photo.height, `A dream on ${photo.name} at ${photo.width}×${photo.height} (about ${DREAM_BYTES_PER_PIXEL} bytes a pixel)`);
  for (const o of octaves) {
    const empty = emptyNodeAt(model, input, o.h, o.w, layers);
    if (!empty) continue;
    const min = smallestSide(model, input, layers);
    const at = o.h === photo.height && o.w === photo.width ? '' : ` (its smallest octave is ${o.w}×${o.h})`;
    throw new Error(
      `${photo.name} is ${photo.width}×${photo.height}${at}: too small for ${modelName}'s layer ${layers.join(' + ')} — ` +
        `its ${empty.opType} node "${empty.node}" would have no pixels left (${empty.size[1]}×${empty.size[0]}). ` +
        `Dream at least ${min}×${min} pixels at the smallest octave: a bigger photo, fewer octaves, or a shallower layer.`,
    );
  }
}
