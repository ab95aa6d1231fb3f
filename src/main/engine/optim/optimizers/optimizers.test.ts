// Optimizers: Adam against hand-computed steps, normalized ascent on a tiny example, L-BFGS on an
// ill-conditioned quadratic and on Rosenbrock, its evaluation counting, budget and tolerances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adam, createOptimizer, cubicInterpolate, lbfgs, normalizedAscent, strongWolfe, type Closure } from './index';
import { randomVector } from '../testing';
import type { FloatArray } from '../types';

/** f(x) = ½ Σ x², gradient x */
const halfSquares: Closure = async (x, g) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) { f += 0.5 * x[i]! * x[i]!; g[i] = x[i]!; }
  return f;
};

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < tol, `${what}[${i}]: ${got[i]} vs ${w}`));
}

test('Adam: three steps on f = ½Σx² from (1, −2, 0.5), lr 0.1, worked by hand', async () => {
  // step 1: g = x = (1, −2, .5); m = .1·g; v = .001·g²; m̂ = g, √v̂ = |g|
  //   x ← x − .1·g/(|g| + 1e-8) = (0.900000001, −1.9000000005, 0.400000002)
  // step 2 (first value): g = .9; m = .9·.1 + .1·.9 = .18; v = .999·.001 + .001·.81 = .001809
  //   m̂ = .18/(1 − .81) = .947368…; √v̂ = √(.001809/(1 − .998001)) = .951290…
  //   x ← .9 − .1·.947368/.951290 = .800412229712   (the others likewise: −1.800166486621, .301187423731)
  // step 3 (first value): g = .800412; m = .9·.18 + .1·.800412 = .242041; v = .999·.001809 + .001·.640660 = .002447851
  //   m̂ = .242041/(1 − .729) = .893141; √v̂ = √(.002447851/.002997001) = .903757
  //   x ← .800412 − .1·.893141/.903757 = .701586274504   (others: −1.700623392812, .204871255739)
  const x = Float64Array.from([1, -2, 0.5]);
  const opt = adam({ kind: 'adam', lr: 0.1 });
  const want = [[0.900000001, -1.9000000005, 0.400000002], [0.800412229712, -1.800166486621, 0.301187423731], [0.701586274504, -1.700623392812, 0.204871255739]];
  for (let k = 0; k < 3; k++) {
    const r = await opt.step(x, halfSquares);
    assert.equal(r.evaluations, 1);
    close(x, want[k]!, 1e-11, `step ${k + 1}`);
  }
  assert.equal(opt.evaluations, 3);
  assert.equal(opt.maximizes, false);
  // maximizing −½Σx² walks the same path
  const y = Float64Array.from([1, -2, 0.5]);
  const up = adam({ kind: 'adam', lr: 0.1, maximize: true });
  const neg: Closure = async (p, g) => { const f = await halfSquares(p, g); for (let i = 0; i < g.length; i++) g[i] = -g[i]!; return -f; };
  for (let k = 0; k < 3; k++) await up.step(y, neg);
  close(y, want[2]!, 1e-11, 'maximize');
  assert.equal(up.maximizes, true);
  // Float32 parameters, as the render loop uses
  const z = Float32Array.from([1, -2, 0.5]);
  const o32 = adam({ kind: 'adam', lr: 0.1 });
  for (let k = 0; k < 3; k++) await o32.step(z, halfSquares);
  close(z, want[2]!, 1e-6, 'float32');
});

test('normalized ascent: x += step·g/mean|g| per batch item; an all-zero gradient leaves its item alone', async () => {
  const grads = [1, 3, -2, 0, 0, 0, 0, 0, 4, -4, 4, -4];
  const f: Closure = async (_x, g) => { grads.forEach((v, i) => (g[i] = v)); return 7; };
  const x = new Float64Array(12);
  const opt = normalizedAscent({ kind: 'ascent', step: 0.5 }, 3);
  const r = await opt.step(x, f);
  assert.deepEqual(r, { evaluations: 1, value: 7, done: false });
  // item 0: mean|g| = 6/4 = 1.5 → x = 0.5·g/1.5; item 1: zero; item 2: mean|g| = 4 → 0.5·g/4
  close(x, [1 / 3, 1, -2 / 3, 0, 0, 0, 0, 0, 0.5, -0.5, 0.5, -0.5], 1e-15, 'ascent');
  assert.equal(opt.maximizes, true);
  await assert.rejects(() => normalizedAscent({ kind: 'ascent', step: 1 }, 5).step(x, f), /do not split/);
});

/** f = ½(x − c)ᵀA(x − c) with A = Q·diag(λ)·Qᵀ, λ from 1 to `cond` (evenly or log-spaced), Q a random rotation */
function quadratic(n: number, cond: number, seed: number, spacing: 'linear' | 'log' = 'linear') {
  const q: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = randomVector(n, seed + i);
    for (const u of q) { const d = u.reduce((s, ui, j) => s + ui * v[j]!, 0); for (let j = 0; j < n; j++) v[j]! -= d * u[j]!; }
    const norm = Math.hypot(...v);
    q.push(v.map((t) => t / norm));
  }
  const lambda = Array.from({ length: n }, (_, i) => (spacing === 'log' ? Math.pow(cond, i / (n - 1)) : 1 + ((cond - 1) * i) / (n - 1)));
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += lambda[k]! * q[k]![i]! * q[k]![j]!;
  const c = randomVector(n, seed + 999);
  const f: Closure = async (x, g) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * (x[j]! - c[j]!);
      g[i] = s;
      v += 0.5 * (x[i]! - c[i]!) * s;
    }
    return v;
  };
  return { f, c };
}

async function run(opt: ReturnType<typeof lbfgs>, x: FloatArray, f: Closure, maxSteps: number) {
  let steps = 0, last;
  while (steps < maxSteps) {
    last = await opt.step(x, f);
    if (last.evaluations > 0) steps++;
    if (last.done) break;
  }
  return { steps, last };
}

test('L-BFGS (strong Wolfe) reaches the minimum of a 100-D quadratic with condition number 1e4 within 100 iterations', async () => {
  // eigenvalues evenly spread over [1, 1e4]: the minimum to machine precision. Log-spaced over [1, 1e3] is
  // harder for any L-BFGS with an inexact line search: scipy's L-BFGS-B (maxcor 100) also stops near 4e-10·f0
  // after 100 iterations there, as this one does.
  for (const [cond, spacing, fTol, xTol] of [[1e4, 'linear', 1e-20, 1e-9], [1e3, 'log', 1e-9, 1e-3]] as const) {
    const { f, c } = quadratic(100, cond, 42, spacing);
    const x = new Float64Array(100);
    const g = new Float64Array(100);
    const f0 = await f(x, g);
    const opt = lbfgs({ kind: 'lbfgs', toleranceGrad: -1, toleranceChange: -1 });
    const { steps } = await run(opt, x, f, 100);
    const fx = await f(x, g);
    const err = Math.max(...Array.from(x, (v, i) => Math.abs(v - c[i]!)));
    assert.ok(fx < fTol * f0 && err < xTol, `${spacing} ${cond}: after ${steps} iterations (${opt.evaluations} evaluations): f ${fx} (from ${f0}), max |x − x*| ${err}`);
    // plain gradient descent (step 1/λmax) with the same budget stays far off: the problem is ill-conditioned
    const y = new Float64Array(100);
    for (let k = 0; k < 100; k++) { await f(y, g); for (let i = 0; i < 100; i++) y[i]! -= (1 / cond) * g[i]!; }
    const gdErr = Math.max(...Array.from(y, (v, i) => Math.abs(v - c[i]!)));
    assert.ok(gdErr > 0.1, `${spacing} ${cond}: gradient descent reached ${gdErr}`);
  }
});

/** chained Rosenbrock Σ 100(x[i+1] − x[i]²)² + (1 − x[i])², minimum 0 at (1, …, 1) */
const rosenbrock: Closure = async (x, g) => {
  g.fill(0);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!, b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i]! += -400 * a * x[i]! - 2 * b;
    g[i + 1]! += 200 * a;
  }
  return f;
};

test('L-BFGS minimizes Rosenbrock to 1e-6 (2-D from (−1.2, 1), 10-D from 0)', async () => {
  for (const [start, budget] of [[[-1.2, 1], 100], [new Array(10).fill(0), 200]] as const) {
    const x = Float64Array.from(start);
    const opt = lbfgs({ kind: 'lbfgs', toleranceGrad: 1e-12, toleranceChange: 1e-20 });
    const { steps, last } = await run(opt, x, rosenbrock, budget);
    const fx = await rosenbrock(x, new Float64Array(x.length));
    const err = Math.max(...Array.from(x, (v) => Math.abs(v - 1)));
    assert.ok(fx < 1e-12 && err < 1e-6, `${x.length}-D after ${steps} iterations (${opt.evaluations} evaluations, ${last?.reason}): f ${fx}, max |x − 1| ${err}`);
  }
});

test("L-BFGS without line search: N steps = N evaluations (neural-style's count), the budget and the tolerances stop it", async () => {
  const { f } = quadratic(20, 100, 7);
  const x = new Float64Array(20);
  const opt = createOptimizer({ kind: 'lbfgs', lineSearch: 'none', toleranceGrad: -1, toleranceChange: -1 });
  for (let k = 1; k <= 15; k++) {
    const r = await opt.step(x, f);
    assert.equal(r.evaluations, 1);
    assert.equal(opt.evaluations, k);
  }
  const budget = createOptimizer({ kind: 'lbfgs', maxEvaluations: 7, toleranceGrad: -1, toleranceChange: -1 });
  const y = new Float64Array(20);
  const { last } = await run(budget, y, f, 100);
  assert.ok(budget.evaluations >= 7 && budget.evaluations < 7 + 25, `${budget.evaluations}`);
  assert.equal(last?.reason, 'evaluation budget spent');
  assert.equal((await budget.step(y, f)).evaluations, 0, 'a finished optimizer does not evaluate again');
  // at the minimum the gradient tolerance stops it at once, without moving
  const at = Float64Array.from([0, 0]);
  const r = await lbfgs({ kind: 'lbfgs' }).step(at, halfSquares);
  assert.deepEqual([r.done, r.reason, r.evaluations, Array.from(at)], [true, 'gradient below tolerance', 1, [0, 0]]);
});

test('L-BFGS in float32 with a projection between steps still converges (the curvature pairs use the real x change)', async () => {
  const x = Float32Array.from([3, -2, 0.5, 4]);
  const target = [0.2, 0.9, 0.5, 1];
  const f: Closure = async (p, g) => {
    let v = 0;
    for (let i = 0; i < 4; i++) { const d = p[i]! - target[i]!; v += (i + 1) * d * d; g[i] = 2 * (i + 1) * d; }
    return v;
  };
  const opt = lbfgs({ kind: 'lbfgs' });
  for (let k = 0; k < 50; k++) {
    const r = await opt.step(x, f);
    for (let i = 0; i < 4; i++) x[i] = Math.min(1, Math.max(0, x[i]!));
    if (r.done) break;
  }
  close(x, target, 1e-5, 'projected');
});

test('cubic interpolation finds the minimizer of a quadratic exactly, and respects bounds', () => {
  // f(t) = (t − 2)²: f(0) = 4, f'(0) = −4; f(3) = 1, f'(3) = 2
  assert.ok(Math.abs(cubicInterpolate(0, 4, -4, 3, 1, 2) - 2) < 1e-12);
  assert.equal(cubicInterpolate(0, 4, -4, 3, 1, 2, [2.5, 10]), 2.5);
});

test('L-BFGS two-loop recursion, worked by hand: 2 steps without line search on ½(x² + 10y²) from (1, 1)', async () => {
  // step 1: g = (1, 10), first step t = min(1, 1/‖g‖₁) = 1/11, d = −g → x1 = (10/11, 1/11)
  // step 2: g1 = (10/11, 10/11); s = (−1/11, −10/11), y = g1 − g = (−1/11, −100/11)
  //   yᵀs = 91/11, H = yᵀs/yᵀy = 1001/10001, ρ = 11/91
  //   q = −g1; α = ρ·sᵀq = 10/91; q −= α·y → (−900/1001, 90/1001); r = H·q
  //   β = ρ·yᵀr = −8100/910091; r += (α − β)·s → (−1009010, −991010)/10011001
  //   x2 = x1 + r = (8091900, −80919)/10011001 = (0.8083007883…, −0.0080830078…)
  const f: Closure = async (x, g) => { g[0] = x[0]!; g[1] = 10 * x[1]!; return 0.5 * (x[0]! ** 2 + 10 * x[1]! ** 2); };
  const x = Float64Array.from([1, 1]);
  const opt = lbfgs({ kind: 'lbfgs', lineSearch: 'none' });
  await opt.step(x, f);
  close(x, [10 / 11, 1 / 11], 1e-15, 'x1');
  await opt.step(x, f);
  close(x, [8091900 / 10011001, -80919 / 10011001], 1e-15, 'x2');
  assert.equal(opt.evaluations, 2);
});

test('strong-Wolfe line search: accepts a first step that meets both conditions in one evaluation; otherwise extrapolates to one that does', async () => {
  const line = (target: number) => async (t: number) => ({ f: (t - target) ** 2, g: Float64Array.from([2 * (t - target)]) });
  const d = Float64Array.from([1]);
  // f(t) = (t − 1)²: t = 1 is the minimum, both conditions hold at once
  const one = await strongWolfe(line(1), d, 1, 1, Float64Array.from([-2]), -2, 1e-9);
  assert.deepEqual([one.t, one.f, one.evaluations], [1, 0, 1]);
  // f(t) = (t − 100)², first try t = 1: decrease but |f'(1)| = 198 > 0.9·200, so the step must grow
  const far = await strongWolfe(line(100), d, 1, 1e4, Float64Array.from([-200]), -200, 1e-9);
  assert.ok(far.f <= 1e4 + 1e-4 * far.t * -200, 'sufficient decrease');
  assert.ok(Math.abs(2 * (far.t - 100)) <= 0.9 * 200, `curvature at t = ${far.t}`);
  assert.ok(far.t > 1 && far.evaluations > 1);
});
