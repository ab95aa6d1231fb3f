// The engine host as a real child process (forked with tsx, JSON IPC like the bridge), driving the real
// store, onnxruntime and sharp with GoogLeNet and dog.jpg from ../shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobInfo, RunRecord } from '../../../shared/contract';
import { HostClient } from './testing/host-client';
import { readPngText } from '../image/image';
import { preset } from '../../../shared/pixels';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const squeezenet = path.join(shared, 'models/squeezenet1.1.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const labels = path.join(shared, 'models/labels/imagenet_synset_words.txt');
const skip = [googlenet, squeezenet, dog, labels].every((f) => fs.existsSync(f)) ? false : '../shared models/images absent';


const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-host-'));

test('host: project, GoogLeNet, dog.jpg, classify, activations job, reopen', { skip, timeout: 180_000 }, async () => {
  const data = tmp();
  const file = path.join(tmp(), 'dogs.fscope');
  const host = new HostClient({ FEATURESCOPE_DATA_DIR: data });
  try {
    const status = await host.call('engine:status', {});
    assert.equal(status.active, 'cpu');
    assert.equal(await host.call('project:state', {}), null);

    // bad input gets clear errors with codes
    const bad = await host.raw('model:add', { source: { kind: 'path' } });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'bad-args');
    const noProject = await host.raw('photo:add', { source: { kind: 'path', path: dog } });
    assert.equal(!noProject.ok && noProject.error.code, 'no-project');
    const unknown = await host.raw('nope:nothing', {});
    assert.match(!unknown.ok ? unknown.error.message : '', /unknown request "nope:nothing"/);

    const created = await host.call('project:create', { path: file });
    assert.equal(created.name, 'dogs');
    const model = await host.call('model:add', { source: { kind: 'path', path: googlenet }, embed: false });
    assert.equal(model.embedded, false);
    assert.equal(model.preprocess.preset, 'caffe');
    const d = await host.call('model:inspect', { modelId: model.id, width: 224, height: 224 });
    assert.deepEqual(d.layers.find((l) => l.name === 'inception_4c/output')?.shape, [1, 512, 14, 14]);
    const wide = await host.call('model:inspect', { modelId: model.id, width: 320, height: 256 });
    assert.deepEqual(wide.layers.find((l) => l.name === 'inception_4c/output')?.shape, [1, 512, 16, 20]);
    assert.deepEqual(wide.prunedAtSize, ['loss3/classifier']);
    assert.deepEqual(await host.call('model:inspect', { modelId: model.id, width: 320, height: 256 }), wide);

    const photo = await host.call('photo:add', { source: { kind: 'path', path: dog } });
    assert.equal(photo.mime, 'image/jpeg');
    const dir = await host.raw('photo:add', { source: { kind: 'path', path: shared } });
    assert.equal(!dir.ok && dir.error.code, 'is-directory');
    const upload = await host.raw('photo:add', { source: { kind: 'upload', uploadId: '../../etc/passwd', name: 'x.jpg' } });
    assert.equal(upload.ok, false);

    await host.call('model:setPreprocess', { modelId: model.id, preprocess: preset('caffe', 224, 224) });
    const withLabels = await host.call('model:setLabels', { modelId: model.id, source: { kind: 'path', path: labels } });
    assert.equal(withLabels.labels?.[207], 'golden retriever');

    const run = await host.call('run:classify', { modelId: model.id, photoId: photo.id, top: 5 });
    const top = (run.result.top as { index: number; label: string; probability: number }[]);
    assert.ok(top[0]!.index >= 151 && top[0]!.index <= 268, `top-1 ${top[0]!.index} ${top[0]!.label} is not a dog breed`);
    assert.equal(run.result.appliedSoftmax, false); // GoogLeNet's "prob" is already a distribution
    assert.equal(run.provider, 'cpu');
    assert.equal((run.settings.preprocess as { preset: string }).preset, 'caffe');
    console.log(`# classify: ${run.durationMs.toFixed(0)} ms (${JSON.stringify(run.result.timings)}); host RSS with GoogLeNet loaded: ${host.rssMiB().toFixed(0)} MiB`);
    const again = await host.call('run:classify', { modelId: model.id, photoId: photo.id, top: 5 });
    console.log(`# classify (warm session): ${again.durationMs.toFixed(0)} ms`);

    // activations: a job; the host keeps answering while the worker runs the model
    const job = await host.call('run:activations', { modelId: model.id, photoId: photo.id, layer: 'inception_4c/output', maxChannels: 16 });
    assert.equal(job.kind, 'activations');
    const t0 = performance.now();
    const state = await host.call('project:state', {});
    const answeredIn = performance.now() - t0;
    assert.equal(state?.runs.length, 2);
    const done = await host.waitFor('job:done', (p) => p.job.id === job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.ok(host.events.some((e) => e.event === 'job:update' && (e.payload as JobInfo).id === job.id && (e.payload as JobInfo).progress > 0));
    const actRun = done.run;
    assert.ok(actRun?.kind === 'activations');
    assert.equal(actRun.result.channels.length, 16);
    assert.deepEqual(actRun.result.shape, [1, 512, 14, 14]);
    const channels = actRun.result.channels;
    for (let i = 1; i < channels.length; i++) assert.ok(channels[i - 1]!.mean >= channels[i]!.mean);
    const art = await host.call('artifact:get', { artifactId: actRun.artifacts[0]!.id });
    assert.equal(art.mime, 'image/png');
    const settings = JSON.parse(readPngText(Buffer.from(art.base64, 'base64')).featurescope!);
    assert.equal(settings.layer, 'inception_4c/output');
    console.log(`# project:state answered in ${answeredIn.toFixed(0)} ms while the activations job ran`);

    // cancel: a cancelled job ends 'cancelled' and stores no run
    const job2 = await host.call('run:activations', { modelId: model.id, photoId: photo.id, layer: 'conv2/3x3', maxChannels: 8 });
    await host.call('job:cancel', { jobId: job2.id });
    const done2 = await host.waitFor('job:done', (p) => p.job.id === job2.id);
    assert.equal(done2.job.state, 'cancelled');
    const noLayer = await host.raw('run:activations', { modelId: model.id, photoId: photo.id, layer: 'no/such/layer' });
    assert.equal(!noLayer.ok && noLayer.error.code, 'no-such-layer');

    const thumb = await host.call('photo:thumbnail', { photoId: photo.id, maxSize: 128 });
    assert.equal(Math.max(thumb.width, thumb.height), 128);
    await host.call('project:saveView', { view: { tab: 'layers', layer: 'inception_4c/output' } });

    // close, reopen: the same model, photo, runs and view
    await host.call('project:close', {});
    assert.equal(await host.call('project:state', {}), null);
    assert.equal(fs.existsSync(`${file}-wal`), false);
    const reopened = await host.call('project:open', { path: file });
    assert.deepEqual(reopened.models.map((m) => m.id), [model.id], JSON.stringify(reopened.models.map((m) => [m.id, m.path, m.addedAt])));
    assert.deepEqual(reopened.photos.map((p) => p.id), [photo.id]);
    assert.deepEqual(reopened.runs.map((r) => r.id).sort(), [run.id, again.id, actRun.id].sort());
    assert.deepEqual(reopened.view, { tab: 'layers', layer: 'inception_4c/output' });
    const recent = await host.call('project:recent', {});
    assert.equal(recent[0]!.path, file);

    const cuda = await host.call('engine:setProvider', { provider: 'cuda' });
    assert.equal(cuda.active, 'cpu');
    assert.match(cuda.fallbackReason ?? '', /CUDA was requested/);
    const ev = await host.waitFor('engine:status', (s) => !!s.fallbackReason);
    assert.equal(ev.fallbackReason, cuda.fallbackReason);
  } finally {
    await host.stop();
  }
});

test('host: an embedded model travels with the project when its file is gone', { skip, timeout: 120_000 }, async () => {
  const data = tmp();
  const file = path.join(tmp(), 'travel.fscope');
  const copy = path.join(tmp(), 'squeezenet-copy.onnx');
  fs.copyFileSync(squeezenet, copy);
  const uploads = tmp();
  const a = new HostClient({ FEATURESCOPE_DATA_DIR: data, FEATURESCOPE_UPLOAD_DIR: uploads });
  let modelId: string, photoId: string;
  try {
    await a.call('project:create', { path: file });
    const m = await a.call('model:add', { source: { kind: 'path', path: copy }, embed: true });
    assert.equal(m.embedded, true);
    modelId = m.id;
    // uploads: a plain name inside the upload folder, nothing else
    fs.copyFileSync(dog, path.join(uploads, '0a1b2c3d.jpg'));
    const up = await a.call('photo:add', { source: { kind: 'upload', uploadId: '0a1b2c3d.jpg', name: 'my dog.jpg' } });
    assert.equal(up.name, 'my dog.jpg');
    photoId = up.id;
    for (const uploadId of ['../0a1b2c3d.jpg', '/etc/passwd', '.hidden']) {
      const r = await a.raw('photo:add', { source: { kind: 'upload', uploadId, name: 'x.jpg' } });
      assert.equal(!r.ok && r.error.code, 'bad-upload', uploadId);
    }
    const gone = await a.raw('photo:add', { source: { kind: 'upload', uploadId: 'feedbeef.jpg', name: 'x.jpg' } });
    assert.equal(!gone.ok && gone.error.code, 'not-found');
    // {type:'config'} moves the upload folder at run time
    const other = tmp();
    fs.copyFileSync(dog, path.join(other, 'beef.jpg'));
    a.child.send({ type: 'config', uploadDir: other });
    await a.call('photo:add', { source: { kind: 'upload', uploadId: 'beef.jpg', name: 'dog2.jpg' } });
    // a broken model: the inspection error code comes through the worker and the host unchanged
    const broken = await a.raw('model:add', { source: { kind: 'path', path: dog } });
    assert.equal(!broken.ok && broken.error.code, 'not-onnx');
    assert.match(!broken.ok ? broken.error.message : '', /dog\.jpg is an image \(JPEG\)/);
    assert.equal((await a.call('project:state', {}))!.models.length, 1);
  } finally {
    await a.stop();
  }
  fs.rmSync(copy);
  const b = new HostClient({ FEATURESCOPE_DATA_DIR: data });
  try {
    await b.call('project:open', { path: file });
    const run = await b.call('run:classify', { modelId, photoId, top: 3 });
    const top = run.result.top as { index: number }[];
    assert.ok(top[0]!.index >= 151 && top[0]!.index <= 268, `top-1 ${top[0]!.index} is not a dog breed`);
  } finally {
    await b.stop();
  }
});
