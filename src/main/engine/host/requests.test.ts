// Client request ids: a write sent twice with the same id is applied once — while the first is still
// running, after it answered, and after the engine restarted (the answer is kept in the project file).
// Reads and writes without an id are not remembered; a failed write may be tried again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProjectStore } from '../../store/project';
import { RequestLog } from './requests';

test('a write is applied once per request id, across a restart of the engine; reads and failures are not remembered', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-rid-')), 'r.fscope');
  const store = ProjectStore.create(file);
  let applied = 0;
  const write = () => new Promise<{ n: number }>((r) => setTimeout(() => r({ n: ++applied }), 20));
  const log = new RequestLog();
  const [a, b] = await Promise.all([log.once(() => store, 'photo:add', 'rid-1', write), log.once(() => store, 'photo:add', 'rid-1', write)]);
  assert.deepEqual([a, b, applied], [{ n: 1 }, { n: 1 }, 1], 'a repeat while the first runs waits for it');
  assert.deepEqual(await log.once(() => store, 'photo:add', 'rid-1', write), { n: 1 });
  await assert.rejects(log.once(() => store, 'model:add', 'rid-1', write), /already used for photo:add/);

  // the engine restarted: a new log, the project reopened from its file
  store.close();
  const reopened = ProjectStore.open(file);
  const after = new RequestLog();
  assert.deepEqual(await after.once(() => reopened, 'photo:add', 'rid-1', write), { n: 1 }, 'the first answer, from the project file');
  assert.equal(applied, 1);

  await after.once(() => reopened, 'project:state', 'rid-2', write);
  await after.once(() => reopened, 'project:state', 'rid-2', write);
  assert.equal(applied, 3, 'reads repeat');
  await assert.rejects(after.once(() => reopened, 'photo:remove', 'rid-3', () => Promise.reject(new Error('busy'))), /busy/);
  assert.deepEqual(await after.once(() => reopened, 'photo:remove', 'rid-3', write), { n: 4 }, 'a failed write may be tried again');
  reopened.close();
});
