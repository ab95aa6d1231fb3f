// Gradient rules for LayerNormalization (opset 17; torch's nn.LayerNorm in ConvNeXt/ViT),
// GroupNormalization (opset 18/21) and LpNormalization (p = 2). Statistics are recomputed from x
// (the optional Mean/InvStdDev outputs are rarely exported).
import type { GradContext, GradRule, RuleMap } from '../types';
import { attrFloat, attrInt } from '../../onnx/model';
import { unary } from './activation';

/** rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) over `axes`, x̂ = (x − μ) · rstd, rstd = 1/sqrt(var + eps) */
function normalizedBackward(ctx: GradContext, x: string, g: string, axes: number[], eps: number): string {
  const xc = ctx.op('Sub', [x, ctx.reduceMean(x, axes, true)]);
  const variance = ctx.reduceMean(ctx.op('Mul', [xc, xc]), axes, true);
  const rstd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(eps)])])]);
  const xhat = ctx.op('Mul', [xc, rstd]);
  const inner = ctx.op('Sub', [
    ctx.op('Sub', [g, ctx.reduceMean(g, axes, true)]),
    ctx.op('Mul', [xhat, ctx.reduceMean(ctx.op('Mul', [g, xhat]), axes, true)]),
  ]);
  return ctx.op('Mul', [inner, rstd]);
}

const layerNorm: GradRule = unary((ctx, dy) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const rank = ctx.shape(x).length;
  let axis = attrInt(n, 'axis', -1);
  if (axis < 0) axis += rank;
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const g = n.inputs[1] ? ctx.op('Mul', [dy, n.inputs[1]]) : dy;
  return normalizedBackward(ctx, x, g, axes, attrFloat(n, 'epsilon', 1e-5));
});

// Statistics per (item, group); scale/bias per group (opset 18) or per channel (opset 21).
const groupNorm: GradRule = unary((ctx, dy) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const xs = ctx.shape(x);
  const [N, C] = xs as [number, number];
  const G = attrInt(n, 'num_groups', 0);
  if (G < 1 || C % G !== 0) throw new Error(`GroupNormalization num_groups ${G} does not divide ${C} channels`);
  const scale = n.inputs[1]!;
  const per = xs.slice(2).reduce((a, b) => a * b, 1);
  let g: string;
  if (ctx.shape(scale).reduce((a, b) => a * b, 1) === C) {
    g = ctx.op('Mul', [dy, ctx.reshape(scale, [C, ...xs.slice(2).map(() => 1)])]);
    g = ctx.reshape(g, [N, G, (C / G) * per]);
  } else {
    g = ctx.op('Mul', [ctx.reshape(dy, [N, G, (C / G) * per]), ctx.reshape(scale, [G, 1])]);
  }
  const dx = normalizedBackward(ctx, ctx.reshape(x, [N, G, (C / G) * per]), g, [2], attrFloat(n, 'epsilon', 1e-5));
  return ctx.reshape(dx, xs);
});

// y = x / ‖x‖₂ along axis → dx = (g − y · Σ(g ⊙ y)) / ‖x‖₂
const lpNorm: GradRule = unary((ctx, dy) => {
  const n = ctx.node;
  if (attrInt(n, 'p', 2) !== 2) throw new Error('LpNormalization has a gradient rule for p = 2 only');
  const x = n.inputs[0]!;
  const rank = ctx.shape(x).length;
  let axis = attrInt(n, 'axis', -1);
  if (axis < 0) axis += rank;
  const y = n.outputs[0]!;
  const norm = ctx.op('Sqrt', [ctx.reduceSum(ctx.op('Mul', [x, x]), [axis], true)]);
  const proj = ctx.op('Mul', [y, ctx.reduceSum(ctx.op('Mul', [dy, y]), [axis], true)]);
  return ctx.op('Div', [ctx.op('Sub', [dy, proj]), norm]);
});

export const layerNormRules: RuleMap = {
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
  LpNormalization: lpNorm,
};
