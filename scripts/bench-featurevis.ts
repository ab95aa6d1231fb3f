// Feature visualization benchmark: ours against the PyTorch reference (../shared/peer/featviz.py, Lucent's
// render_vis on the same ONNX weights), both run by this script in the same run, back to back.
//
//   npm run bench:featurevis                   everything below
//   npm run bench:featurevis -- --quick        64 steps instead of 512 for the fidelity renders (timing only; objectives not comparable)
//   npm run bench:featurevis -- --full-layer   render all 512 channels with the quick preset instead of extrapolating
//   npm run bench:featurevis -- --no-reference ours only
//
// Measured (BVLC GoogLeNet, 128 px, Lucid's defaults: Fourier + decorrelated colour + sigmoid, standard
// transforms, Adam 0.05, redirected ReLU for 16 steps):
//   - time per image-step at batch 1 (the three fidelity renders) and at batch 8 (channels 0–7 of 4c);
//     median over steps, as the reference reports it
//   - the final objective on the final untransformed image for inception_4c/output:97,
//     inception_3b/output:50, inception_4a/output:11 with the full preset (512 steps)
//   - the time to render all 512 channels of inception_4c/output with the quick and with the full preset
//     (measured on a subset and extrapolated unless --full-layer; the output says which)
//   - peak memory of the process that runs our engine (max RSS)
// Images: docs/results/featurevis-<layer>-<channel>.png, ours on the left, the reference on the right.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { idleCheck, load, readReference, referenceUnavailable, runReference, inEngineEnv } from './bench/peer';

const root = path.resolve(__dirname, '..');
const shared = path.resolve(root, '../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const RESULTS = path.join(root, 'docs/results');
const TARGETS = [['inception_4c/output', 97], ['inception_3b/output', 50], ['inception_4a/output', 11]] as const;
const BATCH8_STEPS = 24;

interface Args { steps: number; fullLayer: boolean; reference: boolean }
interface OursTarget { key: string; objective: number; objectiveStart: number; msPerImageStep: number; totalMs: number; compileMs: number; png: string }
interface OursResult {
  targets: OursTarget[];
  batch8: { msPerImageStep: number; compileMs: number };
  quick: { channels: number; ms: number; compileMs: number; measured: boolean };
  fullLayerMs: number;
  peakRssMb: number;
}
interface RefRun { key: string; objective: number; msPerImageStep: number; png: string; otherCpu: number }

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;

// ---- ours, in a child process (its max RSS is the engine's peak) ------------------------------------------

async function child(a: Args, out: string): Promise<void> {
  const { loadModelFile } = await import('../src/main/engine/onnx/inspect');
  const { fileModelRecord, localEnv, runFeaturevisLocally } = await import('../src/main/engine/featurevis/local');
  const { JobControl } = await import('../src/main/engine/jobs/control');
  const lm = loadModelFile(MODEL);
  const rec = await fileModelRecord(lm);
  const env = localEnv(lm, 'cpu');
  /** a JobControl that also times every optimizer step: the render calls checkpoint() before each one */
  class Timed extends JobControl {
    marks: number[] = [];
    override async checkpoint(): Promise<boolean> {
      this.marks.push(performance.now());
      return super.checkpoint();
    }
    stepMs(): number[] {
      return this.marks.slice(1).map((t, i) => t - this.marks[i]!).filter((d) => d < 60_000);
    }
  }
  const render = async (settings: Record<string, unknown>) => {
    const control = new Timed();
    const r = await runFeaturevisLocally({ lm, rec, env, control, settings });
    return { r: r.outcome, stepMs: control.stepMs() };
  };
  const items = (layer: string, channels: number[]) => channels.map((channel) => ({ terms: [{ target: { kind: 'channel', layer, channel } }] }));
  const res: OursResult = { targets: [], batch8: { msPerImageStep: 0, compileMs: 0 }, quick: { channels: 0, ms: 0, compileMs: 0, measured: false }, fullLayerMs: 0, peakRssMb: 0 };

  for (const [layer, c] of TARGETS) {
    const { r, stepMs } = await render({ items: items(layer, [c]), preset: 'full', steps: a.steps, batch: 1, seed: 0 });
    const it = r.items[0]!;
    const png = path.join(out, `ours-${layer.replace(/\W+/g, '_')}-${c}.png`);
    await sharp(it.rgb, { raw: { width: r.size, height: r.size, channels: 3 } }).png().toFile(png);
    res.targets.push({ key: `${layer}:${c}`, objective: it.objective, objectiveStart: it.objectiveStart, msPerImageStep: median(stepMs), totalMs: r.timings.totalMs, compileMs: r.timings.compileMs, png });
    console.log(`  ours ${layer}:${c}: objective ${it.objectiveStart.toFixed(1)} → ${it.objective.toFixed(1)}, median ${median(stepMs).toFixed(1)} ms/step, ${(r.timings.totalMs / 1000).toFixed(1)} s  (load ${load()})`);
  }
  process.send!({ phase: 'targets' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const b8 = await render({ items: items('inception_4c/output', [0, 1, 2, 3, 4, 5, 6, 7]), preset: 'full', steps: BATCH8_STEPS, batch: 8, seed: 0 });
  res.batch8 = { msPerImageStep: median(b8.stepMs) / 8, compileMs: b8.r.timings.compileMs };
  console.log(`  ours batch 8: median ${median(b8.stepMs).toFixed(0)} ms/step = ${res.batch8.msPerImageStep.toFixed(1)} ms per image-step  (load ${load()})`);

  // the quick preset over the whole layer: all 512 channels, or a measured subset of 2 batches
  const channels = a.fullLayer ? 512 : 32;
  const q = await render({ items: items('inception_4c/output', Array.from({ length: channels }, (_, i) => i)), preset: 'quick', seed: 0 });
  res.quick = { channels, ms: q.r.timings.totalMs, compileMs: q.r.timings.compileMs, measured: a.fullLayer };
  // the full preset: 64 batches of 8 at 512 steps, from the batch-8 step time (sessions compiled once)
  res.fullLayerMs = 64 * 512 * median(b8.stepMs) + b8.r.timings.compileMs;
  res.peakRssMb = process.resourceUsage().maxRSS / 1024;
  await env.dispose();
  process.send!({ phase: 'done', result: res });
}

function startOurs(a: Args, out: string) {
  const p = fork(__filename, ['--child', JSON.stringify(a), out], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const next = (phase: string) => new Promise<{ phase: string; result?: OursResult }>((resolve, reject) => {
    const onMsg = (m: unknown) => {
      const msg = m as { phase: string };
      if (msg.phase !== phase) return;
      p.off('message', onMsg);
      resolve(msg as { phase: string; result?: OursResult });
    };
    p.on('message', onMsg);
    p.once('exit', (code) => reject(new Error(`our benchmark process exited with ${code} before ${phase}`)));
  });
  return { next, resume: () => p.send('go') };
}

// ---- the reference ---------------------------------------------------------------------------------------

async function reference(args: string[], peerOut: string): Promise<RefRun[]> {
  await runReference('featviz.py', ['--no-wait', ...args], peerOut);
  const dir = path.join(peerOut, 'featviz');
  const m = readReference<{ runs: { layer: string; channels: number[]; final_objective_untransformed: number[]; ms_per_step_per_image: number; png: string; contention: { other_cpu_frac: number } }[] }>(peerOut, 'featviz/manifest.json');
  return m.runs.map((r) => ({
    key: `${r.layer}:${r.channels.length === 1 ? r.channels[0] : `batch${r.channels.length}`}`, objective: r.final_objective_untransformed[0]!,
    msPerImageStep: r.ms_per_step_per_image, png: path.join(dir, r.png), otherCpu: r.contention.other_cpu_frac,
  }));
}

async function sideBySide(ours: string, ref: string | undefined, file: string): Promise<void> {
  const size = 128, gap = 4;
  const tiles = [{ input: await sharp(ours).resize(size, size).png().toBuffer(), left: 0, top: 0 }];
  if (ref) tiles.push({ input: await sharp(ref).resize(size, size).png().toBuffer(), left: size + gap, top: 0 });
  await sharp({ create: { width: ref ? 2 * size + gap : size, height: size, channels: 3, background: { r: 255, g: 255, b: 255 } } }).composite(tiles).png().toFile(file);
}

async function main(): Promise<void> {
  inEngineEnv();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(JSON.parse(argv[1]!) as Args, argv[2]!);
  if (!fs.existsSync(MODEL)) throw new Error(`${MODEL} is absent: the benchmark needs ../shared`);
  const a: Args = { steps: argv.includes('--quick') ? 64 : 512, fullLayer: argv.includes('--full-layer'), reference: !argv.includes('--no-reference') };
  const why = a.reference ? referenceUnavailable('featviz.py') : 'asked for --no-reference';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-bench-featurevis-'));
  console.log(`feature visualization benchmark · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · load average ${load()} at the start`);
  console.log(`${a.steps} steps per fidelity render${a.steps !== 512 ? ' (--quick: the objectives are not comparable with the 512-step figures)' : ''}`);

  // fidelity and batch-1 time: the reference, then ours
  let ref: RefRun[] = [];
  if (!why) {
    const t = performance.now();
    console.log(`\nreference: ${TARGETS.map(([l, c]) => `${l}:${c}`).join(', ')} (load ${load()})`);
    ref = await reference(['--steps', String(a.steps), '--targets', ...TARGETS.map(([l, c]) => `${l}:${c}`)], tmp);
    console.log(`  done in ${((performance.now() - t) / 1000).toFixed(0)} s (load ${load()})`);
  } else console.log(`\nthe reference is skipped: ${why}`);
  console.log(`\nours: the same three renders (load ${load()})`);
  const ours = startOurs(a, tmp);
  await ours.next('targets');
  // batch 8: the reference, then ours
  if (!why) {
    console.log(`\nreference: batch 8 (4c channels 0–7), ${BATCH8_STEPS} steps (load ${load()})`);
    ref.push(...(await reference(['--steps', String(BATCH8_STEPS), '--batch8-only'], path.join(tmp, 'b8'))));
  }
  console.log(`\nours: batch 8, then the layer timings (load ${load()})`);
  ours.resume();
  const r = (await ours.next('done')).result!;

  fs.mkdirSync(RESULTS, { recursive: true });
  const refOf = (key: string) => ref.find((x) => x.key === key);
  console.log(`\n== results (load average at the end ${load()}) ==`);
  console.log(`\n| target (full preset, ${a.steps} steps @128) | ours: objective | reference: objective (this run) | ours / reference |`);
  console.log('|---|---|---|---|');
  for (const t of r.targets) {
    const rr = refOf(t.key);
    console.log(`| ${t.key} | ${t.objective.toFixed(1)} | ${rr ? rr.objective.toFixed(1) : '—'} | ${rr ? (t.objective / rr.objective).toFixed(2) : '—'} |`);
    const file = path.join(RESULTS, `featurevis-${t.key.replace('/output', '').replace(/[^A-Za-z0-9]+/g, '-')}.png`);
    await sideBySide(t.png, rr?.png, file);
    console.log(`|   image | ${path.relative(root, file)} (left ours${rr ? ', right the reference' : ''}) |||`);
  }
  const b1Ours = median(r.targets.map((t) => t.msPerImageStep));
  const b1Ref = ref.length ? median(ref.filter((x) => !x.key.includes('batch')).map((x) => x.msPerImageStep)) : NaN;
  const b8Ref = refOf('inception_4c/output:batch8')?.msPerImageStep ?? NaN;
  console.log('\n| time per image-step @128 px (median) | ours | reference (this run) | ours / reference |');
  console.log('|---|---|---|---|');
  console.log(`| batch 1 | ${b1Ours.toFixed(1)} ms | ${Number.isNaN(b1Ref) ? '—' : `${b1Ref.toFixed(1)} ms`} | ${Number.isNaN(b1Ref) ? '—' : (b1Ours / b1Ref).toFixed(2)} |`);
  console.log(`| batch 8 | ${r.batch8.msPerImageStep.toFixed(1)} ms | ${Number.isNaN(b8Ref) ? '—' : `${b8Ref.toFixed(1)} ms`} | ${Number.isNaN(b8Ref) ? '—' : (r.batch8.msPerImageStep / b8Ref).toFixed(2)} |`);
  if (ref.length) console.log(`(the reference's idle check: other processes used ${ref.map((x) => idleCheck(x.otherCpu)).join(', ')} of the CPUs)`);
  const quickLayer = r.quick.measured ? r.quick.ms : (r.quick.ms - r.quick.compileMs) * (512 / r.quick.channels) + r.quick.compileMs;
  console.log('\n| all 512 channels of inception_4c/output | time | how |');
  console.log('|---|---|---|');
  console.log(`| quick preset (64 px, 64 steps, batch 16) | ${(quickLayer / 60_000).toFixed(1)} min | ${r.quick.measured ? 'measured' : `extrapolated from ${r.quick.channels} channels measured (${(r.quick.ms / 1000).toFixed(0)} s, compile ${(r.quick.compileMs / 1000).toFixed(1)} s once)`} |`);
  console.log(`| full preset (128 px, 512 steps, batch 8) | ${(r.fullLayerMs / 60_000).toFixed(0)} min | extrapolated: 64 batches × 512 steps × the batch-8 median step (${(r.batch8.msPerImageStep * 8).toFixed(0)} ms) + one compile |`);
  // on a CPU, batching does not make an image-step cheaper: the same layer at batch 1, for comparison
  console.log(`| full preset with batch 1 instead | ${((512 * 512 * b1Ours) / 60_000).toFixed(0)} min | extrapolated: 512 × 512 steps × the batch-1 median image-step (${b1Ours.toFixed(1)} ms) |`);
  console.log(`\npeak memory of the engine process: ${r.peakRssMb.toFixed(0)} MB (goal ≤ 4096 MB)`);
  if (why) console.log(`\nthe comparison with the reference was skipped: ${why}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
