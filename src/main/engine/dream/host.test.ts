// The dream channels through the real engine host (real project file, the engine worker and the job runtime):
// a dream job reports progress and previews, can be paused and cancelled (keeping its frame), a finished
// one is saved with its settings and found again after reopening, and exports carry the settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventMap, JobInfo, RunRecord } from '../../../shared/contract';
import { readDreamRecord } from './export';
import { inProcessHost } from '../host/testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const SKY = path.join(shared, 'images/content/sky.jpg');
const missing = !fs.existsSync(MODEL) || !fs.existsSync(SKY) ? `needs ${MODEL} and ${SKY} (../shared absent)` : undefined;

test('dream jobs through the engine host', { skip: missing, timeout: 300_000 }, async () => {
  const { host, dir, events, until, doneOf } = await inProcessHost('fs-dream-host-');
  try {
    const file = path.join(dir, 'p.fscope');
    await host.handle('project:create', { path: file });
    const model = (await host.handle('model:add', { source: { kind: 'path', path: MODEL } })) as { id: string };
    const photo = (await host.handle('photo:add', { source: { kind: 'path', path: SKY } })) as { id: string };
    const settings = { octaves: 2, iterations: 3, seed: 4, layers: [{ name: 'inception_4c/output', weight: 1 }] };

    await assert.rejects(host.handle('run:dream', { modelId: model.id, photoId: photo.id, settings: { octaves: 0 } }), /octaves/);

    // 1: pause, resume, then cancel: the partial frame is kept as a cancelled run.
    const job1 = (await host.handle('run:dream', { modelId: model.id, photoId: photo.id, settings })) as JobInfo;
    await until(() => events.find((e) => e.event === 'job:update' && (e.payload as JobInfo).id === job1.id && /step 1\//.test((e.payload as JobInfo).message ?? '')));
    await host.handle('job:pause', { jobId: job1.id });
    assert.ok(events.some((e) => e.event === 'job:update' && (e.payload as JobInfo).state === 'paused'));
    await host.handle('job:resume', { jobId: job1.id });
    await until(() => events.find((e) => e.event === 'job:update' && (e.payload as JobInfo).id === job1.id && /step 2\//.test((e.payload as JobInfo).message ?? '')));
    await host.handle('job:cancel', { jobId: job1.id });
    const d1 = await doneOf(job1.id);
    assert.equal(d1.run?.status, 'cancelled', 'the cancelled dream is saved with its last full frame');
    assert.ok(d1.run!.artifacts.length === 1);

    // 2: a full run, with previews on the way.
    const job2 = (await host.handle('run:dream', { modelId: model.id, photoId: photo.id, settings })) as JobInfo;
    const d2 = await doneOf(job2.id);
    assert.equal(d2.job.state, 'done', d2.job.error);
    const run = d2.run as RunRecord;
    assert.equal(run.kind, 'dream');
    assert.equal(run.settings.seed, 4);
    assert.ok(events.some((e) => e.event === 'job:preview' && (e.payload as EventMap['job:preview']).jobId === job2.id), 'a live preview arrived');

    // Reopen: both runs are there, the cancelled one with its kept frame.
    await host.handle('project:close', {});
    const state = (await host.handle('project:open', { path: file })) as { runs: RunRecord[] };
    const dreams = state.runs.filter((r) => r.kind === 'dream');
    assert.deepEqual(dreams.map((r) => r.status).sort(), ['cancelled', 'done']);
    assert.ok(dreams.every((r) => r.artifacts.some((a) => a.mime === 'image/png') && r.photoId === photo.id));
    assert.equal(dreams.find((r) => r.status === 'done')!.result.modelSha256, (state as unknown as { models: { id: string; sha256: string }[] }).models.find((m) => m.id === model.id)!.sha256);

    const png = (await host.handle('dream:export', { runId: run.id, format: 'png' })) as { base64: string; fileName: string };
    const rec = readDreamRecord(Buffer.from(png.base64, 'base64'));
    assert.equal(rec?.settings.seed, 4);
    assert.equal(rec?.settings.octaves, 2);
    assert.equal(rec?.model.sha256?.length, 64);
    const jpg = (await host.handle('dream:export', { runId: run.id, format: 'jpeg', path: path.join(dir, 'out.jpg') })) as { path: string };
    assert.equal(fs.readFileSync(jpg.path)[0], 0xff);
    assert.deepEqual(readDreamRecord(fs.readFileSync(jpg.path)), rec, 'the JPEG carries the same record, in its XMP');

    // Dream again on the result.
    const job3 = (await host.handle('run:dream', { modelId: model.id, photoId: photo.id, fromRunId: run.id, settings: { ...settings, octaves: 1, iterations: 1 } })) as JobInfo;
    const d3 = await doneOf(job3.id);
    assert.equal(d3.job.state, 'done', d3.job.error);
    assert.ok(d3.run?.kind === 'dream');
    assert.equal(d3.run.settings.fromRunId, run.id);
  } finally {
    await host.dispose();
  }
});
