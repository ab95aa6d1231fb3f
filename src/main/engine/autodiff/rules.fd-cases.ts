// The table of single-op finite-difference cases run by rules.fd.test.ts through the WHOLE compiler
// (specialization, walker, rules, emitted ONNX in onnxruntime). Append a row to cover a new rule.
import { A } from './types';
import type { Attr } from '../onnx/model';

export type FdInput =
  | 'x' // the differentiated input
  | '' // omitted optional input
  | { dims: number[]; values?: number[]; dtype?: 'float32' | 'int64' | 'bool'; lo?: number; hi?: number };

export interface FdCase {
  op: string;
  /** shown in the test name; defaults to op + attrs */
  name?: string;
  attrs?: Record<string, Attr>;
  /** shape of the differentiated input */
  x: number[];
  /** node inputs in order (default ['x']); constants are random uniform [lo, hi] (default [-1, 1]) unless given */
  inputs?: FdInput[];
  /** number of node outputs (default 1); the objective reads `use` of them (default: all) */
  outputs?: number;
  use?: number[];
  opset?: number;
  /** input values: uniform [-1,1]; positive [0.5,2]; away (|x| in [0.2,1], away from kinks at 0); distinct (no max ties) */
  dist?: 'uniform' | 'positive' | 'away' | 'distinct';
  eps?: number;
  tol?: number;
}

const c = (dims: number[], values?: number[]) => ({ dims, ...(values ? { values } : {}) });
const i64 = (values: number[]) => ({ dims: [values.length], values, dtype: 'int64' as const });
const f32 = (values: number[], dims = [values.length]) => ({ dims, values });

export const fdCases: FdCase[] = [
  // activations
  { op: 'Relu', x: [2, 3, 4, 4], dist: 'away' },
  { op: 'LeakyRelu', x: [2, 3, 4], dist: 'away', attrs: { alpha: A.float(0.1) } },
  { op: 'PRelu', x: [2, 3, 4, 4], dist: 'away', inputs: ['x', c([3, 1, 1])] },
  { op: 'Clip', name: 'Clip (Relu6 style, opset 13)', x: [2, 3, 4], dist: 'uniform', inputs: ['x', f32([-0.5], []), f32([0.5], [])] },
  { op: 'Clip', name: 'Clip opset 10 attributes', x: [2, 8], opset: 10, attrs: { min: A.float(-0.4), max: A.float(0.3) } },
  { op: 'Elu', x: [2, 3, 4], dist: 'away', attrs: { alpha: A.float(0.7) } },
  { op: 'Selu', x: [2, 3, 4], dist: 'away' },
  { op: 'Sigmoid', x: [2, 3, 4] },
  { op: 'Tanh', x: [2, 3, 4] },
  { op: 'HardSigmoid', x: [2, 12], attrs: { alpha: A.float(0.4), beta: A.float(0.5) }, dist: 'uniform' },
  { op: 'HardSwish', x: [2, 3, 5], inputs: ['x'], dist: 'uniform' },
  { op: 'Softplus', x: [2, 3, 4] },
  { op: 'Softsign', x: [2, 3, 4] },
  { op: 'Erf', x: [2, 3, 4] },
  { op: 'Gelu', x: [2, 3, 4], opset: 20 },
  { op: 'Gelu', name: 'Gelu tanh approximation', x: [2, 3, 4], opset: 20, attrs: { approximate: A.string('tanh') } },
  { op: 'Softmax', x: [2, 5, 3], attrs: { axis: A.int(1) } },
  { op: 'Softmax', name: 'Softmax opset 11 (coerced 2-D)', x: [2, 3, 4], opset: 11, attrs: { axis: A.int(1) } },
  { op: 'LogSoftmax', x: [2, 6] },
  // arithmetic with broadcasting (x on either side, and both sides: fan-in)
  { op: 'Add', x: [2, 3, 4], inputs: ['x', c([3, 1])] },
  { op: 'Add', name: 'Add x + x (fan-in)', x: [2, 3], inputs: ['x', 'x'] },
  { op: 'Sub', x: [3, 1], inputs: [c([2, 3, 4]), 'x'] },
  { op: 'Mul', x: [2, 3, 4], inputs: ['x', c([4])] },
  { op: 'Mul', name: 'Mul x * x', x: [2, 5], inputs: ['x', 'x'] },
  { op: 'Div', x: [2, 3, 4], inputs: ['x', { dims: [3, 1], lo: 0.5, hi: 2 }] },
  { op: 'Div', name: 'Div constant / x', x: [3, 4], dist: 'positive', inputs: [c([2, 3, 4]), 'x'] },
  { op: 'Pow', name: 'Pow x^3', x: [2, 3, 4], inputs: ['x', f32([3], [])] },
  { op: 'Pow', name: 'Pow x^0.75', x: [2, 6], dist: 'positive', inputs: ['x', f32([0.75], [])] },
  { op: 'Pow', name: 'Pow 2^x (exponent differentiated)', x: [2, 6], inputs: [f32([2], []), 'x'] },
  { op: 'Sqrt', x: [2, 6], dist: 'positive' },
  { op: 'Exp', x: [2, 6] },
  { op: 'Log', x: [2, 6], dist: 'positive' },
  { op: 'Neg', x: [2, 6] },
  { op: 'Abs', x: [2, 6], dist: 'away' },
  { op: 'Reciprocal', x: [2, 6], dist: 'positive' },
  { op: 'Sum', x: [2, 3], inputs: ['x', c([3]), 'x'] },
  { op: 'Max', x: [2, 6], dist: 'distinct', inputs: ['x', c([6])] },
  { op: 'MatMul', x: [2, 3, 4], inputs: ['x', c([4, 5])] },
  { op: 'MatMul', name: 'MatMul constant @ x (batched, broadcast)', x: [2, 4, 3], inputs: [c([5, 4]), 'x'] },
  { op: 'MatMul', name: 'MatMul vector @ x', x: [4, 3], inputs: [c([4]), 'x'] },
  { op: 'MatMul', name: 'MatMul x @ vector', x: [2, 3, 4], inputs: ['x', c([4])] },
  { op: 'Gemm', x: [2, 4], inputs: ['x', c([5, 4]), c([5])], attrs: { transB: A.int(1), alpha: A.float(0.7), beta: A.float(1.3) } },
  { op: 'Gemm', name: 'Gemm transA, x as B', x: [4, 3], inputs: [c([4, 2]), 'x', c([2, 1])], attrs: { transA: A.int(1) } },
  { op: 'Gemm', name: 'Gemm transA transB, x as A', x: [4, 2], inputs: ['x', c([3, 4])], attrs: { transA: A.int(1), transB: A.int(1) } },
  { op: 'Gemm', name: 'Gemm opset 9 (no C-less Gemm before 11)', opset: 9, x: [2, 4], inputs: ['x', c([5, 4]), c([5])], attrs: { transB: A.int(1), alpha: A.float(0.7) } },
  // opset 7/8 models are restated at opset 9
  { op: 'Relu', name: 'Relu opset 7', opset: 7, x: [2, 3, 4], dist: 'away' },
  { op: 'Upsample', name: 'Upsample opset 7 (scales attribute)', opset: 7, x: [1, 2, 3, 3], attrs: { mode: A.string('nearest'), scales: A.floats([1, 1, 2, 2]) } },
  { op: 'BatchNormalization', name: 'BatchNormalization opset 7', opset: 7, x: [2, 3, 2, 2], inputs: ['x', c([3]), c([3]), c([3]), { dims: [3], lo: 0.5, hi: 2 }] },
  { op: 'Einsum', name: 'Einsum ij,jk->ik', x: [3, 4], inputs: ['x', c([4, 2])], attrs: { equation: A.string('ij,jk->ik') } },
  { op: 'Einsum', name: 'Einsum bhwc,cd->bhwd (x second)', x: [3, 2], inputs: [c([1, 2, 2, 3]), 'x'], attrs: { equation: A.string('bhwc,cd->bhwd') } },
  { op: 'Einsum', name: 'Einsum x·x: ij,ij->i', x: [2, 5], inputs: ['x', 'x'], attrs: { equation: A.string('ij,ij->i') } },
  { op: 'Einsum', name: 'Einsum summed-away label: bij,jk->bk', x: [2, 3, 4], inputs: ['x', c([4, 2])], attrs: { equation: A.string('bij,jk->bk') } },
  { op: 'Einsum', name: 'Einsum implicit output: ji', x: [2, 3], inputs: ['x'], attrs: { equation: A.string('ji') } },
  // reductions
  { op: 'ReduceMean', x: [2, 3, 4, 5], attrs: { axes: A.ints([2, 3]) } },
  { op: 'ReduceMean', name: 'ReduceMean opset 18 axes input, keepdims 0', opset: 18, x: [2, 3, 4], inputs: ['x', i64([1])], attrs: { keepdims: A.int(0) } },
  { op: 'ReduceSum', x: [2, 3, 4], inputs: ['x', i64([-1, 0])], attrs: { keepdims: A.int(0) } },
  { op: 'ReduceSum', name: 'ReduceSum opset 11 all axes', opset: 11, x: [2, 3, 4] },
  { op: 'ReduceMax', x: [2, 3, 4], dist: 'distinct', attrs: { axes: A.ints([1]) } },
  { op: 'ReduceMin', x: [2, 3, 4], dist: 'distinct', attrs: { axes: A.ints([2]), keepdims: A.int(0) } },
  { op: 'ReduceSumSquare', x: [2, 3, 4], attrs: { axes: A.ints([1]) } },
  { op: 'ReduceL2', x: [2, 3, 4], attrs: { axes: A.ints([2]) } },
  // data movement
  { op: 'Reshape', x: [2, 3, 4], inputs: ['x', i64([4, -1])] },
  { op: 'Flatten', x: [2, 3, 2, 2], attrs: { axis: A.int(2) } },
  { op: 'Squeeze', x: [2, 1, 4], inputs: ['x', i64([1])] },
  { op: 'Squeeze', name: 'Squeeze opset 11 attribute', opset: 11, x: [2, 1, 4], attrs: { axes: A.ints([1]) } },
  { op: 'Unsqueeze', x: [2, 4], inputs: ['x', i64([0, 2])] },
  { op: 'Transpose', x: [2, 3, 4], attrs: { perm: A.ints([2, 0, 1]) } },
  { op: 'Identity', x: [2, 3] },
  { op: 'Dropout', x: [2, 3] },
  { op: 'Cast', x: [2, 3], attrs: { to: A.int(1) } },
  { op: 'Expand', x: [3, 1], inputs: ['x', i64([2, 3, 4])] },
  { op: 'Tile', x: [2, 3], inputs: ['x', i64([2, 3])] },
  { op: 'Concat', x: [2, 3, 2], inputs: [c([2, 1, 2]), 'x', 'x'], attrs: { axis: A.int(1) } },
  { op: 'Split', x: [2, 6], outputs: 3, inputs: ['x', i64([1, 2, 3])], attrs: { axis: A.int(1) } },
  { op: 'Split', name: 'Split, one output unused', x: [2, 6], outputs: 2, use: [1], inputs: ['x', i64([2, 4])], attrs: { axis: A.int(1) } },
  { op: 'Slice', x: [3, 8], inputs: ['x', i64([1, 1]), i64([3, 7]), i64([0, 1])] },
  { op: 'Slice', name: 'Slice step 2 and negative step', x: [3, 9], inputs: ['x', i64([0, -1]), i64([3, 0]), i64([0, 1]), i64([2, -3])] },
  { op: 'Slice', name: 'Slice opset 9 attributes', opset: 9, x: [3, 8], attrs: { starts: A.ints([1]), ends: A.ints([100]), axes: A.ints([1]) } },
  { op: 'Pad', x: [1, 2, 3, 4], inputs: ['x', i64([0, 0, 1, 2, 0, 0, 2, 1])] },
  { op: 'Pad', name: 'Pad negative (crop) + positive', x: [1, 2, 5, 4], inputs: ['x', i64([0, 0, -1, 2, 0, 0, 1, -2])] },
  { op: 'Pad', name: 'Pad reflect', x: [1, 2, 4, 5], inputs: ['x', i64([0, 0, 2, 1, 0, 0, 1, 3])], attrs: { mode: A.string('reflect') } },
  { op: 'Pad', name: 'Pad edge', x: [1, 2, 4, 5], inputs: ['x', i64([0, 0, 2, 1, 0, 0, 1, 3])], attrs: { mode: A.string('edge') } },
  { op: 'Pad', name: 'Pad opset 10 attribute', opset: 10, x: [1, 2, 3, 3], attrs: { pads: A.ints([0, 0, 1, 1, 0, 0, 1, 0]) } },
  { op: 'Gather', name: 'Gather axis 1 (repeated and negative indices)', x: [2, 5, 3], inputs: ['x', i64([4, -1, 0, 2])], attrs: { axis: A.int(1) } },
  { op: 'Gather', name: 'Gather scalar index axis 0', x: [4, 3], inputs: ['x', { dims: [], values: [2], dtype: 'int64' }] },
  { op: 'Where', x: [2, 3, 4], inputs: [{ dims: [3, 4], values: Array.from({ length: 12 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0), dtype: 'bool' }, 'x', c([4])] },
  { op: 'Where', name: 'Where, x as the else branch', x: [2, 3, 4], inputs: [{ dims: [3, 4], values: Array.from({ length: 12 }, (_, i) => (i * 5) % 3 === 0 ? 1 : 0), dtype: 'bool' }, c([1]), 'x'] },
  { op: 'DepthToSpace', x: [1, 8, 2, 3], attrs: { blocksize: A.int(2) } },
  { op: 'DepthToSpace', name: 'DepthToSpace CRD', x: [1, 8, 2, 3], attrs: { blocksize: A.int(2), mode: A.string('CRD') } },
  { op: 'SpaceToDepth', x: [1, 2, 4, 6], attrs: { blocksize: A.int(2) } },
  { op: 'LayerNormalization', x: [2, 3, 5], inputs: ['x', c([5]), c([5])] },
  { op: 'LayerNormalization', name: 'LayerNormalization axis 1, no bias', x: [2, 3, 2, 2], inputs: ['x', c([3, 2, 2])], attrs: { axis: A.int(1), epsilon: A.float(1e-3) } },
  { op: 'GroupNormalization', name: 'GroupNormalization opset 18 (scale per group)', opset: 18, x: [2, 4, 2, 3], inputs: ['x', c([2]), c([2])], attrs: { num_groups: A.int(2) } },
  { op: 'GroupNormalization', name: 'GroupNormalization opset 21 (scale per channel)', opset: 21, x: [2, 6, 3], inputs: ['x', c([6]), c([6])], attrs: { num_groups: A.int(3), epsilon: A.float(1e-3) } },
  { op: 'LpNormalization', x: [2, 3, 4], attrs: { axis: A.int(1) } },
  { op: 'Mish', x: [2, 3, 4], opset: 18 },
  { op: 'Celu', x: [2, 3, 4], dist: 'away', attrs: { alpha: A.float(0.8) } },
  { op: 'ThresholdedRelu', x: [2, 8], dist: 'away', attrs: { alpha: A.float(0.5) } },
  { op: 'ReduceLogSumExp', x: [2, 3, 4], attrs: { axes: A.ints([1]) } },
  { op: 'CumSum', x: [2, 5], inputs: ['x', { dims: [], values: [1], dtype: 'int64' }] },
  { op: 'CumSum', name: 'CumSum exclusive reverse', x: [3, 4], inputs: ['x', { dims: [], values: [0], dtype: 'int64' }], attrs: { exclusive: A.int(1), reverse: A.int(1) } },
  // resize
  { op: 'Resize', name: 'Resize nearest x2 asymmetric floor (torch Upsample)', x: [1, 2, 3, 4], inputs: ['x', '', f32([1, 1, 2, 2])], attrs: { mode: A.string('nearest'), coordinate_transformation_mode: A.string('asymmetric'), nearest_mode: A.string('floor') } },
  { op: 'Resize', name: 'Resize linear x2 half_pixel', x: [1, 2, 3, 4], inputs: ['x', '', f32([1, 1, 2, 2])], attrs: { mode: A.string('linear') } },
  { op: 'Resize', name: 'Resize linear sizes align_corners', x: [1, 2, 4, 5], inputs: ['x', '', '', i64([1, 2, 7, 3])], attrs: { mode: A.string('linear'), coordinate_transformation_mode: A.string('align_corners') } },
  { op: 'Resize', name: 'Resize nearest downscale sizes', x: [1, 2, 6, 6], inputs: ['x', '', '', i64([1, 2, 4, 3])], attrs: { mode: A.string('nearest') } },
  { op: 'Upsample', name: 'Upsample opset 9 nearest', opset: 9, x: [1, 2, 3, 3], inputs: ['x', f32([1, 1, 2, 3])], attrs: { mode: A.string('nearest') } },
  // the colleague's rules, through the whole compiler (their own harness covers each in depth)
  { op: 'Conv', x: [1, 3, 6, 6], inputs: ['x', c([4, 3, 3, 3]), c([4])], attrs: { pads: A.ints([1, 1, 1, 1]) } },
  { op: 'Conv', name: 'Conv stride 2 group 2', x: [1, 4, 7, 7], inputs: ['x', c([4, 2, 3, 3])], attrs: { strides: A.ints([2, 2]), group: A.int(2) } },
  { op: 'MaxPool', x: [1, 2, 7, 7], dist: 'distinct', attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), ceil_mode: A.int(1) } },
  { op: 'MaxPool', name: 'MaxPool opset 13 3x3 s1 pads 1 ceil (GoogLeNet inception pool)', opset: 13, x: [1, 2, 6, 6], dist: 'distinct', attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([1, 1]), pads: A.ints([1, 1, 1, 1]), ceil_mode: A.int(1) } },
  { op: 'MaxPool', name: 'MaxPool opset 13 3x3 s2 ceil (GoogLeNet pool1)', opset: 13, x: [1, 2, 8, 8], dist: 'distinct', attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), ceil_mode: A.int(1) } },
  { op: 'LRN', name: 'LRN GoogLeNet parameters opset 13', opset: 13, x: [1, 7, 3, 3], attrs: { size: A.int(5), alpha: A.float(1e-4), beta: A.float(0.75), bias: A.float(1) } },
  { op: 'AveragePool', x: [1, 2, 6, 6], attrs: { kernel_shape: A.ints([3, 3]), strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { op: 'GlobalAveragePool', x: [2, 3, 4, 4] },
  { op: 'LRN', x: [1, 6, 3, 3], attrs: { size: A.int(5), alpha: A.float(0.3), beta: A.float(0.75), bias: A.float(2) } },
  { op: 'BatchNormalization', x: [2, 3, 3, 3], inputs: ['x', c([3]), c([3]), c([3]), { dims: [3], lo: 0.5, hi: 2 }] },
  { op: 'InstanceNormalization', x: [2, 3, 3, 3], inputs: ['x', c([3]), c([3])] },
];
