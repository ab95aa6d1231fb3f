// Sliding-window geometry shared by the Conv / ConvTranspose / pooling rules.
//
// Shapes are concrete when rules run, so every padding question (auto_pad, ceil_mode, stride
// leftovers) is answered here with plain numbers and the emitted nodes carry explicit pads only.
// Semantics follow onnxruntime's CPU kernels (which match the ONNX spec for these ops).
import { attrInts, attrString, type Node } from '../../onnx/model';
import type { GradContext } from '../types';

export interface Window {
  /** spatial rank (2 for images) */
  rank: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** pads at the beginning / end of each spatial axis, auto_pad already resolved */
  padBegin: number[];
  padEnd: number[];
}

/** kernel extent once dilated: (k-1)*d+1 */
export const effective = (w: Window, i: number): number => (w.kernel[i]! - 1) * w.dilations[i]! + 1;

/**
 * The window of a Conv or pooling node whose input spatial sizes are `inSpatial`.
 * `kernel` comes from kernel_shape or (Conv) from the weight's dims.
 */
export function forwardWindow(node: Node, inSpatial: number[], kernel: number[]): Window {
  const rank = inSpatial.length;
  const label = `${node.opType} node "${node.name}"`;
  if (kernel.length !== rank) throw new Error(`${label}: kernel_shape has ${kernel.length} axes but the input has ${rank} spatial axes`);
  const strides = attrInts(node, 'strides') ?? Array<number>(rank).fill(1);
  const dilations = attrInts(node, 'dilations') ?? Array<number>(rank).fill(1);
  const pads = attrInts(node, 'pads') ?? Array<number>(2 * rank).fill(0);
  if (strides.length !== rank || dilations.length !== rank || pads.length !== 2 * rank) {
    throw new Error(`${label}: strides/dilations/pads do not match ${rank} spatial axes`);
  }
  const w: Window = { rank, kernel, strides, dilations, padBegin: pads.slice(0, rank), padEnd: pads.slice(rank) };
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') {
    w.padBegin = Array<number>(rank).fill(0);
    w.padEnd = Array<number>(rank).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let i = 0; i < rank; i++) {
      const out = Math.ceil(inSpatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + effective(w, i) - inSpatial[i]!);
      const small = Math.floor(total / 2);
      // SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning
      w.padBegin[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      w.padEnd[i] = total - w.padBegin[i]!;
    }
  } else if (autoPad !== 'NOTSET') {
    throw new Error(`${label}: unknown auto_pad "${autoPad}"`);
  }
  return w;
}

/**
 * Pads for a ConvTranspose that maps a tensor of spatial size `from` (the forward output) back onto
 * exactly `to` (the forward input), for a forward window `w` — the adjoint of the forward op.
 *
 * The adjoint's output length with the forward pads is s*(from-1) + keff - pb - pe, which may miss
 * `to` by the stride leftover (rows the forward never read: their gradient is 0) or overshoot it
 * when a ceil_mode window hangs past the end. We keep pb and put the correction on the end: a
 * smaller end pad, or output_padding when the end pad cannot shrink further.
 */
export function adjointPads(w: Window, from: number[], to: number[]): { pads: number[]; outputPadding: number[] } {
  const padEnd: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < w.rank; i++) {
    const natural = w.strides[i]! * (from[i]! - 1) + effective(w, i) - w.padBegin[i]!;
    const pe = natural - to[i]!; // end pad that makes the length exact
    // A floor-mode window leaves at most stride-1 unread rows, and ceil_mode only ever overshoots,
    // so output_padding stays below the stride as ConvTranspose requires.
    if (-pe >= Math.max(w.strides[i]!, w.dilations[i]!)) {
      throw new Error(`window geometry: cannot map ${from[i]} outputs back onto ${to[i]} inputs on axis ${i} (stride ${w.strides[i]}, kernel ${w.kernel[i]})`);
    }
    padEnd.push(Math.max(0, pe));
    outputPadding.push(Math.max(0, -pe));
  }
  return { pads: [...w.padBegin, ...padEnd], outputPadding };
}

/**
 * How many input positions each pooling window averages over, along one axis, for every output
 * position: count_include_pad=0 counts only real pixels; =1 also counts pad pixels but never the
 * part of a ceil_mode window that hangs past the end pad (onnxruntime's and PyTorch's rule).
 */
export function windowCounts(w: Window, axis: number, inSize: number, outSize: number, includePad: boolean): number[] {
  const counts: number[] = [];
  const lo = includePad ? -w.padBegin[axis]! : 0;
  const hi = includePad ? inSize + w.padEnd[axis]! : inSize;
  for (let o = 0; o < outSize; o++) {
    const start = o * w.strides[axis]! - w.padBegin[axis]!;
    let n = 0;
    for (let j = 0; j < w.kernel[axis]!; j++) {
      const p = start + j * w.dilations[axis]!;
      if (p >= lo && p < hi) n++;
    }
    counts.push(n);
  }
  return counts;
}

/** True when no input pixel belongs to two windows (so a max-pool backward needs no accumulation). */
export function windowsDisjoint(w: Window): boolean {
  for (let i = 0; i < w.rank; i++) if (effective(w, i) > w.strides[i]!) return false;
  return true;
}

/** kernel_shape of a pooling node (required by the spec). */
export function kernelOf(ctx: GradContext): number[] {
  const k = attrInts(ctx.node, 'kernel_shape');
  if (!k) throw new Error(`${ctx.node.opType} node "${ctx.node.name}": kernel_shape is required`);
  return k;
}
