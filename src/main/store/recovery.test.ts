// Crash recovery in the project file ([Note: unfinished runs] in src/shared/jobs/runs.ts): a job's row from
// start to finish, checkpoints that replace the last frame, rows of a dead engine interrupted on open (a live
// engine's left alone), restart into the same row, request ids remembered, deletes that refuse unseen runs,
// and data_version seeing another connection's writes. Real SQLite files, two connections where it matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProjectStore } from './project';
import type { ModelDescription, Preprocess } from '../../shared/contract';
import type { RunOwner } from '../../shared/jobs/runs';

const pre: Preprocess = { preset: 'caffe', channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1], width: 224, height: 224, layout: 'NCHW', resize: 'stretch' };
const owner: RunOwner = { engine: 'e_test', pid: 999_999_999, hostname: os.hostname() };

function fresh(): { store: ProjectStore; file: string; modelId: string; photoId: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-recovery-')), 'p.fscope');
  const store = ProjectStore.create(file);
  const m = store.addModel({ name: 'g.onnx', path: '/x/g.onnx', sha256: 'abc', description: {} as ModelDescription, preprocess: pre }, null);
  const p = store.addPhoto({ name: 'dog.jpg', mime: 'image/jpeg', width: 4, height: 3, sha256: 'def' }, new Uint8Array([1, 2, 3]));
  return { store, file, modelId: m.id, photoId: p.id };
}

const classify = (modelId: string, photoId: string) => ({
  kind: 'classify' as const, modelId, photoId, status: 'done' as const, provider: 'cpu' as const, durationMs: 5,
  settings: { top: 1, output: 'prob', preprocess: pre, input: 'data', dims: [1, 3, 224, 224] },
  result: { top: [{ index: 1, label: 'x', probability: 0.5 }], appliedSoftmax: false, timings: { preprocessMs: 1, sessionMs: 1, runMs: 1 } },
});

test('a job row: running with its spec, checkpoints replace the frame, then the same row becomes the typed run', () => {
  const { store, modelId, photoId } = fresh();
  const spec = { kind: 'classify', modelId, photoId, settings: { a: 1 } };
  const id = store.beginRun(spec, owner, 'cpu');
  let u = store.state().unfinishedRuns!;
  assert.equal(u.length, 1);
  assert.equal(u[0]!.status, 'running');
  assert.deepEqual(u[0]!.spec, spec);
  assert.equal(store.state().runs.length, 0, 'an unfinished row is not a finished run');
  assert.throws(() => store.run(id), /no result yet/);

  assert.ok(store.checkpointRun(id, { fraction: 0.3, message: 'step 3', durationMs: 30 }, { mime: 'image/jpeg', bytes: new Uint8Array([1]) }));
  assert.ok(store.checkpointRun(id, { fraction: 0.6, durationMs: 60 }, { mime: 'image/jpeg', bytes: new Uint8Array([2, 2]) }));
  u = store.state().unfinishedRuns!;
  assert.equal(u[0]!.checkpoint.fraction, 0.6);
  assert.equal(u[0]!.checkpoint.message, 'step 3', 'a checkpoint without a message keeps the last one');
  assert.equal(u[0]!.artifacts.length, 1, 'one checkpoint frame, the newest');
  assert.deepEqual([...store.artifact(u[0]!.artifacts[0]!.id).bytes], [2, 2]);

  const run = store.finishRun(id, classify(modelId, photoId), [{ name: 'x.png', mime: 'image/png', bytes: new Uint8Array([9]) }]);
  assert.equal(run?.id, id, 'finished into the same row');
  const s = store.state();
  assert.equal(s.unfinishedRuns, undefined);
  assert.equal(s.runs.length, 1);
  assert.deepEqual(s.runs[0]!.artifacts.map((a) => a.name), ['x.png'], 'the checkpoint frame gave way to the result');
  assert.equal(store.checkpointRun(id, { fraction: 1, durationMs: 1 }), false, 'a finished row takes no checkpoint');
  store.close();
});

test('failed rows keep their frame; cancelled-with-nothing rows go; a removed photo takes its running row', () => {
  const { store, modelId, photoId } = fresh();
  const a = store.beginRun({ kind: 'dream', modelId, photoId }, owner, 'cpu');
  store.checkpointRun(a, { fraction: 0.5, durationMs: 1 }, { mime: 'image/jpeg', bytes: new Uint8Array([1]) });
  store.failRun(a, 'worker crashed', 10);
  const b = store.beginRun({ kind: 'dream', modelId, photoId }, owner, 'cpu');
  store.dropRun(b);
  const f = store.state().unfinishedRuns!;
  assert.deepEqual(f.map((r) => [r.id, r.status, r.error, r.artifacts.length]), [[a, 'failed', 'worker crashed', 1]]);
  store.removePhoto(photoId);
  assert.equal(store.state().unfinishedRuns, undefined);
  assert.equal(store.finishRun(a, classify(modelId, photoId)), undefined, 'a row deleted meanwhile is not brought back');
  store.close();
});

test('on open, rows of a dead engine are interrupted (frame kept); a live engine\'s stay running; restart reuses the row', () => {
  const { store, file, modelId, photoId } = fresh();
  const dead = store.beginRun({ kind: 'dream', modelId, photoId }, owner, 'cpu');
  store.checkpointRun(dead, { fraction: 0.4, durationMs: 1 }, { mime: 'image/jpeg', bytes: new Uint8Array([7]) });
  const live = store.beginRun({ kind: 'attribution', modelId, photoId }, { ...owner, engine: 'e_live', pid: process.pid }, 'cpu');
  store.close();

  const again = ProjectStore.open(file);
  const gone = again.interruptDeadRuns((o) => o.engine === 'e_live');
  assert.deepEqual(gone, [dead]);
  const byId = new Map(again.state().unfinishedRuns!.map((r) => [r.id, r]));
  assert.equal(byId.get(dead)!.status, 'interrupted');
  assert.equal(byId.get(dead)!.checkpoint.fraction, 0.4);
  assert.equal(byId.get(dead)!.artifacts[0]!.name, 'checkpoint');
  assert.equal(byId.get(live)!.status, 'running');

  assert.throws(() => again.restartRun(live, owner), /still running/);
  const r = again.restartRun(dead, { ...owner, engine: 'e_new' });
  assert.equal(r.id, dead);
  assert.equal(r.status, 'running');
  assert.equal(r.checkpoint.owner.engine, 'e_new');
  assert.equal(r.checkpoint.resumes, 1);
  again.removeRun(live); // an unfinished row can be discarded
  assert.equal(again.state().unfinishedRuns!.length, 1);
  again.close();
});

test('deletes refuse runs the window has not seen, and go through with them listed', () => {
  const { store, file, modelId, photoId } = fresh();
  const seen = store.addRun(classify(modelId, photoId));
  const other = ProjectStore.open(file); // another window / server on the same file
  other.addRun(classify(modelId, photoId));
  assert.throws(() => store.removePhoto(photoId, [seen.id]), (e: Error & { code?: string }) => e.code === 'unseen-runs' && /dog\.jpg was not deleted: it has 1 run/.test(e.message));
  assert.throws(() => store.removeModel(modelId, [seen.id]), /g\.onnx was not deleted/);
  assert.equal(store.state().runs.length, 2, 'nothing was deleted');
  store.removePhoto(photoId, store.state().runs.map((r) => r.id));
  assert.equal(store.state().runs.length, 0);
  other.close();
  store.close();
});

test('data_version sees another connection\'s writes, not our own; request answers are remembered and pruned', async () => {
  const { store, file, modelId, photoId } = fresh();
  const other = ProjectStore.open(file);
  const v0 = store.dataVersion();
  store.addRun(classify(modelId, photoId));
  assert.equal(store.dataVersion(), v0, 'our own write');
  other.addRun(classify(modelId, photoId));
  assert.notEqual(store.dataVersion(), v0, 'another connection\'s write');
  let calls = 0;
  const stop = store.watchOthers(() => calls++, 20);
  other.saveView({ tab: 'x' });
  await new Promise((r) => setTimeout(r, 120));
  stop();
  assert.equal(calls, 1);

  store.rememberRequest('rid-1', 'photo:add', { id: 'p_1' }, 3);
  for (let i = 2; i <= 5; i++) store.rememberRequest(`rid-${i}`, 'photo:add', { id: `p_${i}` }, 3);
  assert.equal(store.requestAnswer('rid-1'), undefined, 'oldest pruned');
  assert.deepEqual(store.requestAnswer('rid-5')?.result, { id: 'p_5' });
  other.close();
  store.close();
});
