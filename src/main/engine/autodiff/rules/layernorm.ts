// Gradient rule for LayerNormalization (opset 17; what torch exports for nn.LayerNorm in ConvNeXt/ViT).
// Statistics are recomputed from x (the optional Mean/InvStdDev outputs are rarely exported).
import type { GradRule, RuleMap } from '../types';
import { attrFloat, attrInt } from '../../onnx/model';
import { unary } from './activation';

// dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  g = dy ⊙ scale, means over the normalised axes
const layerNorm: GradRule = unary((ctx, dy) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const rank = ctx.shape(x).length;
  let axis = attrInt(n, 'axis', -1);
  if (axis < 0) axis += rank;
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const eps = attrFloat(n, 'epsilon', 1e-5);
  const xc = ctx.op('Sub', [x, ctx.reduceMean(x, axes, true)]);
  const variance = ctx.reduceMean(ctx.op('Mul', [xc, xc]), axes, true);
  const rstd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(eps)])])]);
  const xhat = ctx.op('Mul', [xc, rstd]);
  const g = n.inputs[1] ? ctx.op('Mul', [dy, n.inputs[1]]) : dy;
  const inner = ctx.op('Sub', [
    ctx.op('Sub', [g, ctx.reduceMean(g, axes, true)]),
    ctx.op('Mul', [xhat, ctx.reduceMean(ctx.op('Mul', [g, xhat]), axes, true)]),
  ]);
  return ctx.op('Mul', [inner, rstd]);
});

export const layerNormRules: RuleMap = {
  LayerNormalization: layerNorm,
};
