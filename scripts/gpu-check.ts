// The check for a machine with a real GPU: GoogLeNet and VGG19-block3 gradient steps and a DeepDream on
// onnxruntime's WebGPU provider against the same work on CPU — agreement (relative L2, cosine) and
// times (session creation, median step, the dream's wall time). On a machine without a GPU, WebGPU
// runs on whatever adapter Dawn finds (Mesa's lavapipe in CI): the numbers then say nothing about GPU
// speed; the script says which adapter it got as best it can (onnxruntime does not name it).
//
//   XDG_RUNTIME_DIR=/tmp/xdg tsx scripts/gpu-check.ts            full: 224 and 512 px steps, sky.jpg dream (classic settings)
//   tsx scripts/gpu-check.ts --quick                             128 px steps, 3 runs, a short dream on sky.jpg at 160×120 (a smoke test on lavapipe)
//   tsx scripts/gpu-check.ts --providers webgpu,cuda             also CUDA, where its binaries are installed
//
// Pass: every gradient within relative L2 1e-3 and cosine ≥ 0.9999 of CPU's (float32 reduction order),
// the dream's change from the photo within cosine 0.999 (8-bit pixels after 40 fed-back steps). Exit 1 otherwise.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile } from '../src/main/engine/onnx/model';
import { GradientRuntime, runtimeModel } from '../src/main/engine/gradients/index';
import { dream } from '../src/main/engine/dream/index';
import { probeProvider } from '../src/main/engine/runtime/providers';
import { PRESETS } from '../src/shared/pixels';
import { deepdream } from '../src/shared/objectives';
import type { ExecutionProviderName } from '../src/shared/contract';
import { decodeRgb, resizeRgb } from '../src/main/engine/pixels/index';
import { load, SHARED } from './bench/peer';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const at = argv.indexOf('--providers');
const providers = (at >= 0 ? argv[at + 1]! : 'webgpu').split(',') as ExecutionProviderName[];
const RUNS = quick ? 3 : 10;
const SIZES = quick ? [128] : [224, 512];
const MODELS = [
  { name: 'GoogLeNet', file: 'bvlc_googlenet.onnx', input: 'data', target: 'inception_4c/output' },
  { name: 'VGG19-block3', file: 'vgg19_to_block3.onnx', input: 'input_bgr_meansub', target: 'block3_conv4_relu' },
];

if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'xdg-'));
  fs.chmodSync(process.env.XDG_RUNTIME_DIR, 0o700);
}

function agreement(a: ArrayLike<number>, b: ArrayLike<number>): { relL2: number; cosine: number } {
  let d = 0, aa = 0, bb = 0, ab = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i]!, y = b[i]!; d += (x - y) ** 2; aa += x * x; bb += y * y; ab += x * y; }
  return { relL2: Math.sqrt(d / aa), cosine: ab / Math.sqrt(aa * bb) };
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

/** one gradient session per provider: session ms, median step ms, the input gradient */
async function step(provider: ExecutionProviderName, m: (typeof MODELS)[number], size: number) {
  const rt = new GradientRuntime({ placement: { provider } });
  const model = runtimeModel(readModelFile(path.join(SHARED, 'models', m.file)), m.file);
  const shape = [1, 3, size, size];
  const x = new Float32Array(3 * size * size).map((_, i) => 60 * Math.sin(i * 0.013) + 20 * Math.sin(i * 0.37));
  const t0 = performance.now();
  const s = await rt.gradient({ model, input: m.input, shape, objective: deepdream(m.target), label: m.file });
  const sessionMs = performance.now() - t0;
  const grad = Float32Array.from((await s.run(x)).inputGrad);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await s.run(x);
    times.push(performance.now() - t);
  }
  const ran = s.provider;
  await s.release();
  await rt.release();
  return { sessionMs, stepMs: median(times), grad, ran };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(SHARED, 'models'))) {
    console.log(`gpu-check: skipped — ${SHARED}/models is absent`);
    return;
  }
  console.log(`gpu-check · onnxruntime-node ${ort.env.versions.common} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · load average ${load()} · ${quick ? 'quick' : 'full'}`);
  const usable: ExecutionProviderName[] = [];
  for (const p of providers) {
    const err = await probeProvider(p);
    console.log(`${p}: ${err === null ? 'starts' : `cannot start here (${err})`}`);
    if (err === null) usable.push(p);
  }
  if (!usable.length) {
    console.log('no provider to check against CPU: nothing measured');
    process.exitCode = 1;
    return;
  }
  let ok = true;
  console.log('\n| model | size | provider | session ms | median step ms | CPU step ms | step speed-up | rel L2 vs CPU | cosine | verdict |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const m of MODELS) {
    for (const size of SIZES) {
      const cpu = await step('cpu', m, size);
      for (const p of usable) {
        const g = await step(p, m, size);
        const a = agreement(cpu.grad, g.grad);
        const pass = g.ran === p && a.relL2 <= 1e-3 && a.cosine >= 0.9999;
        ok &&= pass;
        console.log(`| ${m.name} | ${size} | ${g.ran}${g.ran !== p ? ` (asked ${p})` : ''} | ${g.sessionMs.toFixed(0)} | ${g.stepMs.toFixed(1)} | ${cpu.stepMs.toFixed(1)} | ${(cpu.stepMs / g.stepMs).toFixed(2)}× | ${a.relL2.toExponential(2)} | ${a.cosine.toFixed(7)} | ${pass ? 'pass' : 'FAIL'} |`);
      }
    }
  }

  // DeepDream on sky.jpg: the classic settings (4 octaves × 10 steps) or a short one with --quick
  const sky = await decodeRgb(path.join(SHARED, 'images/content/sky.jpg'), 'sky.jpg');
  const photo = quick ? await resizeRgb(sky, 160, 120) : sky;
  const model = readModelFile(path.join(SHARED, 'models/bvlc_googlenet.onnx'));
  const settings = quick ? { octaves: 1, iterations: 2, seed: 1, layers: [{ name: 'inception_4c/output', weight: 1 }] } : { octaves: 4, octaveScale: 1.4, iterations: 10, step: 1.5, jitter: 32, seed: 1, layers: [{ name: 'inception_4c/output', weight: 1 }] };
  const base = await dream({ photo, model, space: PRESETS.caffe, settings, provider: 'cpu' });
  const delta = (img: Uint8Array) => Float64Array.from(img, (v, i) => v - photo.data[i]!);
  console.log(`\nDeepDream sky.jpg ${photo.width}×${photo.height}, ${settings.octaves} octave(s) × ${settings.iterations} steps: CPU ${(base.timings.totalMs / 1000).toFixed(2)} s`);
  for (const p of usable) {
    const r = await dream({ photo, model, space: PRESETS.caffe, settings, provider: p });
    const a = agreement(delta(base.image.data), delta(r.image.data));
    const pass = r.provider === p && a.cosine >= 0.999;
    ok &&= pass;
    console.log(`  ${r.provider}${r.provider !== p ? ` (asked ${p}: ${r.fallbackReason ?? ''})` : ''}: ${(r.timings.totalMs / 1000).toFixed(2)} s (sessions ${(r.timings.sessionMs / 1000).toFixed(2)} s) → ${(base.timings.totalMs / r.timings.totalMs).toFixed(2)}× CPU's speed; change from the photo vs CPU's: rel L2 ${a.relL2.toExponential(2)}, cosine ${a.cosine.toFixed(6)} — ${pass ? 'pass' : 'FAIL'}`);
  }
  console.log(`\nload average at the end ${load()}`);
  if (!ok) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
