// The dataset channels through the engine host, with its real worker thread: add a folder, index it as a job
// (pause, resume, cancel keeps the finished batches, the next job goes on), then examples with patches,
// a histogram, neighbours, the 2-D map, thumbnails and patches — the path the app's unit page takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inProcessHost } from '../host/testing/in-process-host';

const SHARED = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared');
const GOOGLENET = path.join(SHARED, 'models', 'bvlc_googlenet.onnx');
const skip = !fs.existsSync(GOOGLENET) && `${GOOGLENET} not found (../shared is absent)`;

test('dataset channels: add, index as a job (pause, cancel, go on), examples, histogram, neighbours, map, thumbnails', { skip, timeout: 180_000 }, async () => {
  const { host, dir, events, until, doneOf, call } = await inProcessHost('fs-dataset-host-');
  try {
    const folder = path.join(dir, 'photos');
    fs.mkdirSync(path.join(folder, 'paintings'), { recursive: true });
    for (const f of fs.readdirSync(path.join(SHARED, 'images', 'content'))) fs.copyFileSync(path.join(SHARED, 'images', 'content', f), path.join(folder, f));
    for (const f of fs.readdirSync(path.join(SHARED, 'images', 'style'))) fs.copyFileSync(path.join(SHARED, 'images', 'style', f), path.join(folder, 'paintings', f));
    fs.writeFileSync(path.join(folder, 'broken.png'), 'not a png');
    await call('project:create', { path: path.join(dir, 'p.fscope') });
    const model = await call('model:add', { source: { kind: 'path', path: GOOGLENET } });

    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await assert.rejects(call('dataset:add', { path: empty }), /is empty: it has no JPEG, PNG or WebP photos/);
    const added = await call('dataset:add', { path: folder });
    assert.equal(added.photos, 11);
    assert.deepEqual(await call('dataset:list', {}), [added]);
    await assert.rejects(call('dataset:index', { datasetId: added.id, modelId: model.id, settings: { layers: ['prob'] } }), /not spatial/);

    // index a layer with a batch of 1, pause after the first photo, then cancel: the finished batches stay
    const settings = { layers: ['inception_4a/output'], batch: 1, k: 4 };
    const job = await call('dataset:index', { datasetId: added.id, modelId: model.id, settings });
    await until(() => events.find((e) => e.event === 'job:update' && (e.payload as { id: string; message?: string }).id === job.id && /^1 of 11/.test((e.payload as { message?: string }).message ?? '')) || undefined);
    await call('job:pause', { jobId: job.id });
    await call('job:cancel', { jobId: job.id });
    const cancelled = await doneOf(job.id);
    assert.equal(cancelled.job.state, 'cancelled');
    const mid = (await call('dataset:list', {}))[0]!.indexes[0]!;
    assert.ok(mid.indexed >= 1 && mid.indexed < 10, `${mid.indexed} indexed before the cancel`);
    assert.equal(mid.indexed + mid.pending, 10);

    const again = await call('job:start', { kind: 'datasetIndex', datasetId: added.id, modelId: model.id, settings });
    const done = await doneOf(again.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.ok(done.run && done.run.kind === 'datasetIndex');
    if (done.run?.kind === 'datasetIndex') {
      assert.equal(done.run.result.indexedNow, 10 - mid.indexed, 'only what the cancelled job left');
      assert.equal(done.run.result.indexed, 10);
      assert.equal(done.run.result.unreadableNow, 0, 'broken.png sorts first: the cancelled job met it');
    }
    const info = (await call('dataset:list', {}))[0]!;
    assert.equal(info.indexes.length, 1);
    assert.equal(info.indexes[0]!.indexed, 10);
    assert.match(info.unreadableSample.find((u) => u.path === 'broken.png')!.reason, /broken\.png/);

    const q = { datasetId: added.id, modelId: model.id, layer: 'inception_4a/output' };
    const top = await call('dataset:examples', { ...q, channel: 11, k: 4 });
    assert.equal(top.items.length, 4);
    assert.ok(top.items[0]!.value >= top.items[3]!.value);
    assert.deepEqual(top.mapSize, { width: 14, height: 14 });
    const bottom = await call('dataset:examples', { ...q, channel: 11, k: 4, bottom: true });
    assert.ok(bottom.items[0]!.value <= bottom.items[3]!.value);
    const hist = await call('dataset:histogram', { ...q, channel: 11 });
    assert.equal(hist.counts.reduce((a, b) => a + b, 0), 10 * 14 * 14);
    const photoId = top.items[0]!.photoId;
    const nb = await call('dataset:neighbours', { ...q, photoId, k: 3 });
    assert.equal(nb[0]!.photoId, photoId);
    const map = await call('dataset:embedding', { ...q });
    assert.equal(map.points.length, 10);
    assert.ok(map.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
    assert.deepEqual(await call('dataset:embedding', { ...q }), map, 'the same seed, the same map');
    const thumb = await call('dataset:thumbnail', { datasetId: added.id, photoId, maxSize: 64 });
    assert.ok(Math.max(thumb.width, thumb.height) <= 64 && thumb.base64.length > 100);
    const patch = await call('dataset:patch', { datasetId: added.id, photoId, rect: top.items[0]!.patchClipped, maxSize: 128 });
    assert.equal(patch.mime, 'image/jpeg');
    await assert.rejects(call('dataset:examples', { ...q, layer: 'inception_5b/output', channel: 0 }), /not indexed for this model at layer "inception_5b\/output" \(indexed layers: inception_4a\/output\)/);
    await call('dataset:remove', { datasetId: added.id });
    assert.deepEqual(await call('dataset:list', {}), []);
  } finally {
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
