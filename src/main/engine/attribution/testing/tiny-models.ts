// Tiny ONNX models, built as plain data, whose attribution maps can be written down by hand (the way
// Captum tests its methods). Used by the attribution tests; real ONNX bytes, run by the real onnxruntime.
import { encodeModel, makeTensor, type Attr, type Model, type Node } from '../../onnx/model';

const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node =>
  ({ name: outputs[0]!, opType, domain: '', inputs, outputs, attrs });

function model(nodes: Node[], inits: ReturnType<typeof makeTensor>[], inputShape: (number | string)[], outputs: { name: string; shape: (number | string)[] }[]): Model {
  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    producerName: 'featurescope-tests', producerVersion: '0', docString: '', metadata: {},
    graph: {
      name: 'tiny', nodes, initializers: inits,
      inputs: [{ name: 'x', dtype: 'float32', shape: inputShape }],
      outputs: outputs.map((o) => ({ name: o.name, dtype: 'float32' as const, shape: o.shape })),
      valueInfo: [],
    },
  };
}

/** logits = W · flatten(x) + bias, x: [N, C, H, W]; W is [K, C·H·W] row-major. Ends in Softmax → `prob`. */
export function linearModel(chw: [number, number, number], W: number[][], bias: number[]): Model {
  const d = chw[0] * chw[1] * chw[2];
  if (W.some((r) => r.length !== d)) throw new Error('linearModel: W rows must have C·H·W entries');
  return model(
    [
      node('Flatten', ['x'], ['flat'], { axis: { type: 'int', value: 1 } }),
      node('Gemm', ['flat', 'W', 'b'], ['logits'], { transB: { type: 'int', value: 1 } }),
      node('Softmax', ['logits'], ['prob'], { axis: { type: 'int', value: 1 } }),
    ],
    [makeTensor('W', 'float32', [W.length, d], W.flat()), makeTensor('b', 'float32', [bias.length], bias)],
    ['N', ...chw], [{ name: 'prob', shape: ['N', W.length] }],
  );
}

/** logits = W · flatten(relu(x)): vanilla, guided and deconvnet gradients all differ by hand-checkable rules. */
export function reluModel(chw: [number, number, number], W: number[][]): Model {
  const d = chw[0] * chw[1] * chw[2];
  return model(
    [
      node('Relu', ['x'], ['h']),
      node('Flatten', ['h'], ['flat'], { axis: { type: 'int', value: 1 } }),
      node('Gemm', ['flat', 'W', 'b'], ['logits'], { transB: { type: 'int', value: 1 } }),
    ],
    [makeTensor('W', 'float32', [W.length, d], W.flat()), makeTensor('b', 'float32', [W.length], W.map(() => 0))],
    ['N', ...chw], [{ name: 'logits', shape: ['N', W.length] }],
  );
}

/**
 * x [N,1,H,W] → 1×1 conv, stride 2, weights k (one per output channel), no bias → Relu ("feat",
 * [N,K,H/2,W/2]) → GlobalAveragePool → Flatten → logits = V · pooled.
 */
export function camModel(hw: [number, number], k: number[], V: number[][]): Model {
  return model(
    [
      node('Conv', ['x', 'k'], ['conv'], { kernel_shape: { type: 'ints', value: [1, 1] }, strides: { type: 'ints', value: [2, 2] } }),
      node('Relu', ['conv'], ['feat']),
      node('GlobalAveragePool', ['feat'], ['pooled']),
      node('Flatten', ['pooled'], ['flat'], { axis: { type: 'int', value: 1 } }),
      node('Gemm', ['flat', 'V', 'c'], ['logits'], { transB: { type: 'int', value: 1 } }),
    ],
    [makeTensor('k', 'float32', [k.length, 1, 1, 1], k), makeTensor('V', 'float32', [V.length, k.length], V.flat()), makeTensor('c', 'float32', [V.length], V.map(() => 0))],
    ['N', 1, ...hw], [{ name: 'logits', shape: ['N', V.length] }],
  );
}

export const bytesOf = encodeModel;
