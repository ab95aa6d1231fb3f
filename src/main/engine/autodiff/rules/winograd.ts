// Forward rewrite (a compile strategy, off by default): 3×3 stride-1 convolutions as Winograd minimal
// filtering F(m×m, 3×3) (Lavin & Gray 2015), spelled in ONNX ops the walker differentiates like any other.
//
// Why: a VGG-style step spends nearly all its time in 3×3 convolutions that onnxruntime (and PyTorch's
// oneDNN) already run close to the CPU's FMA limit; fewer multiplications is the only way left to go faster.
// F(4×4, 3×3) does a 4×4 output tile with 36 multiplies per input/output channel pair where direct
// convolution does 144. Per convolution:
//
//   V = Conv(X, B-transforms, group = C, stride m)      [N, C·n², tiles]   (n = m + 2: each tile's n×n input patch, transformed)
//   M = MatMul(U, V)                                      [n², K, N·tiles]   (U = G g Gᵀ: the weights, transformed once here)
//   Y = ConvTranspose(M, A-transforms, group = K, stride m) [N, K, H, W]    (each tile's m×m outputs)
//
// The input and output transforms are small grouped convolutions; the batched MatMul does the work. Its
// gradient, built by the ordinary rules, has the same shape (transposed transforms around a transposed
// MatMul), so the backward pass is Winograd too. The values are a convolution's to float32 rounding but not
// bit-identical to onnxruntime's direct kernel (relative L2 ~1e-6 per layer at F(2,3), a few 1e-6 at F(4,3)):
// this is for speed-bound recipes (style transfer), never the default the gradient fixtures check.
import { A } from '../types';
import { attrInt, attrInts, attrString, tensorValues, type Node, type Tensor } from '../../onnx/model';
import type { ForwardEmitter } from './norm';

/** Transform matrices Bᵀ (n×n), G (n×3), Aᵀ (m×n) for F(m, 3). */
const TRANSFORMS: Record<2 | 4, { BT: number[][]; G: number[][]; AT: number[][] }> = {
  2: {
    BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
  },
  4: {
    BT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
    AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
  },
};

/**
 * Below this many input or output channels the transforms cost more than the multiplies save. Measured on
 * onnxruntime 1.30's CPU kernels, one layer at a time (F(4,3) against the direct Conv, 2 threads): 512
 * channels at 32² 1.9× faster, 256 at 56² 2.0× (against a direct timing that looked slow), 128 at 112² even, 64 at 224² 1.35× slower — the
 * transforms are memory-bound grouped convolutions and transposes that onnxruntime runs far below the
 * GEMM's speed.
 */
export const WINOGRAD_MIN_CHANNELS = 256;

export interface WinogradEmitter extends ForwardEmitter {
  ints(values: number[]): string;
}

/**
 * Every Conv that is 3×3, stride 1, dilation 1, group 1, with constant weights, explicit pads and at least
 * `minChannels` channels on both sides becomes the three-op Winograd form above (plus a Slice when
 * the output is not a whole number of tiles, and an Add for the bias). Other nodes pass through.
 */
export function winogradConvs(nodes: Node[], shapes: Map<string, number[]>, constants: Map<string, Tensor>, emitter: WinogradEmitter, m: 2 | 4, minChannels = WINOGRAD_MIN_CHANNELS): Node[] {
  const { BT, G, AT } = TRANSFORMS[m];
  const n = m + 2, n2 = n * n;
  const out: Node[] = [];
  for (const node of nodes) {
    const w = node.opType === 'Conv' && (node.domain === '' || node.domain === 'ai.onnx') ? constants.get(node.inputs[1]!) : undefined;
    const xShape = shapes.get(node.inputs[0]!);
    const yShape = shapes.get(node.outputs[0]!);
    const ones = (name: string) => (attrInts(node, name) ?? [1, 1]).every((v) => v === 1);
    if (!w || w.dtype !== 'float32' || w.dims.length !== 4 || w.dims[2] !== 3 || w.dims[3] !== 3 || !xShape || xShape.length !== 4 || !yShape
      || attrInt(node, 'group', 1) !== 1 || !ones('strides') || !ones('dilations') || attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET'
      || w.dims[0]! < minChannels || w.dims[1]! < minChannels) {
      out.push(node);
      continue;
    }
    const [K, C] = w.dims as [number, number];
    const [N, , Ho, Wo] = yShape as [number, number, number, number];
    const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    const th = Math.ceil(Ho / m), tw = Math.ceil(Wo / m), T = th * tw;
    const base = node.name || node.outputs[0]!;
    let k = 0;
    const emit = (opType: string, inputs: string[], shape: number[], attrs: Node['attrs'] = {}, output?: string): string => {
      const o = output ?? emitter.fresh(`${base}/winograd_${opType}`);
      out.push({ name: `${base}/winograd_${k++}_${opType}`, opType, domain: '', inputs, outputs: [o], attrs });
      shapes.set(o, shape);
      return o;
    };

    // input transform: output channel c·n² + a·n + b of group c holds (Bᵀ d B)[a][b] of each tile
    const wb = new Float32Array(C * n2 * n2);
    for (let c = 0; c < C; c++) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) {
      wb[(((c * n2 + a * n + b) * n + u) * n) + v] = BT[a]![u]! * BT[b]![v]!;
    }
    // the weights: U[a·n + b][k][c] = (G g Gᵀ)[a][b], in float64 then rounded once
    const g = tensorValues(w) as Float32Array;
    const U = new Float32Array(n2 * K * C);
    for (let ko = 0; ko < K; ko++) for (let c = 0; c < C; c++) {
      const at = (i: number, j: number) => g[((ko * C + c) * 3 + i) * 3 + j]!;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        let s = 0;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += G[a]![i]! * at(i, j) * G[b]![j]!;
        U[((a * n + b) * K + ko) * C + c] = s;
      }
    }
    // output transform: input channel k·n² + a·n + b of group k adds Aᵀ[p][a]·Aᵀ[q][b] of M to output (p, q)
    const wa = new Float32Array(K * n2 * m * m);
    for (let ko = 0; ko < K; ko++) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) {
      wa[(((ko * n2 + a * n + b) * m + p) * m) + q] = AT[p]![a]! * AT[q]![b]!;
    }

    // pad the far edges so the output is a whole number of tiles; the Slice below drops the extra
    const extraH = th * m - Ho, extraW = tw * m - Wo;
    const V = emit('Conv', [node.inputs[0]!, emitter.tensor('float32', [C * n2, 1, n, n], wb)], [N, C * n2, th, tw], {
      group: A.int(C), kernel_shape: A.ints([n, n]), strides: A.ints([m, m]), pads: A.ints([pads[0]!, pads[1]!, pads[2]! + extraH, pads[3]! + extraW]),
    });
    // [N, C, n², T] → [n², C, N, T] → [n², C, N·T]
    const V1 = emit('Reshape', [V, emitter.ints([N, C, n2, T])], [N, C, n2, T]);
    const V2 = emit('Transpose', [V1], [n2, C, N, T], { perm: A.ints([2, 1, 0, 3]) });
    const V3 = emit('Reshape', [V2, emitter.ints([n2, C, N * T])], [n2, C, N * T]);
    const M = emit('MatMul', [emitter.tensor('float32', [n2, K, C], U), V3], [n2, K, N * T]);
    // [n², K, N·T] → [n², K, N, T] → [N, K, n², T] → [N, K·n², th, tw]
    const M1 = emit('Reshape', [M, emitter.ints([n2, K, N, T])], [n2, K, N, T]);
    const M2 = emit('Transpose', [M1], [N, K, n2, T], { perm: A.ints([2, 1, 0, 3]) });
    const M3 = emit('Reshape', [M2, emitter.ints([N, K * n2, th, tw])], [N, K * n2, th, tw]);
    const bias = node.inputs[2];
    const last = !bias && !extraH && !extraW;
    let Y = emit('ConvTranspose', [M3, emitter.tensor('float32', [K * n2, 1, m, m], wa)], [N, K, th * m, tw * m], {
      group: A.int(K), kernel_shape: A.ints([m, m]), strides: A.ints([m, m]),
    }, last ? node.outputs[0]! : undefined);
    if (extraH || extraW) {
      Y = emit('Slice', [Y, emitter.ints([0, 0]), emitter.ints([Ho, Wo]), emitter.ints([2, 3])], [N, K, Ho, Wo], {}, bias ? undefined : node.outputs[0]!);
    }
    if (bias) {
      const b = constants.get(bias);
      const biasShaped = b ? emitter.tensor('float32', [1, K, 1, 1], tensorValues(b) as Float32Array) : emit('Reshape', [bias, emitter.ints([1, K, 1, 1])], [1, K, 1, 1]);
      emit('Add', [Y, biasShaped], [N, K, Ho, Wo], {}, node.outputs[0]!);
    }
  }
  return out;
}
