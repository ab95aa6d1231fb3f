// The job runtime with a fake slow job (testing/slow-recipe.ts) in the real engine worker: progress,
// previews, pause / resume, cancel within one step, the queue (one heavy job at a time; queued jobs can be
// paused and cancelled), and a worker crash that fails its job while the next job runs on a fresh worker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobInfo } from '../../../shared/contract';
import { ProjectStore } from '../../store/project';
import type { RecipeHost } from '../recipes/types';
import { JobRuntime } from './runtime';
import { EngineWorker } from './worker-client';
import { recipe as slow, type SlowInput } from './testing/slow-recipe';

let worker: EngineWorker;
let store: ProjectStore;
let runtime: JobRuntime;
const updates: JobInfo[] = [];
const previews: string[] = [];
const finished = new Map<string, { job: JobInfo; resolve?: (j: JobInfo) => void }>();
const waiters = new Map<string, (j: JobInfo) => void>();

before(() => {
  worker = new EngineWorker({ recipeModules: [path.join(__dirname, 'testing', 'slow-recipe.ts')] });
  store = ProjectStore.create(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-jobs-')), 'jobs.fscope'));
  const host: RecipeHost = { project: () => store, modelRef: () => { throw new Error('unused'); }, engine: () => ({ setting: 'cpu', active: 'cpu', available: ['cpu'] }), fellBack: () => undefined };
  runtime = new JobRuntime({
    worker: () => worker,
    host,
    recipes: { slow: slow as never },
    previewEveryMs: 0,
    events: {
      update: (j) => updates.push(j),
      preview: (id) => previews.push(id),
      done: (j) => {
        finished.set(j.id, { job: j });
        waiters.get(j.id)?.(j);
      },
    },
  });
});

after(async () => {
  store.close();
  await worker.terminate();
});

const start = (input: SlowInput) => runtime.start({ kind: 'slow', input } as never);
const doneOf = (id: string) => new Promise<JobInfo>((resolve) => {
  const f = finished.get(id);
  if (f) resolve(f.job);
  else waiters.set(id, resolve);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progressOf = (id: string) => updates.filter((u) => u.id === id && u.state === 'running').map((u) => u.progress);
const until = async (pred: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
};

test('a job reports progress and preview frames and ends done', async () => {
  const job = await start({ steps: 5, stepMs: 20 });
  const end = await doneOf(job.id);
  assert.equal(end.state, 'done', end.error);
  assert.equal(end.progress, 1);
  assert.ok(progressOf(job.id).some((p) => p > 0 && p < 1), 'intermediate progress was reported');
  assert.ok(previews.filter((p) => p === job.id).length >= 1, 'preview frames arrived');
});

test('pause holds the job between steps (no progress while paused); resume finishes it', async () => {
  const job = await start({ steps: 30, stepMs: 40 });
  await until(() => progressOf(job.id).length >= 3);
  runtime.pause(job.id);
  assert.equal(runtime.list().find((j) => j.id === job.id)!.state, 'paused');
  await sleep(150); // the step that was running when Pause came in may still report
  const frozen = updates.length;
  await sleep(500);
  assert.equal(updates.filter((u) => u.id === job.id).length, updates.slice(0, frozen).filter((u) => u.id === job.id).length, 'no update while paused');
  runtime.resume(job.id);
  const end = await doneOf(job.id);
  assert.equal(end.state, 'done', end.error);
});

test('cancel takes effect within one step and saves nothing', async () => {
  const stepMs = 150;
  const job = await start({ steps: 100, stepMs });
  await until(() => progressOf(job.id).length >= 2);
  const t0 = performance.now();
  runtime.cancel(job.id);
  const end = await doneOf(job.id);
  const took = performance.now() - t0;
  assert.equal(end.state, 'cancelled');
  assert.equal(end.runId, undefined);
  assert.ok(took < 2 * stepMs + 100, `cancel landed after ${took.toFixed(0)} ms (one step is ${stepMs} ms)`);
  console.log(`# cancel landed ${took.toFixed(0)} ms after the click (step ${stepMs} ms)`);
});

test('one heavy job at a time: the next waits queued, a paused queued job is skipped, a cancelled one never runs', async () => {
  const a = await start({ steps: 12, stepMs: 40 });
  const b = await start({ steps: 3, stepMs: 10 });
  const c = await start({ steps: 3, stepMs: 10 });
  assert.equal(b.state, 'queued');
  assert.match(b.message ?? '', /waiting for/);
  runtime.pause(b.id);
  runtime.cancel(c.id);
  const cEnd = await doneOf(c.id);
  assert.equal(cEnd.state, 'cancelled');
  assert.deepEqual(progressOf(c.id), [], 'the cancelled queued job never ran');
  assert.equal((await doneOf(a.id)).state, 'done');
  await sleep(200);
  assert.equal(runtime.list().find((j) => j.id === b.id)!.state, 'paused', 'a paused queued job does not start');
  runtime.resume(b.id);
  assert.equal((await doneOf(b.id)).state, 'done');
});

test('a worker crash fails its job with the reason; the next job runs on a fresh worker', async () => {
  const job = await start({ steps: 10, stepMs: 20, crashAfter: 2 });
  const end = await doneOf(job.id);
  assert.equal(end.state, 'failed');
  assert.match(end.error ?? '', /the engine worker stopped \(exit code 3\)/);
  const next = await start({ steps: 2, stepMs: 5 });
  assert.equal((await doneOf(next.id)).state, 'done');
  assert.equal((await worker.status()).active, 'cpu', 'calls are answered by the new worker');
});

test('errors name the job: pausing a finished job, an unknown job id', async () => {
  const job = await start({ steps: 1, stepMs: 1 });
  await doneOf(job.id);
  assert.throws(() => runtime.pause(job.id), /only running or queued jobs can be paused/);
  assert.throws(() => runtime.cancel('j_nope'), /No job with id "j_nope"/);
});
