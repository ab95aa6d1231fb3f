// Adversarial examples through the engine host (in-process Host, real store, the real engine worker,
// onnxruntime on BVLC GoogLeNet): the acceptance — dog.jpg (golden retriever) → "tench" within 20
// PGD steps at ε = 2, and the PNG it wrote, decoded and classified again (as a new photo, through the
// app's classify), is still a tench; bad settings refused with their names before anything is queued;
// the run and its images saved, exported, continued in 8-bit space, and there after reopening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Args, JobInfo, RunOf } from '../../../shared/contract';
import { readPngText } from '../image/image';
import { ADVERSARIAL_TEXT_KEY } from './images';
import { inProcessHost } from '../host/testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const vgg = path.join(shared, 'models/vgg19_to_block3.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const labels = path.join(shared, 'models/labels/imagenet_synset_words.txt');
const missing = [googlenet, vgg, dog, labels].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;
if (missing) console.log(`# skipping adversarial host test: ${missing} is absent`);

test('adversarial via the host: refusals, dog → tench at ε 2, the PNG still a tench, export, 8-bit continue, reopen', { skip, timeout: 300_000 }, async () => {
  const { host, dir: tmp, events, call, doneOf: jobDone } = await inProcessHost('fs-adv-host-');
  try {
    const file = path.join(tmp, 'adv.featurescope');
    await call('project:create', { path: file });
    const model = await call('model:add', { source: { kind: 'path', path: googlenet } });
    await call('model:setLabels', { modelId: model.id, source: { kind: 'path', path: labels } });
    const features = await call('model:add', { source: { kind: 'path', path: vgg } });
    const photo = await call('photo:add', { source: { kind: 'path', path: dog } });
    const start = (settings: Record<string, unknown>, o: { modelId?: string; photoId?: string; fromRunId?: string } = {}) =>
      call('job:start', { kind: 'adversarial', modelId: o.modelId ?? model.id, photoId: o.photoId ?? photo.id, settings, ...(o.fromRunId ? { fromRunId: o.fromRunId } : {}) } as Args<'job:start'>);

    // bad input: refused with the setting's name, before anything is queued
    await assert.rejects(start({ target: 'tnch' }), /bad adversarial setting target: no class is named "tnch" in the labels of bvlc_googlenet\.onnx/);
    await assert.rejects(start({ target: 'tench', eps: 0 }), /bad adversarial setting eps: ε must be greater than 0/);
    await assert.rejects(start({ target: 'tench', eps: -1 }), /bad adversarial setting eps: ε must be greater than 0/);
    await assert.rejects(start({ target: 1000 }), /bad adversarial setting target: class 1000 is out of range: bvlc_googlenet\.onnx has 1000 classes \(0–999\)/);
    await assert.rejects(start({ target: 'tench', method: 'fool', minEps: true }), /bad adversarial setting minEps/);
    await assert.rejects(start({ target: 0 }, { modelId: features.id }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'not-classifier');
      assert.match(e.message, /vgg19_to_block3\.onnx has no class outputs \(no classifier output of shape \[N, classes\]\)/);
      return true;
    });
    await assert.rejects(start({ target: 0 }, { photoId: 'no-such-photo' }), /No photo with id "no-such-photo"/);
    assert.equal((await call('job:list', {})).length, 0, 'nothing was queued');

    // the acceptance: golden retriever → tench within 20 steps at ε ≤ 2
    const job: JobInfo = await start({ target: 'tench', method: 'pgd', eps: 2, stepSize: 0.5, steps: 20 });
    const done = await jobDone(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.equal(done.run?.kind, 'adversarial');
    const run = done.run as RunOf<'adversarial'>;
    const r = run.result;
    assert.deepEqual({ index: r.original.index, label: r.original.label }, { index: 207, label: 'golden retriever' });
    assert.deepEqual(r.target, { kind: 'class', index: 0, label: 'tench' });
    assert.equal(run.settings.adversarial.target, 0, 'the name is stored resolved');
    assert.equal(r.fooled, true);
    assert.equal(r.top5After[0]!.index, 0);
    assert.ok(r.fooledAtStep !== undefined && r.fooledAtStep <= 20, `fooled at step ${r.fooledAtStep}`);
    assert.ok(r.epsUsed <= 2 && r.linf <= 2 + 1e-4, `ε ${r.epsUsed}, L∞ ${r.linf}`);
    assert.equal(r.stepsDone, 20);
    assert.equal(r.curve.length, 21);
    assert.ok(r.curve[0]!.original > 0.9 && r.curve[0]!.target < 0.01, 'the start is a confident golden retriever');
    assert.equal(r.eightBit.fooled, true, 'the 8-bit PNG still fools the model');
    assert.equal(r.eightBit.top5[0]!.index, 0);
    assert.ok(r.eightBit.linf <= 2);
    assert.deepEqual(run.artifacts.map((a) => a.name).sort(), ['adversarial.png', 'difference.png', 'original.png']);
    assert.equal(run.provider, (await call('engine:status', {})).active);
    console.log(`# dog → tench: fooled at step ${r.fooledAtStep}, kept step ${r.keptStep}, ε ${r.epsUsed}, L∞ ${r.linf}, L2 ${r.l2.toFixed(1)}, tench ${(100 * r.top5After[0]!.probability).toFixed(1)}% (8-bit PNG: ${(100 * r.eightBit.targetProbability).toFixed(1)}%), ${r.timings.msPerStep.toFixed(0)} ms/step, compile ${r.timings.compileMs.toFixed(0)} ms`);

    // the exported file carries its settings, and classified again as a photo of its own it is a tench
    const png = await call('adversarial:export', { runId: run.id });
    assert.equal(png.mime, 'image/png');
    assert.equal(png.fileName, 'dog-adversarial-tench.png');
    const bytes = Buffer.from(png.base64, 'base64');
    const record = JSON.parse(readPngText(bytes)[ADVERSARIAL_TEXT_KEY]!) as { settings: { target: number; eps: number }; epsUsed: number };
    assert.equal(record.settings.target, 0);
    assert.equal(record.epsUsed, 2);
    const written = path.join(tmp, png.fileName);
    fs.writeFileSync(written, bytes);
    const again = await call('photo:add', { source: { kind: 'path', path: written } });
    assert.deepEqual([again.width, again.height], [224, 224]);
    const classified = await call('run:classify', { modelId: model.id, photoId: again.id, top: 5 });
    assert.equal(classified.result.top[0]!.label, 'tench', JSON.stringify(classified.result.top));
    const diff = await call('adversarial:export', { runId: run.id, image: 'difference' });
    assert.equal(diff.fileName, 'dog-difference.png');

    // continue in 8-bit space from that result: the model sees whole levels, so the check agrees exactly
    const cont = await start({ target: 0, eps: 2, stepSize: 1, steps: 3, space: '8bit' }, { fromRunId: run.id });
    const contDone = await jobDone(cont.id);
    assert.equal(contDone.job.state, 'done', contDone.job.error);
    const run8 = contDone.run as RunOf<'adversarial'>;
    assert.equal(run8.settings.fromRunId, run.id);
    assert.equal(run.result.timings.reused, false, 'the first job compiled the direction·logits gradient');
    assert.equal(run8.result.timings.reused, true, 'another job of the model at this size compiles nothing');
    assert.equal(run8.result.curve[0]!.top1, 0, 'it starts from the earlier result, already a tench');
    assert.equal(run8.result.eightBit.fooled, run8.result.fooled);
    assert.equal(run8.result.eightBit.linf, run8.result.linf);
    assert.ok(run8.result.linf <= 2, 'the budget stays around the original photo');

    await call('project:close', {});
    const reopened = await call('project:open', { path: file });
    const saved = reopened.runs.filter((x) => x.kind === 'adversarial');
    assert.equal(saved.length, 2);
    const first = saved.find((x) => x.id === run.id) as RunOf<'adversarial'>;
    assert.deepEqual(first.settings, run.settings);
    assert.equal(first.result.eightBit.fooled, true);

    // a class name needs class names
    await call('model:setLabels', { modelId: model.id, source: null });
    await assert.rejects(start({ target: 'tench' }), /"tench" is a class name, but bvlc_googlenet\.onnx has no class names loaded/);
  } finally {
    await host.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
