// Tiny hand-built models for the feature visualization tests: real ONNX bytes, run by the real
// onnxruntime, whose units do something that can be written down — an oriented edge detector, a unit
// that is dead for every image, a class head, a tensor the gradient cannot reach.
import { makeTensor, type Attr, type Model, type Node } from '../onnx/model';
import { loadModelBytes, type LoadedModel } from '../onnx/inspect';
import { encodeModel } from '../onnx/model';

const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node =>
  ({ name: outputs[0]!, opType, domain: '', inputs, outputs, attrs });
const ints = (value: number[]): Attr => ({ type: 'ints', value });
const int = (value: number): Attr => ({ type: 'int', value });

function model(nodes: Node[], inits: ReturnType<typeof makeTensor>[], input: { name: string; shape: (number | string)[] }, outputs: string[]): Model {
  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    producerName: 'featurescope-tests', producerVersion: '0', docString: '', metadata: {},
    graph: {
      name: 'tiny-featurevis', nodes, initializers: inits,
      inputs: [{ name: input.name, dtype: 'float32', shape: input.shape }],
      outputs: outputs.map((name) => ({ name, dtype: 'float32' as const })),
      valueInfo: [],
    },
  };
}

/** A k×k vertical edge (dark left half, bright right half), zero mean. */
export function verticalEdge(k: number): number[][] {
  const h = (k - 1) / 2;
  return Array.from({ length: k }, () => Array.from({ length: k }, (_, x) => (x < h ? -1 : x > h ? 1 : 0)));
}

export function transpose(m: number[][]): number[][] {
  return m[0]!.map((_, i) => m.map((r) => r[i]!));
}

/**
 * image [N,3,H,W] (raw01: values are the [0, 1] pixels) → Conv 3→3, k×k, no padding (so grey is exactly
 * 0 for a zero-sum pattern):
 *   channel 0 = `pattern` on the luma (a vertical edge detector), channel 1 = its transpose (horizontal
 *   edges), channel 2 = `pattern` again with bias `deadBias` (−0.5: dead on grey and on the faint noise
 *   around it — its ReLU gradient is 0 there — but alive on any clear edge)
 * + `bias` on channels 0 and 1 → Relu "edges" → GlobalAveragePool "pooled" → Flatten → Gemm "logits"
 * (3 classes: class c reads channel c) → Softmax "prob". Beside it, "argmax_scaled" = 2·float(argmax over
 * channels of "edges"): a feature map that depends on the image only through an integer.
 */
export function edgeModel(pattern: number[][], bias = 0, deadBias = -0.5, input: { channels?: 1 | 3; layout?: 'NCHW' | 'NHWC' } = {}): Model {
  const k = pattern.length;
  const channels = input.channels ?? 3;
  // a 1-channel model reads the luma itself
  const luma = channels === 1 ? [1] : [0.299, 0.587, 0.114];
  const w: number[] = [];
  for (const kernel of [pattern, transpose(pattern), pattern]) {
    for (const l of luma) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) w.push(kernel[y]![x]! * l);
  }
  const nhwc = input.layout === 'NHWC';
  return model(
    [
      ...(nhwc ? [node('Transpose', ['image'], ['image_nchw'], { perm: ints([0, 3, 1, 2]) })] : []),
      node('Conv', [nhwc ? 'image_nchw' : 'image', 'W', 'B'], ['conv'], { kernel_shape: ints([k, k]) }),
      node('Relu', ['conv'], ['edges']),
      node('GlobalAveragePool', ['edges'], ['pooled']),
      node('Flatten', ['pooled'], ['flat'], { axis: int(1) }),
      node('Gemm', ['flat', 'V', 'c'], ['logits'], { transB: int(1) }),
      node('Softmax', ['logits'], ['prob'], { axis: int(1) }),
      node('ArgMax', ['edges'], ['argmax'], { axis: int(1), keepdims: int(1) }),
      node('Cast', ['argmax'], ['argmax_f'], { to: int(1) }),
      node('Mul', ['argmax_f', 'two'], ['argmax_scaled']),
    ],
    [
      makeTensor('W', 'float32', [3, channels, k, k], w),
      makeTensor('B', 'float32', [3], [bias, bias, deadBias]),
      makeTensor('V', 'float32', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
      makeTensor('c', 'float32', [3], [0, 0, 0]),
      makeTensor('two', 'float32', [], [2]),
    ],
    { name: 'image', shape: nhwc ? ['N', 'H', 'W', channels] : ['N', channels, 'H', 'W'] },
    ['prob', 'argmax_scaled'],
  );
}

/** A model that takes a vector, not an image: x [N, 10] → Gemm. */
export function vectorModel(): Model {
  return model(
    [node('Gemm', ['x', 'V', 'c'], ['y'], { transB: int(1) })],
    [makeTensor('V', 'float32', [2, 10], new Array(20).fill(0.1)), makeTensor('c', 'float32', [2], [0, 0])],
    { name: 'x', shape: ['N', 10] },
    ['y'],
  );
}

/** A model as the engine loads it from bytes (sha, file name), for records and in-process runs. */
export function loaded(m: Model, fileName: string): LoadedModel {
  return loadModelBytes(encodeModel(m), fileName);
}
