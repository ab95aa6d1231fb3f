// Style and fast-style jobs through the real engine host (a project file, the engine worker, the job
// runtime): bad requests are refused before anything is queued and name the setting; a small style job on
// VGG19-block3 sends progress messages that carry its losses and previews, and is saved as a typed run whose
// PNG holds the settings; "continue from this result" starts from it; a cancelled job keeps its image; a
// fast-style job stylizes two photos; exports carry the settings; all of it is there after reopening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Args, EventMap, RunOf } from '../../../shared/contract';
import { parseStyleProgress } from '../../../shared/jobs/style';
import { readStyleRecord } from './export';
import { readJpegXmp, readPngText } from '../image/image';
import { inProcessHost } from '../host/testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const VGG = path.join(shared, 'models/vgg19_to_block3.onnx');
const CANDY = path.join(shared, 'models/style/candy.onnx');
const SQUEEZE = path.join(shared, 'models/squeezenet1.1.onnx');
const STATA = path.join(shared, 'images/content/stata.jpg');
const WAVE = path.join(shared, 'images/style/wave.jpg');
const DOG = path.join(shared, 'images/content/dog.jpg');
const missing = [VGG, CANDY, SQUEEZE, STATA, WAVE, DOG].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;

test('style and stylize jobs through the engine host', { skip, timeout: 600_000 }, async () => {
  const { host, dir, events, until, doneOf, call } = await inProcessHost('fs-style-host-');
  try {
    const file = path.join(dir, 'style.fscope');
    await call('project:create', { path: file });
    const vgg = await call('model:add', { source: { kind: 'path', path: VGG } });
    const candy = await call('model:add', { source: { kind: 'path', path: CANDY } });
    const squeeze = await call('model:add', { source: { kind: 'path', path: SQUEEZE } });
    const stata = await call('photo:add', { source: { kind: 'path', path: STATA } });
    const wave = await call('photo:add', { source: { kind: 'path', path: WAVE } });
    const dog = await call('photo:add', { source: { kind: 'path', path: DOG } });
    const small = { styles: [{ photoId: wave.id }], size: 48, iterations: 6 };

    // refused before anything is queued
    const refusals: [Args<'job:start'>, RegExp][] = [
      [{ kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { styles: [{ photoId: 'no-such-photo' }], size: 48 } }, /styles\[0\]\.photoId: /],
      [{ kind: 'style', modelId: vgg.id, settings: small }, /photoId: style transfer needs a content photo/],
      [{ kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { ...small, size: 9000 } }, /size: a size is at most 8192 px/],
      [{ kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { ...small, styleLayers: ['block9_conv1'] } }, /styleLayers: vgg19_to_block3\.onnx has no layer "block9_conv1"/],
      [{ kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { ...small, optimizer: 'sgd' } }, /bad style setting optimizer/],
      [{ kind: 'stylize', modelId: squeeze.id, photoIds: [stata.id], settings: {} }, /squeezenet1\.1\.onnx: its output "\w+" .*stylize needs a network whose output is an image/],
      [{ kind: 'stylize', modelId: candy.id, photoIds: ['nope'], settings: {} }, /photoIds\[0\] \(nope\): /],
    ];
    for (const [spec, message] of refusals) await assert.rejects(call('job:start', spec), message);
    assert.deepEqual(await call('job:list', {}), [], 'no job was queued');

    // a small style job: progress carries the losses, previews arrive, the run is typed and its PNG holds the settings
    const job = await call('job:start', { kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { ...small, seed: 1 } });
    const done = await doneOf(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    const run = done.run as RunOf<'style'>;
    assert.equal(run.kind, 'style');
    assert.deepEqual(run.settings.contentLayers, ['block3_conv4_relu']);
    assert.deepEqual(run.settings.styleLayers, ['block1_conv1_relu', 'block2_conv1_relu', 'block3_conv1_relu', 'block3_conv4_relu']);
    assert.equal(run.settings.preprocess.channelOrder, 'BGR');
    assert.deepEqual([run.result.width, run.result.height, run.result.iterationsDone], [48, 32, 6]);
    assert.ok(run.result.losses.total < run.result.lossesStart.total);
    const points = events.filter((e) => e.event === 'job:update' && (e.payload as EventMap['job:update']).id === job.id)
      .map((e) => parseStyleProgress((e.payload as EventMap['job:update']).message)).filter((p) => p !== undefined);
    assert.ok(points.length >= 1, 'progress messages carry the losses');
    assert.equal(points[points.length - 1]!.losses.styleLayers.length, 4);
    assert.ok(events.some((e) => e.event === 'job:preview' && (e.payload as EventMap['job:preview']).jobId === job.id), 'a preview was sent');
    const png = await call('style:export', { runId: run.id, format: 'png' });
    const rec = readStyleRecord(Buffer.from(png.base64, 'base64'));
    assert.equal(rec?.settings.seed, 1);
    assert.deepEqual(rec?.losses, run.result.losses);
    const jpeg = await call('style:export', { runId: run.id, format: 'jpeg' });
    assert.equal(jpeg.mime, 'image/jpeg');
    assert.ok(readJpegXmp(Buffer.from(jpeg.base64, 'base64')).style?.includes('"kind":"style"'));

    // continue from this result: it starts where the first one ended (its first loss is near that run's last)
    const again = await doneOf((await call('job:start', { kind: 'style', modelId: vgg.id, photoId: stata.id, fromRunId: run.id, settings: { ...small, iterations: 2, seed: 1 } })).id);
    const run2 = again.run as RunOf<'style'>;
    assert.equal(run2.settings.fromRunId, run.id);
    assert.ok(run2.result.lossesStart.total < 0.5 * run.result.lossesStart.total, `continued run starts at ${run2.result.lossesStart.total}, the first started at ${run.result.lossesStart.total}`);

    // cancel keeps the current image as a cancelled run
    const long = await call('job:start', { kind: 'style', modelId: vgg.id, photoId: stata.id, settings: { ...small, iterations: 400, seed: 2 } });
    await until(() => events.find((e) => e.event === 'job:update' && (e.payload as EventMap['job:update']).id === long.id && parseStyleProgress((e.payload as EventMap['job:update']).message)));
    await call('job:cancel', { jobId: long.id });
    const cancelled = await doneOf(long.id);
    assert.equal(cancelled.job.state, 'cancelled');
    const crun = cancelled.run as RunOf<'style'> | undefined;
    assert.ok(crun, 'the cancelled job kept its image');
    assert.equal(crun.status, 'cancelled');
    assert.ok(crun.result.iterationsDone >= 1 && crun.result.iterationsDone < 400);

    // fast style on two photos
    const fast = await doneOf((await call('job:start', { kind: 'stylize', modelId: candy.id, photoIds: [stata.id, dog.id], settings: { size: 400 } })).id);
    assert.equal(fast.job.state, 'done', fast.job.error);
    const frun = fast.run as RunOf<'stylize'>;
    assert.deepEqual(frun.result.items.map((i) => [i.photoId, i.width, i.height, i.tiles]), [[stata.id, 400, 265, 1], [dog.id, 400, 400, 1]]);
    assert.deepEqual(frun.settings.fixedSize, { width: 720, height: 720 });
    const f1 = await call('stylize:export', { runId: frun.id, item: 1, format: 'png' });
    assert.equal(f1.fileName, 'dog-candy.png');
    assert.ok(readPngText(Buffer.from(f1.base64, 'base64'))['featurescope:stylize']?.includes('"kind":"stylize"'));

    // reopened: the runs are there, typed
    await call('project:close', {});
    const state = await call('project:open', { path: file });
    const kinds = state.runs.map((r) => `${r.kind}:${r.status}`).sort();
    assert.deepEqual(kinds, ['style:cancelled', 'style:done', 'style:done', 'stylize:done']);
    assert.deepEqual(state.unreadableRuns ?? [], []);
  } finally {
    await host.dispose();
  }
});
