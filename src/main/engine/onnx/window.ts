// The arithmetic of a window op (Conv, MaxPool, AveragePool, LpPool) along its spatial axes: the output
// size and where its windows start, exactly as onnxruntime computes them (pads, strides, dilations,
// ceil_mode, SAME/VALID auto_pad). The dream's tiling and size checks and the dataset's receptive fields
// both follow a tensor's spatial size through a graph with it; one copy keeps them from disagreeing.
import { attrInts, type Node } from './model';

export const WINDOW_OPS: ReadonlySet<string> = new Set(['Conv', 'MaxPool', 'AveragePool', 'LpPool']);

export interface WindowAxis {
  /** output positions along the axis */
  size: number;
  /** the pad before the first window (window o reads input positions o·stride − begin … + eff − 1) */
  begin: number;
  /** the kernel's extent with dilation */
  eff: number;
  stride: number;
}

/**
 * The window op `node` along each spatial axis of an input of `inSize` (e.g. [h, w]). A Conv without
 * kernel_shape (allowed: the weight's shape says it) gets `missingKernel` per axis.
 */
export function windowAxes(node: Node, inSize: readonly number[], missingKernel = 1): WindowAxis[] {
  const k = attrInts(node, 'kernel_shape') ?? inSize.map(() => missingKernel);
  const s = attrInts(node, 'strides') ?? [];
  const d = attrInts(node, 'dilations') ?? [];
  const pads = attrInts(node, 'pads') ?? [];
  const n = inSize.length;
  const autoPad = node.attrs.auto_pad?.type === 'string' ? node.attrs.auto_pad.value : 'NOTSET';
  const ceil = node.attrs.ceil_mode?.type === 'int' && node.attrs.ceil_mode.value === 1;
  return inSize.map((len, i) => {
    const stride = s[i] ?? 1;
    const eff = (d[i] ?? 1) * ((k[i] ?? 1) - 1) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const size = Math.ceil(len / stride);
      const total = Math.max((size - 1) * stride + eff - len, 0);
      return { size, begin: autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2), eff, stride };
    }
    const begin = autoPad === 'VALID' ? 0 : (pads[i] ?? 0);
    const end = autoPad === 'VALID' ? 0 : (pads[i + n] ?? 0);
    const span = len + begin + end - eff;
    let size = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
    // ceil mode: the last window must start inside the input or its begin padding (ONNX / PyTorch rule)
    if (ceil && (size - 1) * stride >= len + begin) size--;
    return { size, begin, eff, stride };
  });
}
