// Gradient-compiler benchmark (`npm run bench:grad`): for each real model and input size, our own
// onnxruntime forward to the target tensor vs the compiled forward+backward of mean(target²) to the
// input (DeepDream's objective), and the PyTorch 1.13 reference (../shared/peer/bench_step.py, same
// ONNX files, same rows) run by this script in the same run: its best configuration (NCHW or
// channels_last, whichever is faster on that row), the ratio, the load average and the reference's
// own idle check (other processes' CPU share while it measured). Without PyTorch the comparison is
// skipped and said so. The reference's batch-8 rows take channels 0–7 of the target (the
// feature-visualization case); ours take mean(target²) over the batch: the same graph and work.
//
// Every row runs in its own child process so peak memory (max RSS) belongs to that row alone.
// Forward and forward+backward runs alternate, so load from other processes hits both alike: on a
// shared machine compare the RATIOS within one run, not absolute times across runs.
//
//   tsx scripts/bench-grad.ts [--rows googlenet,vgg] [--runs 10] [--threads 2]
//       [--winograd off|f2|f4] [--conv auto|transpose] [--pool auto|match|blocks|offsets|separable|onehot|indices|scatter|phases|gather|dense] [--lrn slices|pool] [--opset 17] [--opt all|extended|basic|disabled]
//       [--mem-pattern] [--profile] [--json] [--no-reference] [--wait-idle] [--quick]
//   --wait-idle: let the reference wait for an idle machine and retry disturbed rows (its guard; off by
//   default because on a shared machine it can wait for many minutes); --quick: 3 runs of ours and the
//   reference's --quick (1 warm-up, 2 runs)
//   tsx scripts/bench-grad.ts --ops [--rows MaxPool,LRN]   (backward strategies of single layers, GoogLeNet-at-512
//       sizes; --rows keeps the layers whose name contains one of the words)
//
// --profile writes onnxruntime's JSON trace of the gradient session and prints where the time goes
// per op type, split into forward and backward nodes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, readModelFile, type Model } from '../src/main/engine/onnx/model';
import { compileGradient } from '../src/main/engine/autodiff/index';
import { cutModel } from '../src/main/engine/gradients/cut';
import { convRules } from '../src/main/engine/autodiff/rules/conv';
import { poolRules } from '../src/main/engine/autodiff/rules/pool';
import { deepdream } from '../src/shared/objectives';
import { normRules } from '../src/main/engine/autodiff/rules/norm';
import type { CompileStrategies, ConvStrategy, LrnWindowStrategy, MaxPoolStrategy, WinogradStrategy } from '../src/main/engine/autodiff/strategies';
import { backwardModel, oneNodeModel, randomValues, type OneNodeCase } from '../src/main/engine/autodiff/rules/rule-harness';
import { A } from '../src/main/engine/autodiff/types';
import { convFlops, ortGemmGflops, printFloor, referenceGemmGflops } from './bench/floor';
import { idleCheck, load, readReference, referenceUnavailable, runReference, scratch, inEngineEnv } from './bench/peer';

const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'models');

interface Row {
  model: 'googlenet' | 'squeezenet' | 'vgg';
  file: string;
  input: string;
  target: string;
  shape: [number, number, number, number];
}

const MODELS = {
  googlenet: { file: 'bvlc_googlenet.onnx', input: 'data', target: 'inception_4c/output' },
  squeezenet: { file: 'squeezenet1.1.onnx', input: 'data', target: 'fire9/concat' },
  vgg: { file: 'vgg19_to_block3.onnx', input: 'input_bgr_meansub', target: 'block3_conv4_relu' },
} as const;

/** the reference's name for each model (bench_step.py's MODELS) */
const PEER_MODEL: Record<Row['model'], string> = { googlenet: 'googlenet', squeezenet: 'squeezenet', vgg: 'vgg19_to_block3' };

// SqueezeNet at its native 227×227 (the reference measures it there; it has no SqueezeNet 512 row)
const ROWS: Row[] = [
  { model: 'googlenet', ...MODELS.googlenet, shape: [1, 3, 224, 224] },
  { model: 'googlenet', ...MODELS.googlenet, shape: [1, 3, 512, 512] },
  { model: 'googlenet', ...MODELS.googlenet, shape: [8, 3, 128, 128] },
  { model: 'squeezenet', ...MODELS.squeezenet, shape: [1, 3, 227, 227] },
  { model: 'squeezenet', ...MODELS.squeezenet, shape: [1, 3, 512, 512] },
  { model: 'squeezenet', ...MODELS.squeezenet, shape: [8, 3, 128, 128] },
  { model: 'vgg', ...MODELS.vgg, shape: [1, 3, 224, 224] },
  { model: 'vgg', ...MODELS.vgg, shape: [1, 3, 512, 512] },
  { model: 'vgg', ...MODELS.vgg, shape: [8, 3, 128, 128] },
];

interface Flags {
  rows?: string[];
  runs: number;
  threads: number;
  conv: ConvStrategy;
  pool: MaxPoolStrategy;
  lrn: LrnWindowStrategy;
  winograd: WinogradStrategy;
  /** declare this default-domain opset on the source model first (experiment: the models are opset 13) */
  opset?: number;
  opt: 'all' | 'extended' | 'basic' | 'disabled';
  memPattern: boolean;
  profile: boolean;
  json: boolean;
  ops: boolean;
  reference: boolean;
  waitIdle: boolean;
  quick: boolean;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { runs: 10, threads: 2, conv: 'auto', pool: 'auto', lrn: 'slices', winograd: 'off', opt: 'all', memPattern: false, profile: false, json: false, ops: false, reference: true, waitIdle: false, quick: false };
  const value = (i: number) => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`bench-grad: ${argv[i]} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rows') f.rows = value(i++).split(',');
    else if (a === '--runs') f.runs = Math.max(1, Number(value(i++)));
    else if (a === '--threads') f.threads = Number(value(i++));
    else if (a === '--conv') f.conv = value(i++) as Flags['conv'];
    else if (a === '--pool') f.pool = value(i++) as Flags['pool'];
    else if (a === '--lrn') f.lrn = value(i++) as Flags['lrn'];
    else if (a === '--winograd') f.winograd = value(i++) as Flags['winograd'];
    else if (a === '--opset') f.opset = Number(value(i++));
    else if (a === '--opt') f.opt = value(i++) as Flags['opt'];
    else if (a === '--no-mem-pattern') f.memPattern = false;
    // the engine's gradient sessions run without onnxruntime's memory pattern ([Note: no memory pattern])
    else if (a === '--mem-pattern') f.memPattern = true;
    else if (a === '--profile') f.profile = true;
    else if (a === '--json') f.json = true;
    else if (a === '--ops') f.ops = true;
    else if (a === '--no-reference') f.reference = false;
    else if (a === '--wait-idle') f.waitIdle = true;
    else if (a === '--quick') { f.quick = true; f.runs = 3; }
    else if (a === '--child') i++;
    else throw new Error(`bench-grad: unknown option ${a}`);
  }
  return f;
}

const rowName = (r: Row) => `${r.model} ${r.shape[0] > 1 ? `b${r.shape[0]}@${r.shape[2]}` : r.shape[2]}`;

// ---------------------------------------------------------------------------------------------
// Child: one row.

interface Result {
  row: string;
  fwd: Stats;
  grad: Stats;
  /** median CPU ms (user+sys, all threads) per run: the work, whatever else shares the cores */
  fwdCpu: number;
  gradCpu: number;
  /** median CPU ms of the compiled graph's own forward part (rewrites applied) */
  ownFwdCpu: number;
  compileMs: number;
  sessionMs: number;
  forwardNodes: number;
  backwardNodes: number;
  maxRssMb: number;
  /** FLOPs of the step's convolutions (forward + data gradient), billions */
  convGflop: number;
  profile?: { forward: [string, number][]; backward: [string, number][]; nodes: [string, number][]; perRunMs: number };
}
interface Stats { median: number; min: number; max: number }

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

/** The model cut down to what `target` needs, with `target` as its only output (the engine's one cut). */
const forwardTo = (model: Model, target: string): Model => cutModel(model, [target]);

function sessionOptions(f: Flags, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    // idle worker threads sleep instead of spinning: CPU time then measures work, and colleagues'
    // processes on the same cores are not slowed by our spinning
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    intraOpNumThreads: f.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: f.opt,
    enableMemPattern: f.memPattern,
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

async function runChild(row: Row, f: Flags): Promise<Result> {
  const file = path.join(SHARED, row.file);
  const model = readModelFile(file);
  if (f.opset) model.opsetImports = model.opsetImports.map((o) => (o.domain === '' || o.domain === 'ai.onnx' ? { ...o, version: f.opset! } : o));

  const t0 = performance.now();
  const strategies: CompileStrategies = { conv: f.conv, maxPool: f.pool, lrnWindow: f.lrn, winograd: f.winograd };
  const compiled = await compileGradient(model, { input: row.input, shape: row.shape, objective: deepdream(row.target), strategies });
  const compileMs = performance.now() - t0;
  const profileDir = f.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grad-')) : undefined;
  const t1 = performance.now();
  const gradSession = await ort.InferenceSession.create(compiled.bytes, sessionOptions(f, profileDir && path.join(profileDir, 'grad')));
  const sessionMs = performance.now() - t1;
  const fwdSession = await ort.InferenceSession.create(encodeModel(forwardTo(model, row.target)), sessionOptions(f));
  // the forward part of the compiled graph alone (LRN rewritten, pools commuted): "our forward" if the
  // product ran forward-only features through the same rewrites
  const ownSession = await ort.InferenceSession.create(encodeModel(forwardTo(compiled.model, row.target)), sessionOptions(f));

  const n = row.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; x[i] = (seed / 2 ** 32) * 200 - 100; }
  const feeds = { [row.input]: new ort.Tensor('float32', x, row.shape) };

  const fwdTimes: number[] = [];
  const gradTimes: number[] = [];
  const fwdCpu: number[] = [];
  const gradCpu: number[] = [];
  const ownCpu: number[] = [];
  const warmup = 2;
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  for (let i = 0; i < warmup + f.runs; i++) {
    let c = process.cpuUsage();
    let t = performance.now();
    await fwdSession.run(feeds);
    const tf = performance.now() - t;
    const cf = cpuMs(process.cpuUsage(c));
    c = process.cpuUsage();
    t = performance.now();
    const out = await gradSession.run(feeds, [compiled.outputs.inputGrad]);
    const tg = performance.now() - t;
    const cg = cpuMs(process.cpuUsage(c));
    c = process.cpuUsage();
    await ownSession.run(feeds);
    const co = cpuMs(process.cpuUsage(c));
    if (i >= warmup) { fwdCpu.push(cf); gradCpu.push(cg); ownCpu.push(co); }
    if (i === 0) {
      const g = out[compiled.outputs.inputGrad]!.data as Float32Array;
      if (!g.some((v) => v !== 0) || g.some((v) => !Number.isFinite(v))) throw new Error(`${rowName(row)}: the input gradient is all zero or not finite`);
    }
    if (i >= warmup) { fwdTimes.push(tf); gradTimes.push(tg); }
  }

  let profile: Result['profile'];
  if (profileDir) {
    gradSession.endProfiling();
    await gradSession.release();
    const trace = fs.readdirSync(profileDir).find((p) => p.endsWith('.json'));
    // the walker appends the backward after the forward and objective nodes
    const backwardNames = new Set(compiled.model.graph.nodes.slice(compiled.stats.forwardNodes).map((n) => n.name));
    if (trace) profile = summarizeProfile(JSON.parse(fs.readFileSync(path.join(profileDir, trace), 'utf8')), warmup + f.runs, backwardNames);
    fs.rmSync(profileDir, { recursive: true, force: true });
  }

  return {
    row: rowName(row),
    fwd: stats(fwdTimes),
    grad: stats(gradTimes),
    fwdCpu: stats(fwdCpu).median,
    gradCpu: stats(gradCpu).median,
    ownFwdCpu: stats(ownCpu).median,
    compileMs,
    sessionMs,
    forwardNodes: compiled.stats.forwardNodes,
    backwardNodes: compiled.stats.backwardNodes,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    convGflop: (2 * (await convFlops(model, row.input, row.shape, row.target))) / 1e9,
    profile,
  };
}

/**
 * Kernel time per op type from onnxruntime's trace. Backward nodes are the ones the compiler emitted
 * under a `<forward node>/grad` scope or after the forward graph (the fan-in Sums, named after the
 * tensor they add up); everything else (forward graph, objective, onnxruntime's layout reorders)
 * counts as forward.
 */
function summarizeProfile(events: { cat?: string; name?: string; dur?: number; args?: { op_name?: string } }[], runs: number, backwardNames: Set<string>): Result['profile'] {
  const fwd = new Map<string, number>();
  const bwd = new Map<string, number>();
  const nodes = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
    const ms = (e.dur ?? 0) / 1000 / runs;
    const node = e.name.slice(0, -'_kernel_time'.length);
    const map = e.name.includes('/grad') || backwardNames.has(node) ? bwd : fwd;
    map.set(e.args.op_name, (map.get(e.args.op_name) ?? 0) + ms);
    nodes.set(node, (nodes.get(node) ?? 0) + ms);
    total += ms;
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { forward: top(fwd), backward: top(bwd), nodes: top(nodes).slice(0, 10), perRunMs: total };
}

// ---------------------------------------------------------------------------------------------
// Parent: spawn one child per row, print the table.

function fmt(s: Stats): string {
  return `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
}

/** One row of the reference's bench_step.json (rows: NCHW, rows_channels_last: NHWC). */
interface PeerRow { model: string; size: number; batch: number; fwd_target: PeerStats; fwd_bwd: PeerStats }
interface PeerStats { median: number; contention?: { other_cpu_frac: number; loadavg_start: number[] } }
interface Reference { fwd: number; fwdBwd: number; layout: string; otherCpu?: number; load?: string }

/**
 * Runs the reference on the models of `rows`, then returns its best configuration per row: the
 * layout (NCHW or channels_last) with the faster fwd+bwd median, as the issue's table compares.
 */
async function reference(rows: Row[], f: Flags): Promise<Map<string, Reference>> {
  const out = scratch('grad');
  const models = [...new Set(rows.map((r) => PEER_MODEL[r.model]))];
  await runReference('bench_step.py', ['--no-ort', '--no-gemm', '--no-torch-conv', ...(f.waitIdle ? [] : ['--no-guard']), ...(f.quick ? ['--quick'] : []), '--only', ...models, '--out', path.join(out, 'bench_step.json')], out);
  const j = readReference<{ rows: PeerRow[]; rows_channels_last?: PeerRow[] }>(out, 'bench_step.json');
  const best = new Map<string, Reference>();
  for (const r of rows) {
    const match = (p: PeerRow) => p.model === PEER_MODEL[r.model] && p.batch === r.shape[0] && p.size === r.shape[2];
    const cands = [...j.rows.filter(match).map((p) => ({ p, layout: 'NCHW' })), ...(j.rows_channels_last ?? []).filter(match).map((p) => ({ p, layout: 'channels_last' }))];
    const pick = cands.sort((x, y) => x.p.fwd_bwd.median - y.p.fwd_bwd.median)[0];
    if (!pick) continue;
    const c = pick.p.fwd_bwd.contention;
    best.set(rowName(r), {
      fwd: pick.p.fwd_target.median, fwdBwd: pick.p.fwd_bwd.median, layout: pick.layout,
      ...(c ? { otherCpu: c.other_cpu_frac, load: c.loadavg_start.map((v) => v.toFixed(2)).join(' ') } : {}),
    });
  }
  return best;
}

async function main(): Promise<void> {
  inEngineEnv();
  const argv = process.argv.slice(2);
  const childAt = argv.indexOf('--child');
  const f = parseFlags(argv);
  if (childAt >= 0) {
    const row = ROWS.find((r) => rowName(r) === argv[childAt + 1]);
    if (!row) throw new Error(`bench-grad: unknown row ${argv[childAt + 1]}`);
    process.stdout.write(`RESULT ${JSON.stringify(await runChild(row, f))}\n`);
    return;
  }
  if (f.ops) return benchOps(f);
  if (!fs.existsSync(SHARED)) {
    console.log(`bench-grad: skipped — ${SHARED} (the shared models folder) is absent`);
    return;
  }
  const rows = ROWS.filter((r) => !f.rows || f.rows.some((k) => rowName(r).startsWith(k)));
  const settings = `threads=${f.threads} opt=${f.opt} memPattern=${f.memPattern} conv=${f.conv} pool=${f.pool} lrn=${f.lrn} winograd=${f.winograd}${f.opset ? ` opset=${f.opset}` : ''} runs=${f.runs}`;
  const log = (s: string) => { if (!f.json) console.log(s); };
  log(`bench-grad: objective mean(target²) → d/d input; onnxruntime-node ${ort.env.versions.common}, ${os.cpus().length} CPUs visible; ${settings}; load average ${load()}`);

  // per model: the reference on that model's rows, then ours on the same rows, so the two sides of a
  // ratio are measured minutes apart, not the whole run apart (and a cut-short run keeps whole models)
  const skipped = f.reference ? referenceUnavailable('bench_step.py') : 'asked for --no-reference';
  const ref = new Map<string, Reference>();
  log('times: median (min–max) wall ms; ratio = fwd+bwd / our fwd (goal ≤ 2.5); CPU ratio = the same in CPU time (fwd/fwd+bwd CPU ms), steadier on a busy machine;');
  log('vs rewritten fwd = the same against the compiled graph\'s forward part alone (LRN decomposed etc.);');
  log('PyTorch = the reference\'s fwd+bwd median in its faster layout (NCHW or channels_last), measured just before our rows of that model; ours / PyTorch: goal ≤ 0.6; other CPU = the reference\'s idle check');
  const header = ['row', 'target', 'fwd ms', 'fwd+bwd ms', 'ratio', 'CPU ratio', 'CPU ratio vs rewritten fwd', 'PyTorch fwd ms', 'PyTorch fwd+bwd ms', 'ours / PyTorch', 'PyTorch other CPU', 'load (ours / PyTorch)', 'compile ms', 'session ms', 'nodes f/b', 'peak RSS MB'].join(' | ');
  const results: (Result & { target: string; reference?: Reference; load: string })[] = [];
  const self = path.resolve(__filename);
  const lines: string[] = [];
  for (const modelName of [...new Set(rows.map((r) => r.model))]) {
    const mine = rows.filter((r) => r.model === modelName);
    if (!skipped) {
      log(`\nreference: ../shared/peer/bench_step.py --only ${PEER_MODEL[modelName]} (PyTorch; load average ${load()})`);
      const t = performance.now();
      for (const [k, v] of await reference(mine, f)) ref.set(k, v);
      log(`reference done in ${((performance.now() - t) / 1000).toFixed(0)} s (load average ${load()})`);
    }
    log(`\n${header}`);
    for (const r of mine) {
      const child = spawnSync(process.execPath, [...process.execArgv, self, ...argv, '--child', rowName(r)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        console.log(`${rowName(r)}: FAILED\n${child.stderr.slice(-2000)}`);
        process.exitCode = 1;
        continue;
      }
      const p = ref.get(rowName(r));
      const res = { ...(JSON.parse(line.slice(7)) as Result), target: r.target, load: load(), ...(p ? { reference: p } : {}) };
      results.push(res);
      if (f.json) continue;
      const ratio = res.grad.median / res.fwd.median;
      const row = [
        res.row, r.target, fmt(res.fwd), fmt(res.grad), ratio.toFixed(2) + '×', `${(res.gradCpu / res.fwdCpu).toFixed(2)}× (${res.fwdCpu.toFixed(0)}/${res.gradCpu.toFixed(0)})`,
        `${(res.gradCpu / res.ownFwdCpu).toFixed(2)}× (${res.ownFwdCpu.toFixed(0)})`,
        p ? p.fwd.toFixed(1) : '–', p ? `${p.fwdBwd.toFixed(1)} (${p.layout})` : '–', p ? `${(res.grad.median / p.fwdBwd).toFixed(2)}×` : '–',
        p ? idleCheck(p.otherCpu) : '–', `${res.load.split(' ')[0]} / ${p?.load?.split(' ')[0] ?? '–'}`,
        res.compileMs.toFixed(0), res.sessionMs.toFixed(0), `${res.forwardNodes}/${res.backwardNodes}`, res.maxRssMb.toFixed(0),
      ].join(' | ');
      console.log(row);
      if (res.profile) {
        const show = (list: [string, number][]) => list.slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
        const sum = (list: [string, number][]) => list.reduce((a, [, v]) => a + v, 0);
        console.log(`    profile (kernel ms per run, ${res.profile.perRunMs.toFixed(1)} total): forward ${sum(res.profile.forward).toFixed(1)}: ${show(res.profile.forward)}`);
        console.log(`    backward ${sum(res.profile.backward).toFixed(1)}: ${show(res.profile.backward)}`);
        console.log(`    slowest nodes: ${res.profile.nodes.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
      }
      lines.push(row);
    }
  }
  if (!f.json && lines.length) console.log(`\nall rows:\n${header}\n${lines.join('\n')}`);
  if (!f.json && results.length) {
    // after the rows, so the FMA peak and the GEMMs (for scale) see the machine the rows saw
    printFloor('step', results.map((r) => ({ name: r.row, gflop: r.convGflop, oursMs: r.grad.median, ...(r.reference ? { refMs: r.reference.fwdBwd } : {}) })), 0.6,
      [{ label: 'onnxruntime MatMul 2048³', gflops: await ortGemmGflops(f.threads) }, { label: 'PyTorch oneDNN 1×1 conv 2048³', gflops: skipped ? undefined : referenceGemmGflops() }], f.threads);
  }
  if (f.json) console.log(JSON.stringify({ settings, referenceSkipped: skipped ?? null, results }, null, 2));
  else {
    const missing = rows.filter((r) => !ref.has(rowName(r)) && !skipped).map(rowName);
    if (missing.length) console.log(`\nthe reference has no row for ${missing.join(', ')} (bench_step.py measures SqueezeNet at 227 and batch 8 only)`);
    console.log(`\nload average at the end ${load()}`);
    if (skipped) console.log(`the comparison with PyTorch was skipped: ${skipped}`);
  }
}

// ---------------------------------------------------------------------------------------------
// --ops: one layer at a time, forward alone vs forward + that layer's backward, per strategy.

interface OpCase { name: string; c: OneNodeCase; y: number[]; variants: { label: string; strategies: CompileStrategies; opset?: number }[] }

async function benchOps(f: Flags): Promise<void> {
  const rules = { ...convRules, ...poolRules, ...normRules };
  const w = (dims: number[]) => ({ dims, values: randomValues(dims.reduce((a, b) => a * b, 1), 1) });
  const convVariants = [
    { label: 'flipped-kernel Conv', strategies: { conv: 'auto' } },
    { label: 'ConvTranspose', strategies: { conv: 'transpose' } },
  ] satisfies OpCase['variants'];
  const poolVariants = [
    { label: 'Indices (default)', strategies: { maxPool: 'auto' }, opset: 17 },
    { label: 'first-max offsets', strategies: { maxPool: 'offsets' }, opset: 17 },
    { label: 'separable first-max offsets', strategies: { maxPool: 'separable' }, opset: 17 },
    { label: 'one-hot Conv + ArgMax', strategies: { maxPool: 'onehot' }, opset: 17 },
    { label: 'match', strategies: { maxPool: 'match' }, opset: 17 },
    { label: 'ScatterElements add (opset 16+)', strategies: { maxPool: 'scatter' }, opset: 17 },
    { label: 'MaxUnpool phases + Sum', strategies: { maxPool: 'phases' }, opset: 17 },
    { label: 'gather-add phases (opset 11+)', strategies: { maxPool: 'gather' }, opset: 13 },
    { label: 'dense masks + interleave', strategies: { maxPool: 'dense' }, opset: 17 },
  ] satisfies OpCase['variants'];
  const k = (v: number[]) => A.ints(v);
  const cases: OpCase[] = [
    { name: 'Conv 3x3 pad 1, 96→128 @64² (inception_3a/3x3)', c: { op: 'Conv', x: [1, 96, 64, 64], consts: [w([128, 96, 3, 3])], attrs: { pads: k([1, 1, 1, 1]) } }, y: [1, 128, 64, 64], variants: convVariants },
    { name: 'Conv 1x1, 256→128 @64² (inception_3b/1x1)', c: { op: 'Conv', x: [1, 256, 64, 64], consts: [w([128, 256, 1, 1])] }, y: [1, 128, 64, 64], variants: convVariants },
    { name: 'Conv 3x3 pad 1, 64→64 @256² (vgg block1_conv2 at 256)', c: { op: 'Conv', x: [1, 64, 256, 256], consts: [w([64, 64, 3, 3])], attrs: { pads: k([1, 1, 1, 1]) } }, y: [1, 64, 256, 256], variants: convVariants },
    { name: 'Conv 7x7 s2 pad 3, 3→64 @512² (conv1/7x7_s2)', c: { op: 'Conv', x: [1, 3, 512, 512], consts: [w([64, 3, 7, 7])], attrs: { strides: k([2, 2]), pads: k([3, 3, 3, 3]) } }, y: [1, 64, 256, 256], variants: [convVariants[1]!] },
    { name: 'MaxPool 3x3 s2 ceil, 64 @256² (pool1/3x3_s2)', c: { op: 'MaxPool', x: [1, 64, 256, 256], attrs: { kernel_shape: k([3, 3]), strides: k([2, 2]), ceil_mode: A.int(1) } }, y: [1, 64, 128, 128], variants: poolVariants },
    { name: 'MaxPool 3x3 s2 ceil, 64 @113² (squeezenet pool1 at 227)', c: { op: 'MaxPool', x: [1, 64, 113, 113], attrs: { kernel_shape: k([3, 3]), strides: k([2, 2]), ceil_mode: A.int(1) } }, y: [1, 64, 56, 56], variants: poolVariants },
    { name: 'MaxPool 3x3 s1 pad 1, 192 @64² (inception_3a/pool)', c: { op: 'MaxPool', x: [1, 192, 64, 64], attrs: { kernel_shape: k([3, 3]), strides: k([1, 1]), pads: k([1, 1, 1, 1]) } }, y: [1, 192, 64, 64], variants: poolVariants },
    { name: 'MaxPool 2x2 s2, 128 @128² (vgg block2_pool)', c: { op: 'MaxPool', x: [1, 128, 128, 128], attrs: { kernel_shape: k([2, 2]), strides: k([2, 2]) } }, y: [1, 128, 64, 64], variants: [{ label: 'SpaceToDepth+ArgMax blocks', strategies: { maxPool: 'blocks' } }, ...poolVariants] },
    { name: 'LRN size 5, 64 @128² (pool1/norm1)', c: { op: 'LRN', x: [1, 64, 128, 128], attrs: { size: A.int(5), alpha: A.float(1e-4), beta: A.float(0.75), bias: A.float(1) } }, y: [1, 64, 128, 128], variants: [
      { label: 'slice-sum window (default)', strategies: { lrnWindow: 'slices' } },
      { label: 'AveragePool window', strategies: { lrnWindow: 'pool' } },
    ] },
  ];
  console.log(`bench-grad --ops: median of ${f.runs} runs, wall/CPU ms, threads=${f.threads}; fwd = the layer alone, f+b = layer + its backward`);
  // CPU time (user+sys of this process, spinning off) is what a layer costs even when other
  // processes share the cores; wall time is what a user waits.
  const time = async (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<string> => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < f.runs + 2; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await session.run(feeds);
      const dc = process.cpuUsage(c);
      if (i >= 2) { wall.push(performance.now() - t); cpu.push((dc.user + dc.system) / 1000); }
    }
    return `${stats(wall).median.toFixed(1)}/${stats(cpu).median.toFixed(1)}`;
  };
  for (const oc of cases.filter((c) => !f.rows || f.rows.some((k) => c.name.includes(k)))) {
    const x = new ort.Tensor('float32', randomValues(oc.c.x.reduce((a, b) => a * b, 1), 2), oc.c.x);
    const dy = new ort.Tensor('float32', randomValues(oc.y.reduce((a, b) => a * b, 1), 3), oc.y);
    const fwd = await ort.InferenceSession.create(encodeModel(oneNodeModel(oc.c)), sessionOptions(f));
    const tf = await time(fwd, { x });
    await fwd.release();
    const parts: string[] = [];
    for (const v of oc.variants) {
      const { model } = backwardModel(rules, { ...oc.c, opset: v.opset ?? oc.c.opset }, oc.y, v.strategies);
      const s = await ort.InferenceSession.create(encodeModel(model), sessionOptions(f));
      parts.push(`${v.label} ${await time(s, { x, dy })}`);
      await s.release();
    }
    console.log(`${oc.name}: fwd ${tf} | f+b: ${parts.join(' | ')}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
