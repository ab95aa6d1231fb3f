// Engine numbers: GoogLeNet load + inspect (in-process and through the engine host), classify latency
// (cold and warm session), activations job time, and the engine process RSS with GoogLeNet loaded.
// Prints numbers; asserts nothing. Needs ../shared.  Run: npm run bench:engine
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectModel, loadModelFile } from '../src/main/engine/onnx/inspect';
import type { WireMessage } from '../src/shared/contract';
import { inEngineEnv } from './bench/peer';

const shared = path.resolve(__dirname, '../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
if (!fs.existsSync(googlenet) || !fs.existsSync(dog)) {
  console.log(`skipped: ${googlenet} or ${dog} absent`);
  process.exit(0);
}

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

async function main() {
  inEngineEnv();
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const lm = loadModelFile(googlenet);
    const tl = performance.now();
    const d = await inspectModel(lm);
    console.log(`in-process GoogLeNet load ${(tl - t).toFixed(0)} ms + inspect ${ms(tl)} (${d.layers.length} layers)`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-bench-'));
  const child = fork(path.resolve(__dirname, '../src/main/engine/host/main.ts'), [], {
    execArgv: ['--import', 'tsx'], serialization: 'json',
    env: { ...process.env, FEATURESCOPE_DATA_DIR: dir, FEATURESCOPE_NO_DEFAULT_MODEL: '1' },
  });
  let id = 1;
  const waiting = new Map<number, (m: any) => void>();
  const jobs = new Map<string, () => void>();
  child.on('message', (m: WireMessage) => {
    if (m.type === 'response') waiting.get(m.id)?.(m);
    if (m.type === 'event' && m.event === 'job:done') jobs.get((m.payload as any).job.id)?.();
  });
  const call = (channel: string, args: unknown) => new Promise<any>((resolve, reject) => {
    const i = id++;
    waiting.set(i, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error.message))));
    child.send({ type: 'request', id: i, channel, args });
  });
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;

  let t = performance.now();
  await call('engine:status', {});
  console.log(`engine host start (process + engine worker + provider probe): ${ms(t)}; RSS ${rss().toFixed(0)} MiB`);
  await call('project:create', { path: path.join(dir, 'bench.fscope') });
  t = performance.now();
  const model = await call('model:add', { source: { kind: 'path', path: googlenet } });
  console.log(`model:add GoogLeNet (read + sha256 + load + inspect in the worker): ${ms(t)}`);
  const photo = await call('photo:add', { source: { kind: 'path', path: dog } });
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    t = performance.now();
    const run = await call('run:classify', { modelId: model.id, photoId: photo.id });
    times.push(performance.now() - t);
    if (i === 0) console.log(`classify cold (session creation included): ${times[0]!.toFixed(0)} ms ${JSON.stringify(run.result.timings, (_k, v) => (typeof v === 'number' ? Math.round(v) : v))}`);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(`classify warm: median ${warm[2]!.toFixed(0)} ms, min ${warm[0]!.toFixed(0)} ms (round trip through IPC, decode 1080×1080 JPEG, resize, run)`);
  console.log(`engine process RSS with GoogLeNet loaded (after classify): ${rss().toFixed(0)} MiB`);
  t = performance.now();
  const job = await call('run:activations', { modelId: model.id, photoId: photo.id, layer: 'inception_4c/output' });
  await new Promise<void>((r) => jobs.set(job.id, r));
  console.log(`activations job inception_4c/output (cold variant session + grid PNG): ${ms(t)}; RSS ${rss().toFixed(0)} MiB`);
  child.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
