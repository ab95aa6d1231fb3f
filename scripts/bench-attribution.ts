// npm run bench:attribution — time of each attribution method on BVLC GoogLeNet at 224 for dog.jpg,
// against PyTorch 1.13 reference times on the same weights (idle machine of this kind). Goal: each
// method ≤ 0.5× PyTorch. "cold" includes building the gradient graph and the sessions (once per
// method and batch size); "warm" is the median of the repeats with cached sessions. The machine is
// shared, so wall times swing with other people's work; "cpu" is this process's CPU time (user+sys) per
// warm run, which other load barely changes: on an idle 2-core machine the wall time is about cpu/2
// when onnxruntime keeps both cores busy (its spinning threads make cpu/2 an overestimate of the work).
//   tsx scripts/bench-attribution.ts [--repeats N] [--only saliency,ig,…] [--threads N]
// Each row ends with the 1-minute load average when it finished: compare rows taken at similar load.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../src/main/engine/onnx/model';
import { pixelSpace, preset } from '../src/shared/pixels';
import { Attributor } from '../src/main/engine/attribution/attribute';
import { photoToInput } from '../src/main/engine/attribution/overlay';
import type { AttributionSettingsInput } from '../src/main/engine/attribution/types';

const SHARED = path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1] ?? 0) || 3;
const threadsArg = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : undefined;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : undefined;

const CASES: { name: string; pytorchMs: number; settings: AttributionSettingsInput }[] = [
  { name: 'saliency', pytorchMs: 283, settings: { method: 'saliency' } },
  { name: 'smoothgrad-25', pytorchMs: 3400, settings: { method: 'smoothgrad', samples: 25 } },
  { name: 'ig-32', pytorchMs: 3800, settings: { method: 'ig', steps: 32 } },
  { name: 'guided', pytorchMs: 226, settings: { method: 'guided' } },
  { name: 'gradcam', pytorchMs: 121, settings: { method: 'gradcam' } },
  { name: 'occlusion-32/16', pytorchMs: 11400, settings: { method: 'occlusion', window: 32, stride: 16, batchSize: 13 } },
  { name: 'occlusion-32/16 one at a time', pytorchMs: NaN, settings: { method: 'occlusion', window: 32, stride: 16, batchSize: 1 } },
];

async function main(): Promise<void> {
  const model = path.join(SHARED, 'models/bvlc_googlenet.onnx');
  const dog = path.join(SHARED, 'images/content/dog.jpg');
  if (!fs.existsSync(model) || !fs.existsSync(dog)) {
    console.log(`bench:attribution needs ../shared (models/bvlc_googlenet.onnx, images/content/dog.jpg); not found under ${SHARED}`);
    return;
  }
  const pre = preset('caffe', 224, 224);
  const input = await photoToInput(new Uint8Array(fs.readFileSync(dog)), pre, 'dog.jpg');
  const a = new Attributor(readModelFile(model), [3, 224, 224], {
    pixelSpace: pixelSpace(pre), label: 'bvlc_googlenet.onnx', ...(threadsArg ? { placement: { provider: 'cpu', threads: threadsArg } } : {}),
  });
  const threads = a.placement.threads ?? os.availableParallelism();
  console.log(`GoogLeNet 224, dog.jpg — ${os.cpus().length} CPUs, provider ${a.placement.provider}, ${threads} intra-op threads, ${repeats} warm repeats; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${'method'.padEnd(30)} ${'cold ms'.padStart(9)} ${'warm ms'.padStart(9)} ${'cpu ms'.padStart(8)} ${'cpu/pass'.padStart(8)} ${'passes'.padStart(7)} ${'PyTorch'.padStart(8)} ${'ratio'.padStart(6)}  goal ≤0.5 (ratio: warm / PyTorch)  load`);
  const warmOf: Record<string, number> = {};
  for (const c of CASES) {
    if (only && !only.some((o) => c.name.startsWith(o))) continue;
    const cold = await a.attribute(input, c.settings);
    const warm: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < repeats; i++) warm.push((await a.attribute(input, c.settings)).timings.totalMs);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / repeats;
    warm.sort((p, q) => p - q);
    const med = warm[Math.floor(warm.length / 2)]!;
    warmOf[c.name] = med;
    const ratio = med / c.pytorchMs;
    const extra = cold.completeness ? `  completeness ${(100 * cold.completeness.relativeError).toFixed(2)}%` : '';
    console.log(`${c.name.padEnd(30)} ${cold.timings.totalMs.toFixed(0).padStart(9)} ${med.toFixed(0).padStart(9)} ${cpuMs.toFixed(0).padStart(8)} ${(cpuMs / cold.timings.passes).toFixed(1).padStart(8)} ${String(cold.timings.passes).padStart(7)} ${(Number.isNaN(c.pytorchMs) ? '' : String(c.pytorchMs)).padStart(8)} ${(Number.isNaN(ratio) ? '' : ratio.toFixed(2)).padStart(6)}  ${Number.isNaN(ratio) ? '' : ratio <= 0.5 ? 'met' : 'missed'}${extra}  ${os.loadavg()[0]!.toFixed(2)}`);
  }
  const b = warmOf['occlusion-32/16'], one = warmOf['occlusion-32/16 one at a time'];
  if (b && one) console.log(`occlusion batched (13) vs one at a time: ${b.toFixed(0)} ms vs ${one.toFixed(0)} ms (${(one / b).toFixed(2)}×)`);
  await a.release();
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
