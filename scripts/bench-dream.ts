// DeepDream benchmark: wall time and peak memory of the dream engine for the classic settings
// (octaves 4 × 1.4, 10 iterations, step 1.5, jitter 32, inception_4c/output of BVLC GoogLeNet).
//
//   npm run bench:dream                      sky.jpg (550×413) whole-octave sessions vs the tile path,
//                                            raw gradient step vs dream step, stata.jpg (1024×679), a 12-MP upscale of sky.jpg
//   npm run bench:dream -- --quick           sky.jpg only
//   npm run bench:dream -- --photo FILE      the classic settings on one photo (e.g. ../shared/images/content/stata.jpg, 1024×679)
//   npm run bench:dream -- --mp 24 --iterations 1   peak memory of a 24-MP photo (1 step per octave)
//
//   npm run bench:dream -- --no-reference    ours only
//   npm run bench:dream -- --no-12mp         sky.jpg and stata.jpg, without the 12-MP case (minutes on 2 cores)
//   npm run bench:dream -- --wait-idle       let the reference wait (up to 10 min) for an idle machine first
//
// Each case runs in its own child process, so "peak" is that process's max RSS — the engine's own
// footprint, as in the engine process of the app. The reference, ../shared/peer/deepdream.py (the
// google/deepdream notebook in PyTorch 1.13 on the same weights, same settings), runs in the same run
// right before ours on the same photos; we print both wall times (the dream alone: neither side's
// objective measurement), the ratio (goal ≤ 0.5), the load average and the reference's idle check.
// Without PyTorch the comparison is skipped and said so.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { idleCheck, load, readReference, referenceUnavailable, runReference, scratch, inEngineEnv } from './bench/peer';

const root = path.resolve(__dirname, '..');
const shared = path.resolve(root, '../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const SKY = path.join(shared, 'images/content/sky.jpg');
const STATA = path.join(shared, 'images/content/stata.jpg');

interface CaseArgs { photo: string; settings: Record<string, unknown>; label: string; rawStep?: boolean }
interface CaseResult {
  label: string; width: number; height: number; totalMs: number; sessionMs: number; measureMs: number; peakRssMb: number;
  objectiveBefore?: number; objectiveAfter?: number;
  octaves: { width: number; height: number; tiles: number; sessionMs: number; ms: number; stepMs: number[] }[];
  rawStepMs?: number;
}

async function child(a: CaseArgs): Promise<void> {
  const { readModelFile } = await import('../src/main/engine/onnx/model');
  const { dream } = await import('../src/main/engine/dream/index');
  const { PRESETS } = await import('../src/shared/pixels');
  const { compileGradient } = await import('../src/main/engine/autodiff/index');
  const model = readModelFile(MODEL);
  const r = await dream({ photo: a.photo, model, space: PRESETS.caffe, settings: a.settings }, { measureObjective: true });
  const res: CaseResult = {
    label: a.label, width: r.image.width, height: r.image.height, totalMs: r.timings.totalMs, sessionMs: r.timings.sessionMs, measureMs: r.timings.measureMs,
    peakRssMb: 0, objectiveBefore: r.objectiveBefore, objectiveAfter: r.objectiveAfter,
    octaves: r.timings.octaves.map((o) => ({ width: o.width, height: o.height, tiles: o.tiles, sessionMs: o.sessionMs, ms: o.ms, stepMs: o.stepMs })),
  };
  if (a.rawStep) {
    // The plain gradient step (as the compiler benchmark times it): one session.run at the full size, nothing else.
    const g = await compileGradient(model, { input: 'data', shape: [1, 3, r.image.height, r.image.width], objective: r.objective });
    const s = await ort.InferenceSession.create(g.bytes, { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    const x = new ort.Tensor('float32', new Float32Array(3 * r.image.height * r.image.width).map(() => Math.random() * 100 - 50), [1, 3, r.image.height, r.image.width]);
    await s.run({ data: x });
    const t = performance.now();
    for (let i = 0; i < 5; i++) await s.run({ data: x });
    res.rawStepMs = (performance.now() - t) / 5;
  }
  res.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.send!(res);
}

function runCase(a: CaseArgs): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, ['--child', JSON.stringify(a)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    let got: CaseResult | undefined;
    p.on('message', (m) => (got = m as CaseResult));
    p.on('exit', (code) => (got ? resolve(got) : reject(new Error(`case ${a.label} exited with ${code}`))));
  });
}

interface RefDream { wallS: number; steps: number; otherCpu?: number; objectiveRatio: number; load: string }

/** deepdream.py on `images` (its names: sky, stata), timed by the reference itself per image. */
async function referenceDreams(images: string[], waitIdle: boolean): Promise<Map<string, RefDream>> {
  const out = scratch('dream');
  await runReference('deepdream.py', [...(waitIdle ? [] : ['--no-wait']), '--images', ...images], out);
  const m = readReference<{ runs: { image: string; wall_s: number; steps: number; objective_ratio: number; contention?: { other_cpu_frac: number; loadavg_start: number[] } }[] }>(out, 'deepdream/manifest.json');
  return new Map(m.runs.map((r) => [r.image, {
    wallS: r.wall_s, steps: r.steps, objectiveRatio: r.objective_ratio, load: r.contention?.loadavg_start.map((v) => v.toFixed(2)).join(' ') ?? '?',
    ...(r.contention ? { otherCpu: r.contention.other_cpu_frac } : {}),
  }]));
}

/** ours against the reference on one photo, in words. */
function compare(name: string, ours: CaseResult, ref: RefDream | undefined, skipped: string | undefined): void {
  const alone = (ours.totalMs - ours.measureMs) / 1000;
  if (!ref) {
    console.log(`${name}: ours ${alone.toFixed(2)} s (the dream alone); the comparison with PyTorch was skipped: ${skipped ?? 'the reference has no run for it'}`);
    return;
  }
  const gain = ours.objectiveBefore && ours.objectiveAfter ? (ours.objectiveAfter / ours.objectiveBefore).toFixed(1) : '?';
  console.log(`${name}: ours ${alone.toFixed(2)} s vs PyTorch ${ref.wallS.toFixed(2)} s (${ref.steps} steps) → ours / PyTorch ${(alone / ref.wallS).toFixed(2)} (goal ≤ 0.5); ` +
    `objective gain ours ${gain}× vs PyTorch ${ref.objectiveRatio.toFixed(1)}×; load average: PyTorch's start ${ref.load}, ours at the end ${load()}; PyTorch's idle check: other processes used ${idleCheck(ref.otherCpu)} of the CPUs`);
}

function report(r: CaseResult): void {
  const steps = r.octaves.flatMap((o) => o.stepMs);
  const gain = r.objectiveBefore && r.objectiveAfter ? `  objective ${r.objectiveBefore.toPrecision(4)} → ${r.objectiveAfter.toPrecision(4)} (${(r.objectiveAfter / r.objectiveBefore).toFixed(1)}×)` : '';
  console.log(`\n${r.label}: ${r.width}×${r.height}  wall ${(r.totalMs / 1000).toFixed(2)} s (sessions ${(r.sessionMs / 1000).toFixed(2)} s, objective before/after ${(r.measureMs / 1000).toFixed(2)} s → the dream alone ${((r.totalMs - r.measureMs) / 1000).toFixed(2)} s)  peak RSS ${r.peakRssMb.toFixed(0)} MB${gain}`);
  for (const o of r.octaves) {
    const med = [...o.stepMs].sort((x, y) => x - y)[Math.floor(o.stepMs.length / 2)] ?? 0;
    console.log(`  octave ${String(o.width).padStart(5)}×${String(o.height).padEnd(5)} tiles ${String(o.tiles).padStart(3)}  session ${o.sessionMs.toFixed(0).padStart(5)} ms  steps ${o.stepMs.length} × median ${med.toFixed(0)} ms  octave ${(o.ms / 1000).toFixed(2)} s`);
  }
  console.log(`  ${steps.length} steps, ${Math.min(...steps).toFixed(0)}–${Math.max(...steps).toFixed(0)} ms each`);
  if (r.rawStepMs !== undefined) {
    const last = r.octaves[r.octaves.length - 1]!;
    const med = [...last.stepMs].sort((x, y) => x - y)[Math.floor(last.stepMs.length / 2)]!;
    console.log(`  plain gradient step at ${r.width}×${r.height}: ${r.rawStepMs.toFixed(0)} ms; dream step there: ${med.toFixed(0)} ms (loop overhead ${(med - r.rawStepMs).toFixed(0)} ms)`);
  }
}

async function main(): Promise<void> {
  inEngineEnv();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(JSON.parse(argv[1]!) as CaseArgs);
  if (!fs.existsSync(MODEL) || !fs.existsSync(SKY)) {
    console.log(`bench:dream skipped: ${shared} (models, images) is absent`);
    return;
  }
  const flag = (n: string) => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : undefined; };
  const iterations = Number(flag('iterations') ?? 10);
  const classic = { octaves: 4, octaveScale: 1.4, iterations, step: 1.5, jitter: 32, seed: 1 };
  console.log(`bench:dream — BVLC GoogLeNet inception_4c/output, octaves 4 × 1.4, ${iterations} iterations, ${os.cpus().length} cores, onnxruntime-node ${ort.env.versions.common}, load average ${load()}`);
  const skipped = argv.includes('--no-reference') ? 'asked for --no-reference' : iterations !== 10 ? 'the reference runs the classic 10 iterations only' : referenceUnavailable('deepdream.py');
  const photo = flag('photo');
  if (photo) {
    report(await runCase({ photo, settings: classic, label: path.basename(photo), rawStep: true }));
    return;
  }
  const mp = flag('mp');
  if (mp) {
    const file = await upscaled(Number(mp));
    report(await runCase({ photo: file, settings: classic, label: `${mp}-MP upscale of sky.jpg` }));
    return;
  }
  const quick = argv.includes('--quick');
  let ref = new Map<string, RefDream>();
  if (!skipped) {
    console.log(`\nreference: ../shared/peer/deepdream.py on ${quick ? 'sky.jpg' : 'sky.jpg and stata.jpg'} (load average ${load()})`);
    ref = await referenceDreams(quick ? ['sky'] : ['sky', 'stata'], argv.includes('--wait-idle'));
  }
  const whole = await runCase({ photo: SKY, settings: classic, label: 'sky.jpg, one session per octave size', rawStep: true });
  report(whole);
  const tiled = await runCase({ photo: SKY, settings: { ...classic, maxWholePixels: 1 }, label: 'sky.jpg, forced through the tile path (512-px cores, 64-px margins, random grid shift)' });
  report(tiled);
  console.log(`\nsky.jpg: per-octave sessions ${(whole.totalMs / 1000).toFixed(2)} s vs the tile path ${(tiled.totalMs / 1000).toFixed(2)} s → ${whole.totalMs <= tiled.totalMs ? 'whole-image sessions per octave' : 'tiles'} win`);
  compare('sky.jpg', whole, ref.get('sky'), skipped);
  if (quick) return;
  const stata = await runCase({ photo: STATA, settings: classic, label: 'stata.jpg (1024×679)', rawStep: true });
  report(stata);
  compare('stata.jpg', stata, ref.get('stata'), skipped);
  if (!argv.includes('--no-12mp')) report(await runCase({ photo: await upscaled(12), settings: classic, label: '12-MP upscale of sky.jpg' }));
  console.log(`\nload average at the end ${load()}`);
}

/** sky.jpg upscaled to about `mp` megapixels (4:3), written to the temp folder once. */
async function upscaled(mp: number): Promise<string> {
  const w = Math.round(Math.sqrt((mp * 1e6 * 4) / 3)), h = Math.round((w * 3) / 4);
  const file = path.join(os.tmpdir(), `featurescope-bench-sky-${w}x${h}.jpg`);
  if (!fs.existsSync(file)) await sharp(SKY).resize(w, h, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(file);
  return file;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
