// Small random-weight networks for the style tests, built as plain ONNX data and run by the real
// onnxruntime: VGG-shaped chains written under each naming convention a VGG file comes in (Keras, Caffe,
// the ONNX model zoo's MXNet export, a torchvision export), a residual net (not a VGG), a classifier
// (no feature maps), and a fully convolutional image-to-image net with a fixed input size (fast style).
import { seededRandom, gaussian } from '../../../shared/random';
import { encodeModel, makeTensor, type Attr, type Model, type Node, type Tensor } from '../onnx/model';

const ints = (value: number[]): Attr => ({ type: 'ints', value });

function model(nodes: Node[], inits: Tensor[], input: { name: string; shape: (number | string)[] }, outputs: string[]): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'featurescope-tests', producerVersion: '0', docString: '', metadata: {},
    graph: {
      name: 'tiny', nodes, initializers: inits, inputs: [{ name: input.name, dtype: 'float32', shape: input.shape }],
      outputs: outputs.map((name) => ({ name, dtype: 'float32' as const })), valueInfo: [],
    },
  };
}

function weights(rand: () => number, name: string, dims: number[], std: number): Tensor {
  const normal = gaussian(rand);
  const n = dims.reduce((a, b) => a * b, 1);
  return makeTensor(name, 'float32', dims, Array.from({ length: n }, () => normal() * std));
}

export type VggNaming = 'keras' | 'caffe' | 'onnx-zoo' | 'torchvision' | 'numbers';

/** VGG19's conv counts per block; VGG16 is [2, 2, 3, 3, 3] */
export const VGG19_BLOCKS = [2, 2, 4, 4, 4];
export const VGG16_BLOCKS = [2, 2, 3, 3, 3];

/** The tensor names of conv k (1-based) of block b's activation, in each convention, for a given block layout. */
export function vggReluName(naming: VggNaming, blocks: number[], b: number, k: number): string {
  const flat = blocks.slice(0, b - 1).reduce((a, c) => a + c, 0) + (k - 1);
  // torchvision's Sequential: conv, relu per conv, one pool per block
  const seq = blocks.slice(0, b - 1).reduce((a, c) => a + 2 * c + 1, 0) + 2 * (k - 1) + 1;
  switch (naming) {
    case 'keras': return `block${b}_conv${k}/Relu:0`;
    case 'caffe': return `relu${b}_${k}`;
    case 'onnx-zoo': return `vgg0_relu${flat}_fwd`;
    case 'torchvision': return `/features/features.${seq}/Relu_output_0`;
    case 'numbers': return String(100 + 2 * flat + 1);
  }
}

/**
 * A VGG-shaped chain: per block, `blocks[i]` × (3×3 conv → ReLU) then a 2×2 max pool (none after the
 * last block), then Flatten → Gemm (a classifier head, as real VGG files have). `bn` puts a
 * BatchNormalization between each conv and its ReLU (vgg19_bn).
 */
export function vggModel(naming: VggNaming, blocks: number[] = VGG19_BLOCKS, o: { channels?: number; size?: number; bn?: boolean; seed?: number } = {}): Model {
  const rand = seededRandom(o.seed ?? 1);
  const ch = o.channels ?? 4, size = o.size ?? 32;
  const nodes: Node[] = [], inits: Tensor[] = [];
  let at = naming === 'torchvision' ? 'input' : 'data', cin = 3, seq = 0, flat = 0;
  const input = at;
  const convName = (b: number, k: number) => {
    switch (naming) {
      case 'keras': return `block${b}_conv${k}/BiasAdd:0`;
      case 'caffe': return `conv${b}_${k}`;
      case 'onnx-zoo': return `vgg0_conv${flat}_fwd`;
      case 'torchvision': return `/features/features.${seq}/Conv_output_0`;
      case 'numbers': return String(100 + 2 * flat);
    }
  };
  blocks.forEach((n, bi) => {
    const b = bi + 1;
    for (let k = 1; k <= n; k++) {
      const conv = convName(b, k);
      const w = `w_${b}_${k}`, bias = `b_${b}_${k}`;
      inits.push(weights(rand, w, [ch, cin, 3, 3], Math.sqrt(2 / (9 * cin))), weights(rand, bias, [ch], 0.01));
      nodes.push({ name: `${conv}_node`, opType: 'Conv', domain: '', inputs: [at, w, bias], outputs: [conv], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } });
      let pre = conv;
      if (o.bn) {
        const names = ['scale', 'shift', 'mean', 'var'].map((s) => `bn_${s}_${b}_${k}`);
        inits.push(makeTensor(names[0]!, 'float32', [ch], new Array(ch).fill(1)), makeTensor(names[1]!, 'float32', [ch], new Array(ch).fill(0)),
          makeTensor(names[2]!, 'float32', [ch], new Array(ch).fill(0)), makeTensor(names[3]!, 'float32', [ch], new Array(ch).fill(1)));
        pre = `${conv}_bn`;
        nodes.push({ name: pre, opType: 'BatchNormalization', domain: '', inputs: [conv, ...names], outputs: [pre], attrs: {} });
      }
      seq++;
      const relu = vggReluName(naming, blocks, b, k);
      nodes.push({ name: `${relu}_node`, opType: 'Relu', domain: '', inputs: [pre], outputs: [relu], attrs: {} });
      seq++; flat++; at = relu; cin = ch;
    }
    if (b < blocks.length) {
      const pool = naming === 'keras' ? `block${b}_pool/MaxPool:0` : naming === 'caffe' ? `pool${b}` : naming === 'onnx-zoo' ? `vgg0_pool${bi}_fwd` : naming === 'torchvision' ? `/features/features.${seq}/MaxPool_output_0` : `p${b}`;
      nodes.push({ name: `${pool}_node`, opType: 'MaxPool', domain: '', inputs: [at], outputs: [pool], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } });
      seq++; at = pool;
    }
  });
  const side = size >> (blocks.length - 1);
  const d = ch * side * side;
  inits.push(weights(rand, 'fc_w', [10, d], 0.1), weights(rand, 'fc_b', [10], 0.1));
  nodes.push({ name: 'flatten', opType: 'Flatten', domain: '', inputs: [at], outputs: ['flat'], attrs: { axis: { type: 'int', value: 1 } } });
  nodes.push({ name: 'fc', opType: 'Gemm', domain: '', inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['logits'], attrs: { transB: { type: 'int', value: 1 } } });
  return model(nodes, inits, { name: input, shape: [1, 3, size, size] }, ['logits']);
}

/** A residual network (stride-2 convs and Adds): not a VGG, so the layers are chosen by depth. */
export function residualModel(seed = 2): Model {
  const rand = seededRandom(seed);
  const nodes: Node[] = [], inits: Tensor[] = [];
  let at = 'x', cin = 3;
  for (let s = 0; s < 4; s++) {
    const w = `w${s}`, r = `w${s}r`;
    inits.push(weights(rand, w, [8, cin, 3, 3], 0.3), weights(rand, r, [8, 8, 3, 3], 0.1));
    nodes.push({ name: `down${s}`, opType: 'Conv', domain: '', inputs: [at, w], outputs: [`down${s}`], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } });
    nodes.push({ name: `act${s}`, opType: 'Relu', domain: '', inputs: [`down${s}`], outputs: [`act${s}`], attrs: {} });
    nodes.push({ name: `res${s}`, opType: 'Conv', domain: '', inputs: [`act${s}`, r], outputs: [`res${s}`], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } });
    nodes.push({ name: `resact${s}`, opType: 'Relu', domain: '', inputs: [`res${s}`], outputs: [`resact${s}`], attrs: {} });
    nodes.push({ name: `add${s}`, opType: 'Add', domain: '', inputs: [`act${s}`, `resact${s}`], outputs: [`block${s}`], attrs: {} });
    at = `block${s}`; cin = 8;
  }
  return model(nodes, inits, { name: 'x', shape: [1, 3, 64, 64] }, [at]);
}

/** A classifier on flattened pixels: no feature map a style loss can read. */
export function mlpModel(seed = 3): Model {
  const rand = seededRandom(seed);
  return model(
    [
      { name: 'flatten', opType: 'Flatten', domain: '', inputs: ['x'], outputs: ['flat'], attrs: { axis: { type: 'int', value: 1 } } },
      { name: 'fc', opType: 'Gemm', domain: '', inputs: ['flat', 'w', 'b'], outputs: ['logits'], attrs: { transB: { type: 'int', value: 1 } } },
      { name: 'prob', opType: 'Softmax', domain: '', inputs: ['logits'], outputs: ['prob'], attrs: { axis: { type: 'int', value: 1 } } },
    ],
    [weights(rand, 'w', [5, 3 * 8 * 8], 0.1), weights(rand, 'b', [5], 0.1)], { name: 'x', shape: [1, 3, 8, 8] }, ['prob'],
  );
}

/**
 * A fully convolutional image-to-image net declared with a fixed `size`×`size` input: three 3×3 convs
 * (receptive radius 3 px) with ReLUs between them, 3 channels out. Zero padding makes its output near a
 * border depend on where the border is: what tiling has to get right.
 */
export function fixedImageNet(size: number, seed = 4): Model {
  const rand = seededRandom(seed);
  const conv = (i: number, cin: number, cout: number, input: string, out: string): Node[] => {
    inits.push(weights(rand, `w${i}`, [cout, cin, 3, 3], 0.4), weights(rand, `b${i}`, [cout], 0.2));
    return [{ name: out, opType: 'Conv', domain: '', inputs: [input, `w${i}`, `b${i}`], outputs: [out], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } }];
  };
  const inits: Tensor[] = [];
  const nodes: Node[] = [
    ...conv(0, 3, 6, 'img', 'c0'), { name: 'r0', opType: 'Relu', domain: '', inputs: ['c0'], outputs: ['r0'], attrs: {} },
    ...conv(1, 6, 6, 'r0', 'c1'), { name: 'r1', opType: 'Relu', domain: '', inputs: ['c1'], outputs: ['r1'], attrs: {} },
    ...conv(2, 6, 3, 'r1', 'out'),
  ];
  return model(nodes, inits, { name: 'img', shape: [1, 3, size, size] }, ['out']);
}

export const bytesOf = (m: Model): Uint8Array => encodeModel(m);
