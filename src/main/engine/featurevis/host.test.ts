// Feature visualization through the real engine host (real project file, the engine worker, the job
// runtime): bad settings are refused before anything is queued; two channels of GoogLeNet's
// inception_4c/output render (tiny size and steps), are saved as a typed run with one PNG per item and
// export as PNGs whose text chunk holds the settings; a MACO + feature-accentuation job from a project
// photo reuses the compiled sessions; a cancelled grid keeps the batch it finished; the first layer's
// filters come back as images; everything is still there after reopening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobInfo, RunOf } from '../../../shared/contract';
import { readFeaturevisRecord } from './export';
import { inProcessHost } from '../host/testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const SKY = path.join(shared, 'images/content/sky.jpg');
const missing = [MODEL, SKY].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;

const LAYER = 'inception_4c/output';
const ch = (channel: number, weight = 1) => ({ terms: [{ target: { kind: 'channel' as const, layer: LAYER, channel }, weight }] });

test('feature visualization jobs through the engine host', { skip, timeout: 600_000 }, async () => {
  const { host, dir, events, until, doneOf, call } = await inProcessHost('fs-featurevis-host-');
  try {
    const file = path.join(dir, 'fv.fscope');
    await call('project:create', { path: file });
    const model = await call('model:add', { source: { kind: 'path', path: MODEL } });
    const photo = await call('photo:add', { source: { kind: 'path', path: SKY } });
    const common = { size: 64, steps: 6, batch: 2, seed: 11 };

    // refused before anything is queued: nothing in the jobs list, nothing saved
    const refusals: [unknown, RegExp][] = [
      [{ ...common, items: [ch(512)] }, /items\[0\]\.terms\[0\]\.target\.channel: 512 is out of range: inception_4c\/output has 512 channels/],
      [{ ...common, items: [{ terms: [{ target: { kind: 'channel', layer: 'loss3/classifier', channel: 1 } }] }] }, /items\[0\]\.terms\[0\]\.target\.layer: "loss3\/classifier" has shape \[1,1000\], no spatial axes/],
      [{ ...common, items: [{ terms: [{ target: { kind: 'neuron', layer: LAYER, channel: 1, x: 4 } }] }] }, /items\[0\]\.terms\[0\]\.target\.x: 4 is out of range: at 64×64 px inception_4c\/output is 4 wide/],
      [{ ...common, items: [{ terms: [{ target: { kind: 'class', index: 1000 } }] }] }, /items\[0\]\.terms\[0\]\.target\.index: class 1000 is beyond the classifier/],
      [{ ...common, items: [ch(1)], photoId: 'no-such-photo' }, /photoId: /],
    ];
    for (const [settings, message] of refusals) {
      await assert.rejects(call('job:start', { kind: 'featurevis', modelId: model.id, settings: settings as Record<string, unknown> }), message);
    }
    assert.deepEqual(await call('job:list', {}), [], 'no job was queued');

    // two channels, one batch
    const job = await call('job:start', { kind: 'featurevis', modelId: model.id, settings: { ...common, items: [ch(0), ch(1)] } });
    const done = await doneOf(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    const run = done.run as RunOf<'featurevis'>;
    assert.equal(run.kind, 'featurevis');
    assert.equal(run.status, 'done');
    assert.deepEqual([run.settings.size, run.settings.steps, run.settings.batch, run.settings.seed], [64, 6, 2, 11]);
    assert.equal(run.settings.preprocess.preset, 'caffe');
    assert.deepEqual(run.settings.modelInput, { name: 'data', width: 64, height: 64, channels: 3, layout: 'NCHW' });
    assert.deepEqual(run.result.items.map((i) => i.label), ['channel(inception_4c/output, 0)', 'channel(inception_4c/output, 1)']);
    assert.deepEqual(run.artifacts.map((a) => a.name).sort(), run.result.items.map((i) => i.image).sort());
    assert.ok(run.result.timings.msPerImageStep > 0);
    assert.ok(events.some((e) => e.event === 'job:update' && (e.payload as JobInfo).id === job.id && /batch 1\/1 · step \d+\/6/.test((e.payload as JobInfo).message ?? '')), 'progress per step');

    const one = await call('featurevis:export', { runId: run.id, item: 1 });
    const rec = readFeaturevisRecord(Buffer.from(one.base64, 'base64'));
    assert.equal(one.mime, 'image/png');
    assert.equal(rec?.settings.seed, 11);
    assert.equal(rec?.item?.index, 1);
    assert.deepEqual(rec?.item?.spec, run.settings.items[1]);
    assert.equal(rec?.model.sha256, model.sha256);
    const grid = await call('featurevis:export', { runId: run.id });
    assert.equal(readFeaturevisRecord(Buffer.from(grid.base64, 'base64'))?.grid?.items.length, 2);
    await assert.rejects(call('featurevis:export', { runId: run.id, item: 5 }), /item 5 was not rendered/);

    // MACO from a project photo's spectrum, and feature accentuation of the same photo: raise unit 97, lower unit 71
    // (the sky's strongest at 64 px) (same batch and size:
    // the compiled sessions of the first job serve it)
    const maco = await call('job:start', {
      kind: 'featurevis', modelId: model.id,
      settings: { ...common, items: [ch(97), ch(71, -1)], param: 'maco', spectrumPhotoIds: [photo.id], photoId: photo.id, stayClose: 1 },
    });
    const mDone = await doneOf(maco.id);
    assert.equal(mDone.job.state, 'done', mDone.job.error);
    const mRun = mDone.run as RunOf<'featurevis'>;
    assert.equal(mRun.photoId, photo.id);
    assert.equal(mRun.result.timings.compileMs, 0, 'no new compile');
    const [pos, negative] = mRun.result.items;
    assert.ok(pos!.objective > pos!.objectiveStart, `accentuated: ${pos!.objectiveStart} → ${pos!.objective}`);
    assert.ok(negative!.objective > negative!.objectiveStart, `negative: ${negative!.objectiveStart} → ${negative!.objective}`);

    // a grid of two batches, cancelled in its second: the first batch is kept, as a cancelled run
    const grid4 = await call('job:start', { kind: 'featurevis', modelId: model.id, settings: { ...common, steps: 40, items: [ch(2), ch(3), ch(4), ch(5)] } });
    await until(() => events.find((e) => e.event === 'job:update' && (e.payload as JobInfo).id === grid4.id && /batch 2\/2 · step/.test((e.payload as JobInfo).message ?? '')));
    await call('job:cancel', { jobId: grid4.id });
    const cDone = await doneOf(grid4.id);
    assert.equal(cDone.job.state, 'cancelled');
    const cRun = cDone.run as RunOf<'featurevis'>;
    assert.equal(cRun.status, 'cancelled');
    assert.equal(cRun.result.status, 'cancelled');
    assert.deepEqual(cRun.result.items.map((i) => i.item), [0, 1], 'the finished batch is kept');

    const filters = await call('model:filters', { modelId: model.id });
    assert.ok(filters);
    assert.deepEqual(filters.layers.slice(0, 1), ['conv1/7x7_s2']);
    assert.equal(filters.count, 64);
    assert.deepEqual(filters.kernel, { width: 7, height: 7, channels: 3 });
    assert.equal(filters.tiles.length, 64);
    assert.equal(filters.grid.cols * filters.grid.rows >= 64, true);

    await call('project:close', {});
    const state = await call('project:open', { path: file });
    const runs = state.runs.filter((r) => r.kind === 'featurevis');
    assert.deepEqual(runs.map((r) => r.status).sort(), ['cancelled', 'done', 'done']);
  } finally {
    await host.dispose();
  }
});
