// Gradient overrides for ReLU used by attribution and feature visualization.
import type { GradRule } from '../types';
import { reluMasked, unary } from './activation';

/**
 * Guided backprop (Springenberg et al.): pass dy only where x > 0 AND dy > 0 — the default ReLU rule's mask
 * (activation.ts) applied to Relu(dy): vectorized ops rather than And + Where, the same values for finite dy.
 */
const guidedRelu: GradRule = unary((ctx, dy) => reluMasked(ctx, ctx.op('Relu', [dy])));

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
