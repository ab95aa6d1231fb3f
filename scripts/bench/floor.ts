// The arithmetic floor of a speed goal. A gradient step through a CNN is mostly convolution: the
// forward convolutions, then the same multiply-adds again for the data gradient of each (we never
// compute weight gradients). When the reference already runs those at a large share of what this CPU
// can do at all, a goal like "≤ 0.6× the reference's time" asks for more FLOP/s than the machine has.
// These helpers count the arithmetic and measure the ceiling, so a benchmark prints that next to its
// ratio instead of leaving it to a reader's guess.
//
// The ceiling is measured, not taken from a data sheet: the FMA units' own limit (fma-peak.c, compiled here
// with the system C compiler for the widest vectors the CPU has: independent fused multiply-adds on every
// core, nothing else), which no convolution can exceed. Beside it, for scale, the best big GEMMs the two
// engines run (onnxruntime's 2048³ MatMul; the reference's 2048³ oneDNN 1×1 convolution): well-tuned
// convolutions run at or above those, so they are not a ceiling.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, makeTensor, type Model } from '../../src/main/engine/onnx/model';
import { specialize } from '../../src/main/engine/autodiff/specialize';
import { PEER_DIR, PYTHON } from './peer';

/**
 * Multiply-add FLOPs (2 per MAC) of the Conv nodes `target` needs at input `shape`: the forward's
 * convolutions. A gradient step to the input does them twice (forward, then data gradient).
 */
export async function convFlops(model: Model, input: string, shape: number[], target: string): Promise<number> {
  const spec = await specialize(model, input, shape, [target]);
  let flops = 0;
  for (const n of spec.nodes) {
    if (n.opType !== 'Conv') continue;
    const w = spec.shapes.get(n.inputs[1]!);
    const y = spec.shapes.get(n.outputs[0]!);
    if (!w || !y) throw new Error(`convFlops: no shape for ${n.name}`);
    // y = [N, Cout, H, W, …], w = [Cout, Cin/group, k…]: each output element is Cin/group·Πk MACs
    flops += 2 * y.reduce((a, b) => a * b, 1) * w.slice(1).reduce((a, b) => a * b, 1);
  }
  return flops;
}

/** onnxruntime's MatMul of two n×n float matrices on `threads` threads: the median GFLOP/s of `reps` runs. */
export async function ortGemmGflops(threads: number, n = 2048, reps = 7): Promise<number> {
  const model: Model = {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'featurescope-bench',
    producerVersion: '',
    docString: '',
    metadata: {},
    graph: {
      name: 'gemm',
      nodes: [{ name: 'mm', opType: 'MatMul', domain: '', inputs: ['a', 'b'], outputs: ['c'], attrs: {} }],
      inputs: [{ name: 'a', dtype: 'float32', shape: [n, n] }],
      outputs: [{ name: 'c', dtype: 'float32', shape: [n, n] }],
      valueInfo: [],
      initializers: [makeTensor('b', 'float32', [n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5))],
    },
  };
  const s = await ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const a = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
  const times: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const t = performance.now();
    await s.run({ a });
    if (i >= 2) times.push(performance.now() - t);
  }
  await s.release();
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / (times[times.length >> 1]! / 1000) / 1e9;
}

/**
 * The reference's big-GEMM rate, for scale: bench_step.py's 2048³ GEMM as a 1×1 oneDNN convolution (the path
 * its convolutions take) on 2 threads, GFLOP/s; undefined when the reference cannot run here.
 */
export function referenceGemmGflops(): number | undefined {
  const code = `import sys; sys.path.insert(0, ${JSON.stringify(PEER_DIR)}); import torch; torch.set_num_threads(2); import bench_step as b; print('GFLOPS', b.gemm_conv1x1(2048, 3, 10)['gflops'])`;
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('GFLOPS '));
  return line ? Number(line.slice(7)) : undefined;
}

/**
 * The FMA ceiling of `threads` threads (one per core) in GFLOP/s, and the vector width it used — or why it could
 * not be measured (no C compiler, a CPU without FMA). Compiled into a scratch folder on each call.
 */
export function fmaPeak(threads: number): { gflops: number; bits: number } | { missing: string } {
  let flags = '';
  try { flags = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? ''; } catch { /* not Linux */ }
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  const isa = has('avx512f') ? ['-mavx512f', '-mfma'] : has('avx2') && has('fma') ? ['-mavx2', '-mfma'] : undefined;
  if (!isa) return { missing: 'this CPU reports neither AVX-512 nor AVX2 with FMA (or /proc/cpuinfo is absent)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fma-peak-'));
  try {
    const exe = path.join(dir, 'fma-peak');
    try {
      execFileSync('cc', ['-O2', '-pthread', ...isa, path.join(__dirname, 'fma-peak.c'), '-o', exe], { stdio: 'pipe' });
    } catch (e) {
      return { missing: `the C compiler (cc) could not build scripts/bench/fma-peak.c: ${String((e as Error).message).split('\n')[0]}` };
    }
    // the best of three: a ceiling, so a run slowed by another process must not lower it
    let best: { gflops: number; bits: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const out = execFileSync(exe, [String(threads)], { encoding: 'utf8' });
      const m = /^GFLOPS ([\d.]+) (\d+)/.exec(out);
      if (!m) return { missing: `fma-peak printed "${out.trim()}"` };
      if (!best || Number(m[1]) > best.gflops) best = { gflops: Number(m[1]), bits: Number(m[2]) };
    }
    return best!;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** "NN%" for `gflops` against `peak`. */
const ofPeak = (gflops: number, peak: number): string => `${((100 * gflops) / peak).toFixed(0)}%`;

export interface FloorRow {
  name: string;
  /** billions of FLOPs of the row's convolutions per step / iteration */
  gflop: number;
  oursMs: number;
  refMs?: number;
}

/**
 * The floor table both benchmarks print: per row the convolution GFLOP, the rate ours and the reference ran
 * them at, and the rate "≤ goal × the reference's time" would take — each also as a share of the FMA ceiling
 * measured now. A goal needing more than 100% cannot be met by any engine doing these multiply-adds.
 */
export function printFloor(unit: string, rows: FloorRow[], goal: number, gemms: { label: string; gflops?: number }[], threads: number): void {
  const peak = fmaPeak(threads);
  const scale = gemms.filter((g) => g.gflops).map((g) => `${g.label} ${g.gflops!.toFixed(0)} GFLOP/s`).join(', ');
  console.log(`\narithmetic floor: one ${unit} = the forward's convolutions + their data gradients (2× the forward's conv FLOPs; elementwise work, Gram matrices and the optimizer not counted)`);
  if ('missing' in peak) {
    console.log(`the FMA ceiling was not measured: ${peak.missing}${scale ? `; for scale, big GEMMs: ${scale}` : ''}`);
    return;
  }
  console.log(`ceiling: the FMA units' peak, measured now on ${threads} threads, as the rows ran (scripts/bench/fma-peak.c, ${peak.bits}-bit vectors): ${peak.gflops.toFixed(0)} GFLOP/s${scale ? `; for scale, big GEMMs: ${scale}` : ''}`);
  console.log(`row | conv GFLOP / ${unit} | ours GFLOP/s (of peak) | reference GFLOP/s (of peak) | ≤ ${goal}× the reference needs GFLOP/s (of peak)`);
  const cell = (g: number, ms: number) => { const r = g / (ms / 1000); return `${r.toFixed(0)} (${ofPeak(r, peak.gflops)})`; };
  for (const r of rows) {
    console.log([r.name, r.gflop.toFixed(2), cell(r.gflop, r.oursMs), r.refMs ? cell(r.gflop, r.refMs) : '–', r.refMs ? cell(r.gflop, goal * r.refMs) : '–'].join(' | '));
  }
}
