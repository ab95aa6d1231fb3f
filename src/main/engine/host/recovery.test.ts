// Crash recovery and two engines on one project, through the engine host (in-process Hosts, real project
// file, real worker threads, real onnxruntime with SqueezeNet): a row left 'running' by a dead engine is
// interrupted when the project is opened and run:resume finishes it into the same run; a write sent twice
// with one request id is applied once; a second engine on the same file hears the first one's writes
// (project:changed from PRAGMA data_version) and its delete refuses the runs it has not seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProjectState } from '../../../shared/contract';
import sharp from 'sharp';
import { ProjectStore } from '../../store/project';
import { inProcessHost } from './testing/in-process-host';

const shared = path.resolve(__dirname, '../../../../../shared');
const squeezenet = path.join(shared, 'models/squeezenet1.1.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const cat = path.join(shared, 'images/content/cat.jpg');
const missing = [squeezenet, dog, cat].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : false;
if (missing) console.log(`# skipping host recovery test: ${missing} is absent`);

test('interrupted on open, resumed into the same run; a write applied once per request id; a second engine hears writes and refuses unseen deletes', { skip, timeout: 180_000 }, async () => {
  const a = await inProcessHost('fs-recovery-host-');
  const b = await inProcessHost('fs-recovery-host-b-');
  try {
    const file = path.join(a.dir, 'r.fscope');
    await a.call('project:create', { path: file });
    const model = await a.call('model:add', { source: { kind: 'path', path: squeezenet } });
    const photo = await a.call('photo:add', { source: { kind: 'path', path: dog } });
    await a.call('project:close', {});

    // an engine that died mid-job left this row (its pid is gone)
    const crashed = ProjectStore.open(file);
    const spec = { kind: 'attribution', modelId: model.id, photoId: photo.id, settings: { method: 'saliency' } };
    const runId = crashed.beginRun(spec, { engine: 'e_dead', pid: 999_999_999, hostname: os.hostname() }, 'cpu', 'Saliency on dog.jpg');
    crashed.close();

    const opened = await a.call('project:open', { path: file });
    assert.deepEqual(opened.unfinishedRuns?.map((r) => [r.id, r.status, r.checkpoint.title]), [[runId, 'interrupted', 'Saliency on dog.jpg']]);
    const job = await a.call('run:resume', { runId });
    assert.equal(job.runId, runId);
    const done = await a.doneOf(job.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.equal(done.run?.id, runId, 'finished into the same run');
    const after = await a.call('project:state', {});
    assert.equal(after?.unfinishedRuns, undefined);
    assert.deepEqual(after?.runs.map((r) => [r.id, r.kind, r.status]), [[runId, 'attribution', 'done']]);

    // the same write twice (a retry after a lost answer): one photo, the same answer
    const first = await a.host.handle('photo:add', { source: { kind: 'path', path: cat } }, 'rid-cat');
    const again = await a.host.handle('photo:add', { source: { kind: 'path', path: cat } }, 'rid-cat');
    assert.deepEqual(again, first);
    assert.equal((await a.call('project:state', {}))!.photos.length, 2);

    // a second engine on the same file
    const seenByB = await b.call('project:open', { path: file });
    const changes = () => b.events.filter((e) => e.event === 'project:changed').length;
    const before = changes();
    const classified = await a.call('run:classify', { modelId: model.id, photoId: photo.id, top: 1 });
    const heard = await b.until(() => (changes() > before ? (b.events.filter((e) => e.event === 'project:changed').at(-1)!.payload as ProjectState) : undefined));
    assert.ok(heard.runs.some((r) => r.id === classified.id), 'B heard A\'s new run');
    await assert.rejects(
      b.call('photo:remove', { photoId: photo.id, seenRunIds: seenByB.runs.filter((r) => r.photoId === photo.id).map((r) => r.id) }),
      (e: Error & { code?: string }) => e.code === 'unseen-runs' && /dog\.jpg was not deleted: it has 1 run .*\(classify\)/.test(e.message),
    );
    await b.call('photo:remove', { photoId: photo.id, seenRunIds: heard.runs.filter((r) => r.photoId === photo.id).map((r) => r.id) });
    assert.equal((await a.call('project:state', {}))!.photos.length, 1);
  } finally {
    await b.host.dispose();
    await a.host.dispose();
  }
});

// A stylize sweep keeps each finished photo in its row as it goes: an engine that stops mid-sweep leaves
// the row interrupted with those photos, and Resume does only the rest — into the same run, in order.
const candy = path.join(shared, 'models/style/candy.onnx');
const sweepPhotos = ['city.jpg', 'dog.jpg', 'cat.jpg'].map((f) => path.join(shared, 'images/content', f));
const sweepMissing = [candy, ...sweepPhotos].find((f) => !fs.existsSync(f));
if (sweepMissing) console.log(`# skipping the stylize sweep recovery test: ${sweepMissing} is absent`);

test('a stylize sweep interrupted after its first photo resumes without redoing it', { skip: sweepMissing ? `needs ../shared (missing ${sweepMissing})` : false, timeout: 180_000 }, async () => {
  const a = await inProcessHost('fs-recovery-sweep-');
  let b: Awaited<ReturnType<typeof inProcessHost>> | undefined;
  try {
    const file = path.join(a.dir, 's.fscope');
    await a.call('project:create', { path: file });
    const model = await a.call('model:add', { source: { kind: 'path', path: candy } });
    const photos: { id: string; name: string }[] = [];
    for (const p of sweepPhotos) photos.push(await a.call('photo:add', { source: { kind: 'path', path: p } }));
    const job = await a.call('job:start', { kind: 'stylize', modelId: model.id, photoIds: photos.map((p) => p.id), settings: { size: 192, overlap: 32 } });
    // watch the row from a second connection; stop the engine once the first photo is kept in it (candy takes
    // a fixed 720² input: each photo is one padded tile, with a checkpoint before it; the pause is sent while
    // the second photo's tile runs, so it lands before the third's, however fast the machine)
    const watcher = ProjectStore.open(file);
    let kept: { name: string; bytes: Uint8Array } | undefined;
    try {
      for (let t = 0; t < 3000 && !kept; t++) {
        const a0 = watcher.state().unfinishedRuns?.find((r) => r.id === job.runId)?.artifacts.find((x) => x.name.startsWith('item/'));
        if (a0) kept = { name: a0.name, bytes: watcher.artifact(a0.id).bytes };
        else await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      watcher.close();
    }
    assert.ok(kept, 'the first finished photo is kept in the running row');
    // engine A stops working on it (paused between tiles: terminating a worker inside onnxruntime's run
    // aborts this test process), and engine B opens the file: A counts as gone (an earlier engine in this
    // very process), so B finds the row interrupted — what a crashed engine leaves
    await a.call('job:pause', { jobId: job.id });
    await new Promise((r) => setTimeout(r, 1500));

    b = await inProcessHost('fs-recovery-sweep-b-');
    const opened = await b.call('project:open', { path: file });
    const row = opened.unfinishedRuns?.find((r) => r.id === job.runId);
    assert.equal(row?.status, 'interrupted');
    const keptNames = row!.artifacts.filter((x) => x.name.startsWith('item/')).map((x) => x.name);
    assert.ok(keptNames.length >= 1 && keptNames.length < photos.length, `kept ${keptNames.join(', ')} of ${photos.length}`);
    const again = await b.call('run:resume', { runId: job.runId! });
    assert.match(again.title, new RegExp(`resumed: ${keptNames.length} finished items? kept`));
    const done = await b.doneOf(again.id);
    assert.equal(done.job.state, 'done', done.job.error);
    assert.equal(done.run?.id, job.runId, 'finished into the same run');
    const run = done.run!;
    assert.equal(run.kind, 'stylize');
    const items = run.kind === 'stylize' ? run.result.items : [];
    assert.deepEqual(items.map((it) => it.photoId), photos.map((p) => p.id), 'every photo, in order');
    assert.deepEqual(run.artifacts.map((x) => x.name), ['stylized-000.png', 'stylized-001.png', 'stylized-002.png']);
    // the resumed job never ran the kept photos (its tile messages name only the others)
    const messages = b.events.filter((e) => e.event === 'job:update' && (e.payload as { id: string }).id === again.id).map((e) => (e.payload as { message?: string }).message ?? '');
    const keptPhotoNames = keptNames.map((n) => photos[Number(n.slice('item/'.length))]!.name);
    assert.ok(messages.some((m) => /: tile /.test(m)), 'it did stylize the rest');
    for (const name of keptPhotoNames) assert.ok(!messages.some((m) => m.startsWith(`${name}: tile`)), `${name} was not stylized again`);
    // and the kept photo is stored exactly as it was finished before the stop
    const k0 = Number(kept!.name.slice('item/'.length));
    const [before, after] = await Promise.all([
      sharp(kept!.bytes).raw().toBuffer(),
      b.call('artifact:get', { artifactId: run.artifacts[k0]!.id }).then((x) => sharp(Buffer.from((x as { base64: string }).base64, 'base64')).raw().toBuffer()),
    ]);
    assert.ok(before.equals(after), 'the kept photo\'s pixels, unchanged');
    a.call('job:cancel', { jobId: job.id });
    await a.doneOf(job.id);
  } finally {
    await b?.host.dispose();
    await a.host.dispose();
  }
});
