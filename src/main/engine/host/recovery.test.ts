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
