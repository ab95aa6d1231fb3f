// Gradient rules for ReduceMean / ReduceSum / ReduceMax / ReduceMin / ReduceSumSquare / ReduceL2.
// The gradient is broadcast back over the reduced axes with Reshape (to the keepdims shape) + Expand.
import type { GradContext, GradRule, RuleMap } from '../types';
import { attrInt, attrInts, tensorNumbers } from '../../onnx/model';

/** The axes a Reduce node reduces (attribute before opset 13/18, input after), normalised to ≥ 0. */
export function reducedAxes(ctx: GradContext): number[] {
  const n = ctx.node;
  const rank = ctx.shape(n.inputs[0]!).length;
  let axes = attrInts(n, 'axes');
  if (!axes && n.inputs[1]) {
    const t = ctx.constant(n.inputs[1]);
    if (!t) throw new Error(`${n.opType} axes "${n.inputs[1]}" must be a constant`);
    axes = tensorNumbers(t);
  }
  if (!axes || axes.length === 0) {
    if (attrInt(n, 'noop_with_empty_axes', 0)) return [];
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/** dy (reduced shape) → keepdims shape, and the full input shape */
function keptShapes(ctx: GradContext): { kept: number[]; full: number[]; count: number; axes: number[] } {
  const full = ctx.shape(ctx.node.inputs[0]!);
  const axes = reducedAxes(ctx);
  const kept = full.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((p, a) => p * full[a]!, 1);
  return { kept, full, count, axes };
}

const expandBack = (ctx: GradContext, g: string, kept: number[], full: number[]) =>
  ctx.op('Expand', [ctx.reshape(g, kept), ctx.ints(full)]);

function reduceRule(local: (ctx: GradContext, gFull: string, s: ReturnType<typeof keptShapes>) => string): GradRule {
  return (ctx, dOut) => {
    const dy = dOut[0];
    if (!dy || !ctx.wants(0)) return [];
    const s = keptShapes(ctx);
    if (s.axes.length === 0) return [ctx.op('Identity', [dy])];
    return [local(ctx, expandBack(ctx, dy, s.kept, s.full), s)];
  };
}

const reduceSum = reduceRule((ctx, g) => g);
const reduceMean = reduceRule((ctx, g, s) => ctx.op('Mul', [g, ctx.scalar(1 / s.count)]));
const reduceSumSquare = reduceRule((ctx, g) => ctx.op('Mul', [g, ctx.op('Mul', [ctx.node.inputs[0]!, ctx.scalar(2)])]));
const reduceL2 = reduceRule((ctx, g, s) => {
  const y = ctx.reshape(ctx.node.outputs[0]!, s.kept);
  return ctx.op('Mul', [g, ctx.op('Div', [ctx.node.inputs[0]!, y])]);
});
const reduceL1 = reduceRule((ctx, g) => ctx.op('Mul', [g, ctx.op('Sign', [ctx.node.inputs[0]!])]));
// Max/Min: ties share the gradient equally (like torch.amax)
const reduceExtreme = reduceRule((ctx, g, s) => {
  const x = ctx.node.inputs[0]!;
  const y = ctx.reshape(ctx.node.outputs[0]!, s.kept);
  const mask = ctx.op('Cast', [ctx.op('Equal', [x, y])], { to: { type: 'int', value: 1 } });
  const ties = ctx.reduceSum(mask, s.axes, true);
  return ctx.op('Mul', [g, ctx.op('Div', [mask, ties])]);
});

// d/dx log Σ e^x = softmax over the reduced axes = e^{x − y}
const reduceLogSumExp = reduceRule((ctx, g, s) => {
  const y = ctx.reshape(ctx.node.outputs[0]!, s.kept);
  return ctx.op('Mul', [g, ctx.op('Exp', [ctx.op('Sub', [ctx.node.inputs[0]!, y])])]);
});

export const reduceRules: RuleMap = {
  ReduceLogSumExp: reduceLogSumExp,
  ReduceSum: reduceSum,
  ReduceMean: reduceMean,
  ReduceMax: reduceExtreme,
  ReduceMin: reduceExtreme,
  ReduceSumSquare: reduceSumSquare,
  ReduceL2: reduceL2,
  ReduceL1: reduceL1,
};
