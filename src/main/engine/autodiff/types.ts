// The vocabulary every gradient rule is written in. See autodiff/README.md for the design.
//
// A rule receives the forward node, the gradients flowing into its outputs, and a context that knows
// every tensor's concrete shape and dtype (the graph is specialized to one input shape before
// differentiation, so shapes are plain numbers) and can emit new ONNX nodes. It returns one gradient
// per node input: a tensor name, or undefined where that input needs none. Rules never mutate the
// forward graph. (Modelled on onnxruntime's gradient_builder and tinygrad's gradient.py.)
import type { Attr, DType, Node, Tensor } from '../onnx/model';
import type { ResolvedStrategies } from './strategies';

export interface GradContext {
  /** the forward node being differentiated */
  readonly node: Node;
  /** default-domain opset of the emitted model: the source opset, raised to MIN_EMIT_OPSET (9, rewrite.ts) */
  readonly opset: number;
  /** how rules with several spellings emit their backward (compile option; strategies.ts) */
  readonly strategies: ResolvedStrategies;

  /** concrete shape of any forward tensor (inputs, outputs, initializers, folded constants) */
  shape(tensor: string): number[];
  dtype(tensor: string): DType;
  /** the value of a tensor known before anything runs (initializer or folded constant), if any */
  constant(tensor: string): Tensor | undefined;
  /** whether input i of this node lies on a path from the differentiated input; rules skip the rest */
  wants(inputIndex: number): boolean;

  /** Emit one ONNX node into the backward graph; returns its output names (fresh, unique). */
  emit(opType: string, inputs: string[], attrs?: Record<string, Attr>, outputCount?: number, domain?: string): string[];
  /** emit() for single-output ops */
  op(opType: string, inputs: string[], attrs?: Record<string, Attr>): string;
  /** Add a constant initializer; returns its name. */
  tensor(dtype: DType, dims: number[], values: ArrayLike<number>): string;
  /** float32 scalar constant (rank 0) */
  scalar(value: number): string;
  /** 1-D int64 constant, e.g. for Reshape shapes, Slice starts, axes */
  ints(values: number[]): string;
  /** Sum `grad` (whose shape is `gradShape`) down to `targetShape` — the reverse of numpy broadcasting. */
  unbroadcast(grad: string, gradShape: number[], targetShape: number[]): string;

  // Opset-aware helpers (axes moved from attributes to inputs at opset 13 / 18; these hide that).
  reduceSum(x: string, axes: number[], keepdims: boolean): string;
  reduceMean(x: string, axes: number[], keepdims: boolean): string;
  unsqueeze(x: string, axes: number[]): string;
  squeeze(x: string, axes: number[]): string;
  /** Slice with constant bounds */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string;
  /** Reshape to a static shape */
  reshape(x: string, shape: number[]): string;
  /** float32 zeros of a static shape (ConstantOfShape, so nothing large is stored) */
  zeros(shape: number[]): string;
}

/**
 * A gradient rule: dOutputs[i] is the gradient flowing into node output i (undefined when nothing
 * downstream of that output reaches the objective). Returns one entry per node input.
 */
export type GradRule = (ctx: GradContext, dOutputs: (string | undefined)[]) => (string | undefined)[];

/** One registry: op type → rule. Overrides (guided backprop, deconvnet, redirected ReLU) are copies with some entries swapped. */
export type RuleMap = Readonly<Record<string, GradRule>>;

/** Helpers for attribute literals in rules. */
export const A = {
  int: (value: number): Attr => ({ type: 'int', value }),
  float: (value: number): Attr => ({ type: 'float', value }),
  ints: (value: number[]): Attr => ({ type: 'ints', value }),
  floats: (value: number[]): Attr => ({ type: 'floats', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
};
