// The arithmetic floor of a speed goal. A gradient step through a CNN is mostly convolution: the
// forward convolutions, then the same multiply-adds again for the data gradient of each (we never
// compute weight gradients). When the reference already runs those at a large share of what this CPU
// can do at all, a goal like "≤ 0.6× the reference's time" asks for more FLOP/s than the machine has.
// These helpers count the arithmetic and measure the ceiling, so a benchmark prints that next to its
// ratio instead of leaving it to a reader's guess.
//
// The ceiling is measured, not taken from a data sheet: onnxruntime's own best kernel (a 2048³ MatMul,
// MLAS) in this process, beside the reference's (a 1×1 oneDNN convolution of the same size, from
// bench_step.py's GEMM section) when the caller has it. Both run large, cache-friendly GEMMs at close to
// the FMA units' limit, so no convolution of the same arithmetic can run faster than the larger of them.
import { spawnSync } from 'node:child_process';
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
 * The reference's GEMM ceiling: bench_step.py's 2048³ GEMM as a 1×1 oneDNN convolution (the path its
 * convolutions take) on 2 threads, GFLOP/s; undefined when the reference cannot run here.
 */
export function referenceGemmGflops(): number | undefined {
  const code = `import sys; sys.path.insert(0, ${JSON.stringify(PEER_DIR)}); import torch; torch.set_num_threads(2); import bench_step as b; print('GFLOPS', b.gemm_conv1x1(2048, 3, 10)['gflops'])`;
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('GFLOPS '));
  return line ? Number(line.slice(7)) : undefined;
}

/** "NN% of peak" for `gflops` against `peak`. */
export const ofPeak = (gflops: number, peak: number): string => `${((100 * gflops) / peak).toFixed(0)}%`;
