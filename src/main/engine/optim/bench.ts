// What the JS side of one optimization step costs, without a model:
//   npx tsx src/main/engine/optim/bench.ts
// Fourier parameterization (+ decorrelate + sigmoid) render and backward, Lucid's standard transforms
// drawn, applied and adjointed, and a whole render() step with a free model, at 128 px (batch 1 and 8)
// and at 224 / 227 px (batch 1). Each cell is "min / median" wall ms of repeated runs after a warm-up:
// on a shared machine the minimum is the better estimate of the cost itself, the median of what a run sees.
import { seededRandom } from '../../../shared/random';
import { createParam } from './param';
import { fourierStage } from './param/fourier';
import { drawTransforms, STANDARD_TRANSFORMS } from './transforms';
import { render } from './render';
import type { Dims } from './types';

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(1)} / ${s[Math.floor(s.length / 2)]!.toFixed(1)}`;
}

function time(fn: () => void, runs: number): string {
  for (let i = 0; i < 3; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
  return summary(t);
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const [b, side] of [[1, 128], [8, 128], [1, 224], [1, 227]] as const) {
    const runs = b === 8 ? 20 : 40;
    const dims: Dims = [b, 3, side, side];
    const fft = fourierStage(b * 3, side, side);
    const spec = new Float32Array(fft.inSize).map((_, i) => Math.sin(i) * 0.01);
    const img = new Float32Array(fft.outSize).fill(0.1);
    const fftFwd = time(() => fft.forward(spec), runs);
    const fftBwd = time(() => fft.backward(img), runs);
    const param = createParam({ kind: 'fourier' }, dims, { rand: seededRandom(1) });
    const paramBoth = time(() => { param.render(param.params); param.backward(img); }, runs);
    const rand = seededRandom(2);
    const tr = time(() => {
      const t = drawTransforms(STANDARD_TRANSFORMS, dims, rand);
      const out = t.forward(img);
      t.adjoint(out);
    }, runs);
    // a whole step of render(): time between consecutive onStep calls with a model that costs nothing
    const free = async (_x: Float32Array, d: Dims, g: Float32Array) => { g.fill(1e-3); return new Array<number>(d[0]).fill(0); };
    const stamps: number[] = [];
    await render(
      { param: { kind: 'fourier' }, transforms: STANDARD_TRANSFORMS, optimizer: { kind: 'adam', lr: 0.05 }, steps: runs + 3, size: { h: side, w: side }, batch: b, seed: 1 },
      { evaluate: free },
      { checkpoint: async () => false, onStep: () => { stamps.push(performance.now()); } },
    );
    const step = summary(stamps.slice(3).map((t, i) => t - stamps[i + 2]!));
    rows.push(`| ${b}×3×${side}×${side} | ${fftFwd} | ${fftBwd} | ${paramBoth} | ${tr} | ${step} |`);
  }
  console.log('| image | inverse FFT (ms) | its adjoint (ms) | Fourier+decorrelate+sigmoid render + backward (ms) | standard transforms draw + forward + adjoint (ms) | whole render() step, free model (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

void main();
