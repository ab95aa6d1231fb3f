// Child process of shutdown.test.ts: a host whose dream job is inside onnxruntime's run() when the host is
// disposed (as at app quit or when the parent goes away). Prints the job's last state and exits 0 — unless
// disposing aborts the process.
import * as path from 'node:path';
import { inProcessHost } from './in-process-host';

async function main(): Promise<void> {
  const [model, photo] = process.argv.slice(2) as [string, string];
  const a = await inProcessHost('fs-dispose-');
  await a.call('project:create', { path: path.join(a.dir, 'x.fscope') });
  const m = await a.call('model:add', { source: { kind: 'path', path: model } });
  const p = await a.call('photo:add', { source: { kind: 'path', path: photo } });
  await a.call('run:dream', { modelId: m.id, photoId: p.id, settings: { octaves: 1, steps: 200, maxSize: 1024 } } as never);
  // a step at 1024 px takes several hundred ms: 300 ms after the first frame the worker is inside a run
  const first = await a.until(() => a.events.find((e) => e.event === 'job:preview' || e.event === 'job:done'));
  if (first.event === 'job:done') throw new Error(`the dream ended before the host was disposed: ${JSON.stringify(first.payload)}`);
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  await a.host.dispose();
  console.log(`disposed in ${Math.round(performance.now() - t0)} ms`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(3); });
