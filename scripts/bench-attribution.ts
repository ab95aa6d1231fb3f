// npm run bench:attribution — time of each attribution method on BVLC GoogLeNet at 224 for dog.jpg,
// against the PyTorch 1.13 reference (../shared/peer/attribution.py, same weights and photo, same
// methods) run by this script first, in the same run; its own per-method times and idle check (other
// processes' CPU share while it ran) are printed beside ours. Goal: each method ≤ 0.5× PyTorch.
// Without PyTorch (or with --no-reference) the comparison is skipped and said so. "cold" includes building the gradient graph and the sessions (once per
// method and batch size); "warm" is the median of the repeats with cached sessions. The machine is
// shared, so wall times swing with other people's work; "cpu" is this process's CPU time (user+sys) per
// warm run, which other load barely changes: on an idle 2-core machine the wall time is about cpu/2
// when onnxruntime keeps both cores busy (its spinning threads make cpu/2 an overestimate of the work).
//   tsx scripts/bench-attribution.ts [--repeats N] [--only saliency,ig,…] [--threads N] [--no-reference] [--wait-idle]
//   (--wait-idle: the reference waits, up to 10 min, for an idle machine first)
// Each row ends with the 1-minute load average when it finished: compare rows taken at similar load.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../src/main/engine/onnx/model';
import { pixelSpace, preset } from '../src/shared/pixels';
import { Attributor } from '../src/main/engine/attribution/attribute';
import { photoToInput } from '../src/main/engine/attribution/overlay';
import type { AttributionSettingsInput } from '../src/main/engine/attribution/types';
import { idleCheck, load, readReference, referenceUnavailable, runReference, scratch, inEngineEnv } from './bench/peer';

const SHARED = path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1] ?? 0) || 3;
const threadsArg = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : undefined;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : undefined;

/** `peer`: the reference's name for the same method in its manifest (attribution.py's record()) */
const CASES: { name: string; peer?: string; settings: AttributionSettingsInput }[] = [
  { name: 'saliency', peer: 'saliency', settings: { method: 'saliency' } },
  { name: 'smoothgrad-25', peer: 'smoothgrad', settings: { method: 'smoothgrad', samples: 25 } },
  { name: 'ig-32', peer: 'ig', settings: { method: 'ig', steps: 32 } },
  { name: 'guided', peer: 'guided_bp', settings: { method: 'guided' } },
  { name: 'gradcam', peer: 'gradcam', settings: { method: 'gradcam' } },
  { name: 'occlusion-32/16', peer: 'occlusion', settings: { method: 'occlusion', window: 32, stride: 16, batchSize: 13 } },
  { name: 'occlusion-32/16 one at a time', settings: { method: 'occlusion', window: 32, stride: 16, batchSize: 1 } },
];

/** attribution.py on dog.jpg (SmoothGrad-25, IG-32, no extra IG completeness runs): ms and other-CPU share per method. */
async function reference(): Promise<Map<string, { ms: number; otherCpu: number }>> {
  const out = scratch('attribution');
  await runReference('attribution.py', [...(args.includes('--wait-idle') ? [] : ['--no-wait']), '--images', 'dog', '--sg-n', '25', '--ig-steps', '32', '--ig-check-steps'], out);
  const m = readReference<{ runs: { methods: Record<string, { ms: number; other_cpu_frac: number }> }[] }>(out, 'attribution/manifest.json');
  return new Map(Object.entries(m.runs[0]?.methods ?? {}).map(([k, v]) => [k, { ms: v.ms, otherCpu: v.other_cpu_frac }]));
}

async function main(): Promise<void> {
  inEngineEnv();
  const model = path.join(SHARED, 'models/bvlc_googlenet.onnx');
  const dog = path.join(SHARED, 'images/content/dog.jpg');
  if (!fs.existsSync(model) || !fs.existsSync(dog)) {
    console.log(`bench:attribution needs ../shared (models/bvlc_googlenet.onnx, images/content/dog.jpg); not found under ${SHARED}`);
    return;
  }
  const skipped = args.includes('--no-reference') ? 'asked for --no-reference' : referenceUnavailable('attribution.py');
  let ref = new Map<string, { ms: number; otherCpu: number }>();
  if (!skipped) {
    console.log(`reference: ../shared/peer/attribution.py on dog.jpg (load average ${load()})`);
    ref = await reference();
    console.log(`reference done (load average ${load()})\n`);
  }
  const pre = preset('caffe', 224, 224);
  const input = await photoToInput(new Uint8Array(fs.readFileSync(dog)), pre, 'dog.jpg');
  const a = new Attributor(readModelFile(model), [3, 224, 224], {
    pixelSpace: pixelSpace(pre), label: 'bvlc_googlenet.onnx', ...(threadsArg ? { placement: { provider: 'cpu', threads: threadsArg } } : {}),
  });
  const threads = a.placement.threads ?? os.availableParallelism();
  console.log(`GoogLeNet 224, dog.jpg — ${os.cpus().length} CPUs, provider ${a.placement.provider}, ${threads} intra-op threads, ${repeats} warm repeats; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${'method'.padEnd(30)} ${'cold ms'.padStart(9)} ${'warm ms'.padStart(9)} ${'cpu ms'.padStart(8)} ${'cpu/pass'.padStart(8)} ${'passes'.padStart(7)} ${'PyTorch'.padStart(8)} ${'ratio'.padStart(6)}  goal ≤0.5 (ratio: warm / PyTorch, both this run)  load  PyTorch's idle check`);
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
    const r = c.peer ? ref.get(c.peer) : undefined;
    const pytorchMs = r?.ms ?? NaN;
    const ratio = med / pytorchMs;
    const extra = cold.completeness ? `  completeness ${(100 * cold.completeness.relativeError).toFixed(2)}%` : '';
    console.log(`${c.name.padEnd(30)} ${cold.timings.totalMs.toFixed(0).padStart(9)} ${med.toFixed(0).padStart(9)} ${cpuMs.toFixed(0).padStart(8)} ${(cpuMs / cold.timings.passes).toFixed(1).padStart(8)} ${String(cold.timings.passes).padStart(7)} ${(Number.isNaN(pytorchMs) ? '' : pytorchMs.toFixed(0)).padStart(8)} ${(Number.isNaN(ratio) ? '' : ratio.toFixed(2)).padStart(6)}  ${Number.isNaN(ratio) ? '' : `${ratio <= 0.5 ? 'met' : 'missed'}${r && r.otherCpu >= 0.1 ? ' (reference disturbed: not a fair ratio)' : ''}`}${extra}  ${os.loadavg()[0]!.toFixed(2)}  ${r ? idleCheck(r.otherCpu) : ''}`);
  }
  const b = warmOf['occlusion-32/16'], one = warmOf['occlusion-32/16 one at a time'];
  if (b && one) console.log(`occlusion batched (13) vs one at a time: ${b.toFixed(0)} ms vs ${one.toFixed(0)} ms (${(one / b).toFixed(2)}×)`);
  await a.release();
  console.log(`load average at the end ${load()}`);
  if (skipped) console.log(`the comparison with PyTorch was skipped: ${skipped}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
