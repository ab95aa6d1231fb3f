// Crash recovery in the job runtime, with the fake slow job in the real engine worker and a real project
// file: a job's row is written at start and checkpointed (progress, last frame) while it runs; a worker
// crash leaves it 'failed' with its frame; Resume starts it again from that frame into the same row; rows
// of a dead engine are interrupted on open while this engine's live job stays 'running'; a job cancelled
// before anything was kept leaves no row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobInfo, ModelDescription, Preprocess } from '../../../shared/contract';
import sharp from 'sharp';
import { ProjectStore } from '../../store/project';
import type { Recipe, RecipeHost } from '../recipes/types';
import { JobRuntime } from './runtime';
import { EngineWorker } from './worker-client';
import { recipe as slow, type SlowInput, type SlowOutput } from './testing/slow-recipe';

const pre: Preprocess = { preset: 'caffe', channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1], width: 224, height: 224, layout: 'NCHW', resize: 'stretch' };

let worker: EngineWorker;
let store: ProjectStore;
let runtime: JobRuntime;
let modelId: string;
let photoId: string;
const outputs = new Map<string, SlowOutput>();
const waiters = new Map<string, (j: JobInfo) => void>();
const finished = new Map<string, JobInfo>();

// the slow job registered as a real kind ('dream'), saving a small typed run so the row can finish
const slowDream: Recipe<never, SlowInput, SlowOutput> = {
  ...slow,
  save: async (out, spec) => {
    const s = spec as unknown as { modelId: string; photoId: string };
    outputs.set(`${out.stepsDone}:${out.fromFrameBytes ?? 0}`, out);
    return {
      run: {
        kind: 'classify', modelId: s.modelId, photoId: s.photoId, status: 'done', provider: 'cpu', durationMs: 1,
        settings: { top: 1, output: 'prob', preprocess: pre, input: 'data', dims: [1, 3, 2, 1] },
        result: { top: [{ index: out.stepsDone, label: `from frame ${out.fromFrameBytes ?? 0}`, probability: 1 }], appliedSoftmax: false, timings: { preprocessMs: 0, sessionMs: 0, runMs: 0 } },
      },
      artifacts: [],
    } as never;
  },
};

before(() => {
  worker = new EngineWorker({ recipeModules: [path.join(__dirname, 'testing', 'slow-recipe.ts')] });
  store = ProjectStore.create(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-jobrecovery-')), 'r.fscope'));
  modelId = store.addModel({ name: 'g.onnx', path: '/x/g.onnx', sha256: 'abc', description: {} as ModelDescription, preprocess: pre }, null).id;
  photoId = store.addPhoto({ name: 'dog.jpg', mime: 'image/jpeg', width: 2, height: 1, sha256: 'def' }, new Uint8Array([1])).id;
  const host: RecipeHost = { project: () => store, modelRef: () => { throw new Error('unused'); }, engine: () => ({ setting: 'cpu', active: 'cpu', available: ['cpu'] }), fellBack: () => undefined };
  runtime = new JobRuntime({
    worker: () => worker, host, recipes: { dream: slowDream as never }, previewEveryMs: 0, checkpointEveryMs: 100,
    events: { update: () => undefined, preview: () => undefined, done: (j) => { finished.set(j.id, j); waiters.get(j.id)?.(j); } },
  });
});

after(async () => {
  store.close();
  await worker.terminate();
});

const start = (input: SlowInput) => runtime.start({ kind: 'dream', modelId, photoId, settings: input } as never);
const doneOf = (id: string) => new Promise<JobInfo>((resolve) => (finished.has(id) ? resolve(finished.get(id)!) : waiters.set(id, resolve)));
const until = async (pred: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const row = (id: string) => store.state().unfinishedRuns?.find((r) => r.id === id);

test('a job writes its row at start, checkpoints its frame, fails with it kept, and Resume finishes from that frame into the same row', async () => {
  const job = await start({ steps: 30, stepMs: 30, crashAfter: 12 });
  assert.ok(job.runId, 'the row exists as soon as the job does');
  assert.equal(row(job.runId!)?.status, 'running');
  await until(() => (row(job.runId!)?.artifacts.length ?? 0) > 0 && (row(job.runId!)?.checkpoint.fraction ?? 0) > 0);
  const failed = await doneOf(job.id);
  assert.equal(failed.state, 'failed');
  const r = row(job.runId!)!;
  assert.equal(r.status, 'failed');
  assert.match(r.error ?? '', /worker/);
  assert.equal(r.artifacts[0]?.name, 'checkpoint', 'the last frame stays');
  assert.ok(r.checkpoint.fraction > 0 && r.checkpoint.fraction < 1, `checkpointed progress ${r.checkpoint.fraction}`);

  const again = await runtime.resumeRun(job.runId!);
  assert.equal(again.runId, job.runId, 'resumed into the same row');
  assert.match(again.title, /resumed from its last frame/);
  const done = await doneOf(again.id);
  assert.equal(done.state, 'done');
  const run = store.run(job.runId!);
  assert.equal(run.kind, 'classify');
  assert.match(run.kind === 'classify' ? run.result.top[0]!.label : '', /^from frame [1-9]\d*$/, 'the recipe started from the checkpoint frame');
  assert.equal(store.state().unfinishedRuns?.some((u) => u.id === job.runId) ?? false, false, 'no longer unfinished');
  await assert.rejects(runtime.resumeRun(job.runId!), /only interrupted or failed runs/);
});

test('on open, a dead engine\'s running rows are interrupted; this engine\'s live job is not', async () => {
  const deadId = store.beginRun({ kind: 'dream', modelId, photoId, settings: { steps: 2, stepMs: 1 } }, { engine: 'e_gone', pid: 999_999_999, hostname: os.hostname() }, 'cpu');
  const live = await start({ steps: 40, stepMs: 25 });
  await until(() => row(live.runId!)?.status === 'running');
  assert.deepEqual(runtime.interruptDead(store), [deadId]);
  assert.equal(row(deadId)?.status, 'interrupted');
  assert.equal(row(live.runId!)?.status, 'running');
  await assert.rejects(runtime.resumeRun(live.runId!), /running now/);
  // the dead one resumes without a frame: it reruns from the start
  const again = await runtime.resumeRun(deadId);
  assert.match(again.title, /\(resumed\)$/);
  runtime.cancel(live.id);
  await doneOf(live.id);
  assert.equal((await doneOf(again.id)).state, 'done');
  assert.equal(store.run(deadId).kind, 'classify');
});

test('a job cancelled while queued leaves no row; this engine stopping interrupts its own running rows', async () => {
  const first = await start({ steps: 40, stepMs: 25 });
  const queued = await start({ steps: 5, stepMs: 1 });
  assert.equal(row(queued.runId!)?.status, 'queued', 'waiting behind the first: its row says queued, not running');
  runtime.cancel(queued.id);
  await doneOf(queued.id);
  assert.equal(row(queued.runId!), undefined, 'nothing ran, nothing kept');
  await until(() => row(first.runId!)?.status === 'running');
  assert.deepEqual(runtime.interruptOwn(store), [first.runId]);
  assert.equal(row(first.runId!)?.status, 'interrupted');
  runtime.cancel(first.id);
  await doneOf(first.id);
});

test('a job that sends full-resolution checkpoint images keeps the newest as a lossless PNG at its size, not the preview', async () => {
  const job = await start({ steps: 40, stepMs: 30, crashAfter: 30, fullFrame: { width: 640, height: 360 } });
  const failed = await doneOf(job.id);
  assert.equal(failed.state, 'failed');
  const r = row(job.runId!)!;
  const frame = r.artifacts.find((a) => a.name === 'checkpoint');
  assert.equal(frame?.mime, 'image/png', 'the checkpoint image, not the JPEG preview');
  const png = store.artifact(frame!.id).bytes;
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [640, 360], 'at its full size');
  // the control sent one at the first step and then at most one per 100 ms (the runtime's checkpoint rate):
  // the newest kept is from a late step, every pixel exactly the step's value (lossless)
  assert.ok(data[0]! >= 20 && data[0]! < 30, `from a late step (${data[0]})`);
  assert.ok(data.every((v) => v === data[0]), 'lossless');
  const again = await runtime.resumeRun(job.runId!);
  assert.equal((await doneOf(again.id)).state, 'done');
  assert.match((store.run(job.runId!) as { result: { top: { label: string }[] } }).result.top[0]!.label, new RegExp(`^from frame ${png.byteLength}$`), 'resumed from that PNG');
});

test('a queued row becomes running when its job starts; a dead engine\'s queued rows are interrupted like its running ones', async () => {
  const first = await start({ steps: 30, stepMs: 20 });
  const second = await start({ steps: 3, stepMs: 1 });
  await until(() => row(first.runId!)?.status === 'running');
  assert.equal(row(second.runId!)?.status, 'queued');
  assert.equal((await doneOf(first.id)).state, 'done');
  assert.equal((await doneOf(second.id)).state, 'done', 'it started (its row running) and finished into its run');
  assert.equal(store.run(second.runId!).kind, 'classify');

  const gone = { engine: 'e_gone2', pid: 999_999_999, hostname: os.hostname() };
  const deadQueued = store.beginRun({ kind: 'dream', modelId, photoId, settings: { steps: 2, stepMs: 1 } }, gone, 'cpu', 'slow', 'queued');
  assert.deepEqual(runtime.interruptDead(store), [deadQueued]);
  const r = row(deadQueued)!;
  assert.deepEqual([r.status, r.error], ['interrupted', 'The engine stopped while this job waited its turn.']);
  const again = await runtime.resumeRun(deadQueued);
  assert.equal((await doneOf(again.id)).state, 'done');
});
