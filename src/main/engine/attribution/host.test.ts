// Attribution through the engine host (in-process Host, real store, real worker threads, real
// onnxruntime): the job runs, the run is saved with its exact settings and artifacts, the map and the
// exports come back, cancel works, and the run is still there after reopening the project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobInfo, RunRecord } from '../../../shared/contract';
import { fromNpy } from './export';
import { inProcessHost } from '../host/testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const labels = path.join(shared, 'models/labels/imagenet_synset_words.txt');
const missing = [googlenet, dog, labels].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;
if (missing) console.log(`# skipping attribution host test: ${missing} is absent`);

test('attribution via the host: job, saved run, map, exports, cancel, reopen', { skip }, async () => {
  const { host, dir: tmp, events, call, doneOf: jobDone } = await inProcessHost('fs-attr-host-');
  try {
    const file = path.join(tmp, 'attr.featurescope');
    await call('project:create', { path: file });
    const model = await call('model:add', { source: { kind: 'path', path: googlenet } });
    await call('model:setLabels', { modelId: model.id, source: { kind: 'path', path: labels } });
    const photo = await call('photo:add', { source: { kind: 'path', path: dog } });

    await assert.rejects(call('run:attribute', { modelId: model.id, photoId: photo.id, settings: { method: 'ig', steps: 0 } }), /bad attribution setting steps/);

    await call('engine:setProvider', { provider: 'cuda' });
    const job: JobInfo = await call('run:attribute', { modelId: model.id, photoId: photo.id, settings: { method: 'gradcam' } });
    const done = await jobDone(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    const run = done.run as RunRecord;
    assert.equal(run.kind, 'attribution');
    const settings = run.settings as { attribution: { method: string; target: unknown; layer: string } };
    assert.deepEqual(settings.attribution.target, { kind: 'class', index: 207, label: 'golden retriever' });
    assert.equal(settings.attribution.layer, 'inception_5b/output');
    assert.deepEqual(run.artifacts.map((a) => a.name).sort(), ['map.npy', 'overlay.png']);
    assert.ok(typeof run.result.targetScore === 'number');
    // the run says where it ran: the engine's active provider (CPU here: no GPU, and CUDA was asked for above)
    const engine = await call('engine:status', {});
    assert.equal(engine.setting, 'cuda');
    assert.equal(run.provider, engine.active);
    // the status bar's plain-words reason survives the run (CPU-only machine: CUDA falls back)
    if (engine.active === 'cpu') assert.match(engine.fallbackReason ?? '', /CUDA was requested/);

    const map = await call('attribution:map', { runId: run.id });
    assert.equal(map.width, 224);
    assert.equal(map.height, 224);
    const values = new Float32Array(Buffer.from(map.base64, 'base64').buffer.slice(0));
    assert.equal(values.length, 224 * 224);
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
    const bx = (best % 224) / 224, by = Math.floor(best / 224) / 224;
    assert.ok(bx > 0.12 && bx < 0.73 && by > 0.06, `Grad-CAM peak (${bx}, ${by}) on the dog`);

    const png = await call('attribution:export', { runId: run.id, format: 'png', signMode: 'positive', opacity: 0.5 });
    assert.equal(png.mime, 'image/png');
    assert.equal(Buffer.from(png.base64, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
    const npy = fromNpy(Buffer.from((await call('attribution:export', { runId: run.id, format: 'npy' })).base64, 'base64'));
    assert.deepEqual(npy.shape, [1, 1, 224, 224]);
    const csv = Buffer.from((await call('attribution:export', { runId: run.id, format: 'csv' })).base64, 'base64').toString();
    assert.equal(csv.trim().split('\n').length, 224);

    // cancel: occlusion one image at a time is long enough to stop after its first batches
    const occ = await call('run:attribute', { modelId: model.id, photoId: photo.id, settings: { method: 'occlusion', batchSize: 1, window: 16, stride: 8 } });
    await new Promise<void>((resolve) => {
      const check = () => (events.some((e) => e.event === 'job:update' && (e.payload as JobInfo).id === occ.id && (e.payload as JobInfo).progress > 0.05) ? resolve() : setTimeout(check, 50));
      check();
    });
    await call('job:cancel', { jobId: occ.id });
    const cancelled = await jobDone(occ.id);
    assert.equal(cancelled.job.state, 'cancelled');

    await call('project:close', {});
    const reopened = await call('project:open', { path: file });
    const again = reopened.runs.filter((r) => r.kind === 'attribution');
    assert.equal(again.length, 1);
    assert.deepEqual((again[0]!.settings as typeof settings).attribution, settings.attribution);
    // removing the model also drops its compiled attribution sessions in the worker (a round trip that must not fail)
    await call('model:remove', { modelId: model.id });
    assert.equal((await call('project:state', {}))!.models.length, 0);
  } finally {
    await host.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
