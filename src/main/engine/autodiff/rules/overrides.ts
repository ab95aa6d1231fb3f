// Gradient overrides for ReLU used by attribution and feature visualization.
import { A, type GradRule } from '../types';
import { unary } from './activation';

/**
 * Guided backprop (Springenberg et al.): pass dy only where x > 0 AND dy > 0, as Relu(dy) · Cast(y > 0) — the
 * default ReLU rule's vectorized form (activation.ts) rather than And + Where: the same values for finite dy.
 */
const guidedRelu: GradRule = unary((ctx, dy) =>
  ctx.op('Mul', [ctx.op('Relu', [dy]), ctx.op('Cast', [ctx.op('Greater', [ctx.node.outputs[0]!, ctx.scalar(0)])], { to: A.int(1) })]));

/** Deconvnet (Zeiler & Fergus): the backward pass applies ReLU to dy, ignoring x. */
const deconvRelu: GradRule = unary((ctx, dy) => ctx.op('Relu', [dy]));

/**
 * Lucid's redirected ReLU: the ordinary ReLU gradient, except for a batch item where it is zero
 * everywhere (the unit is dead for the whole image) — there the gradient is let through wherever it
 * would not push an already negative pre-activation further down. Lucid minimises −objective, so its
 * "grad > 0" is our dy < 0.
 */
const redirectedRelu: GradRule = unary((ctx, dy) => {
  const x = ctx.node.inputs[0]!;
  const rank = ctx.shape(x).length;
  const zero = ctx.scalar(0);
  const reluGrad = ctx.op('Where', [ctx.op('Less', [x, zero]), zero, dy]);
  const pushingLower = ctx.op('And', [ctx.op('Less', [x, zero]), ctx.op('Less', [dy, zero])]);
  const redirected = ctx.op('Where', [pushingLower, zero, dy]);
  const axes = Array.from({ length: rank - 1 }, (_, i) => i + 1);
  const mag = ctx.reduceSum(ctx.op('Mul', [reluGrad, reluGrad]), axes, true);
  return ctx.op('Where', [ctx.op('Greater', [mag, zero]), reluGrad, redirected]);
});

export const overrideRules = { guidedRelu, deconvRelu, redirectedRelu };
