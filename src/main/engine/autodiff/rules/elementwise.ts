// Gradient rules for arithmetic with numpy broadcasting, unary math, MatMul and Gemm.
// Each input's gradient is summed back to that input's own shape with ctx.unbroadcast.
import { A, type GradContext, type GradRule, type RuleMap } from '../types';
import { attrFloat, attrInt, tensorNumbers } from '../../onnx/model';
import { unary } from './activation';

const inp = (ctx: GradContext, i: number) => ctx.node.inputs[i]!;
const out0 = (ctx: GradContext) => ctx.node.outputs[0]!;

/** Gradient of a binary broadcasting op: `partial(i)` is dy ∂y/∂x_i at the output's shape. */
function binary(partial: (ctx: GradContext, dy: string, i: number) => string): GradRule {
  return (ctx, dOut) => {
    const dy = dOut[0];
    if (!dy) return [];
    const yShape = ctx.shape(out0(ctx));
    return ctx.node.inputs.map((x, i) => (ctx.wants(i) ? ctx.unbroadcast(partial(ctx, dy, i), yShape, ctx.shape(x)) : undefined));
  };
}

const add = binary((ctx, dy) => dy);
const sub = binary((ctx, dy, i) => (i === 0 ? dy : ctx.op('Neg', [dy])));
const mul = binary((ctx, dy, i) => ctx.op('Mul', [dy, inp(ctx, 1 - i)]));
// d(a/b)/da = 1/b; d(a/b)/db = -y/b
const div = binary((ctx, dy, i) =>
  i === 0 ? ctx.op('Div', [dy, inp(ctx, 1)]) : ctx.op('Neg', [ctx.op('Div', [ctx.op('Mul', [dy, out0(ctx)]), inp(ctx, 1)])]));
// Sum of n inputs: each gets dy
const sum = binary((ctx, dy) => dy);
const mean = binary((ctx, dy) => ctx.op('Mul', [dy, ctx.scalar(1 / ctx.node.inputs.length)]));

// Max/Min of several inputs: the gradient goes to the input(s) equal to the result
const extreme = binary((ctx, dy, i) => ctx.op('Where', [ctx.op('Equal', [inp(ctx, i), out0(ctx)]), dy, ctx.scalar(0)]));

// Where(cond, a, b): the condition is boolean (no gradient); a and b get dy where they were chosen
const where: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const [cond, a, b] = ctx.node.inputs as [string, string, string];
  const yShape = ctx.shape(out0(ctx));
  const zero = ctx.scalar(0);
  return [
    undefined,
    ctx.wants(1) ? ctx.unbroadcast(ctx.op('Where', [cond, dy, zero]), yShape, ctx.shape(a)) : undefined,
    ctx.wants(2) ? ctx.unbroadcast(ctx.op('Where', [cond, zero, dy]), yShape, ctx.shape(b)) : undefined,
  ];
};

const pow: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const [a, b] = ctx.node.inputs as [string, string];
  const yShape = ctx.shape(out0(ctx));
  let da: string | undefined;
  if (ctx.wants(0)) {
    const c = ctx.constant(b);
    const vals = c ? tensorNumbers(c) : undefined;
    let local: string;
    if (vals && vals.length === 1) {
      const p = vals[0]!;
      // p x^(p-1), with the common exponents spelled without Pow
      local = p === 2 ? ctx.op('Mul', [a, ctx.scalar(2)]) : p === 1 ? ctx.op('Identity', [ctx.scalar(1)])
        : ctx.op('Mul', [ctx.op('Pow', [a, ctx.scalar(p - 1)]), ctx.scalar(p)]);
    } else {
      const bf = ctx.dtype(b) === 'float32' ? b : ctx.op('Cast', [b], { to: A.int(1) });
      local = ctx.op('Mul', [ctx.op('Pow', [a, ctx.op('Sub', [bf, ctx.scalar(1)])]), bf]);
    }
    da = ctx.unbroadcast(ctx.op('Mul', [dy, local]), yShape, ctx.shape(a));
  }
  let db: string | undefined;
  if (ctx.wants(1)) {
    db = ctx.unbroadcast(ctx.op('Mul', [dy, ctx.op('Mul', [out0(ctx), ctx.op('Log', [a])])]), yShape, ctx.shape(b));
  }
  return [da, db];
};

const sqrt = unary((ctx, dy) => ctx.op('Div', [ctx.op('Mul', [dy, ctx.scalar(0.5)]), out0(ctx)]));
const exp = unary((ctx, dy) => ctx.op('Mul', [dy, out0(ctx)]));
const log = unary((ctx, dy) => ctx.op('Div', [dy, inp(ctx, 0)]));
const neg = unary((ctx, dy) => ctx.op('Neg', [dy]));
const abs = unary((ctx, dy) => ctx.op('Mul', [dy, ctx.op('Sign', [inp(ctx, 0)])]));
const reciprocal = unary((ctx, dy) => {
  const y = out0(ctx);
  return ctx.op('Neg', [ctx.op('Mul', [dy, ctx.op('Mul', [y, y])])]);
});
const sin = unary((ctx, dy) => ctx.op('Mul', [dy, ctx.op('Cos', [inp(ctx, 0)])]));
const cos = unary((ctx, dy) => ctx.op('Neg', [ctx.op('Mul', [dy, ctx.op('Sin', [inp(ctx, 0)])])]));

const swapLast = (rank: number) => A.ints([...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]);

/** MatMul with numpy semantics: 1-D operands are promoted to matrices, batch dims broadcast. */
const matmul: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const [a, b] = ctx.node.inputs as [string, string];
  const sa = ctx.shape(a), sb = ctx.shape(b);
  const aExt = sa.length === 1 ? [1, sa[0]!] : sa;
  const bExt = sb.length === 1 ? [sb[0]!, 1] : sb;
  const batch = broadcastShapes(aExt.slice(0, -2), bExt.slice(0, -2));
  const M = aExt[aExt.length - 2]!, N = bExt[bExt.length - 1]!;
  const gShape = [...batch, M, N];
  const g = ctx.reshape(dy, gShape);
  const A2 = sa.length === 1 ? ctx.reshape(a, aExt) : a;
  const B2 = sb.length === 1 ? ctx.reshape(b, bExt) : b;
  let da: string | undefined, db: string | undefined;
  if (ctx.wants(0)) {
    const bt = ctx.op('Transpose', [B2], { perm: swapLast(bExt.length) });
    const full = ctx.op('MatMul', [g, bt]);
    da = ctx.reshape(ctx.unbroadcast(full, [...batch, M, aExt[aExt.length - 1]!], aExt), sa);
  }
  if (ctx.wants(1)) {
    const at = ctx.op('Transpose', [A2], { perm: swapLast(aExt.length) });
    const full = ctx.op('MatMul', [at, g]);
    db = ctx.reshape(ctx.unbroadcast(full, [...batch, bExt[bExt.length - 2]!, N], bExt), sb);
  }
  return [da, db];
};

export function broadcastShapes(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

// Y = alpha A' B' + beta C with A' = transA ? Aᵀ : A (likewise B'); the adjoints are Gemms again.
const gemm: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const [a, b, c] = ctx.node.inputs as [string, string, string | undefined];
  const alpha = attrFloat(ctx.node, 'alpha', 1);
  const beta = attrFloat(ctx.node, 'beta', 1);
  const tA = attrInt(ctx.node, 'transA', 0), tB = attrInt(ctx.node, 'transB', 0);
  const gemmOp = (x: string, y: string, ta: number, tb: number): string => {
    if (ctx.opset >= 11) return ctx.op('Gemm', [x, y], { alpha: A.float(alpha), beta: A.float(0), transA: A.int(ta), transB: A.int(tb) });
    // Gemm's C is optional only from opset 11
    const t = (v: string, on: number) => (on ? ctx.op('Transpose', [v], { perm: A.ints([1, 0]) }) : v);
    const mm = ctx.op('MatMul', [t(x, ta), t(y, tb)]);
    return alpha === 1 ? mm : ctx.op('Mul', [mm, ctx.scalar(alpha)]);
  };
  const da = ctx.wants(0) ? (tA ? gemmOp(b, dy, tB, 1) : gemmOp(dy, b, 0, 1 - tB)) : undefined;
  const db = ctx.wants(1) ? (tB ? gemmOp(dy, a, 1, tA) : gemmOp(a, dy, 1 - tA, 0)) : undefined;
  let dc: string | undefined;
  if (c && ctx.wants(2)) {
    const scaled = beta === 1 ? dy : ctx.op('Mul', [dy, ctx.scalar(beta)]);
    dc = ctx.unbroadcast(scaled, ctx.shape(out0(ctx)), ctx.shape(c));
  }
  return [da, db, dc];
};

/**
 * Einsum without ellipsis or repeated labels in one operand: the gradient of operand i is the einsum of
 * dy with the other operands back to operand i's labels; labels only operand i has (summed away in the
 * forward) come back by broadcasting.
 */
const einsum: GradRule = (ctx, dOut) => {
  const dy = dOut[0];
  if (!dy) return [];
  const n = ctx.node;
  const a = n.attrs.equation;
  const eq = (a && a.type === 'string' ? a.value : '').replace(/\s+/g, '');
  if (eq.includes('.')) throw new Error(`Einsum "${eq}": ellipsis has no gradient rule`);
  const [lhs, explicit] = eq.split('->') as [string, string | undefined];
  const subs = lhs.split(',');
  if (subs.length !== n.inputs.length) throw new Error(`Einsum "${eq}" names ${subs.length} operands but the node has ${n.inputs.length}`);
  for (const sub of subs) if (new Set(sub).size !== sub.length) throw new Error(`Einsum "${eq}": repeated labels in one operand (diagonals) have no gradient rule`);
  const count = new Map<string, number>();
  for (const ch of subs.join('')) count.set(ch, (count.get(ch) ?? 0) + 1);
  const out = explicit ?? [...count.keys()].filter((ch) => count.get(ch) === 1).sort().join('');
  return n.inputs.map((x, i) => {
    if (!ctx.wants(i)) return undefined;
    const mine = subs[i]!;
    const others = subs.filter((_, j) => j !== i);
    const elsewhere = new Set([...out, ...others.join('')]);
    const kept = [...mine].filter((ch) => elsewhere.has(ch)).join('');
    const operands = [dy, ...n.inputs.filter((_, j) => j !== i)];
    let g = ctx.op('Einsum', operands, { equation: A.string(`${[out, ...others].join(',')}->${kept}`) });
    if (kept.length < mine.length) {
      const xs = ctx.shape(x);
      const missing = [...mine].map((ch, k) => (elsewhere.has(ch) ? -1 : k)).filter((k) => k >= 0);
      g = ctx.op('Expand', [ctx.unsqueeze(g, missing), ctx.ints(xs)]);
    }
    return g;
  });
};

export const elementwiseRules: RuleMap = {
  Einsum: einsum,
  Add: add,
  Sub: sub,
  Mul: mul,
  Div: div,
  Sum: sum,
  Mean: mean,
  Max: extreme,
  Min: extreme,
  Pow: pow,
  Where: where,
  Sqrt: sqrt,
  Exp: exp,
  Log: log,
  Neg: neg,
  Abs: abs,
  Reciprocal: reciprocal,
  Sin: sin,
  Cos: cos,
  MatMul: matmul,
  Gemm: gemm,
};
