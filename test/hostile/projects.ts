// Hostile project files through project:open: each is refused with its own code and words, without
// blocking (FIFO, /dev/zero), without side files, without joining Recent, and the open project stays open.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { HostileCase, HostileEnv } from './case';

const open = (env: HostileEnv, path: string) => env.call('project:open', { path });

/** nothing was created beside the file, it is not in Recent, and the project opened before is still the open one */
function untouched(file: () => (env: HostileEnv) => string) {
  return async (env: HostileEnv) => {
    const f = file()(env);
    for (const side of ['-wal', '-shm', '-journal']) assert.ok(!fs.existsSync(f + side), `${f}${side} was created`);
    const recent = await env.call('project:recent', {});
    assert.ok(!recent.some((r) => r.path === f), `${f} went into Recent`);
    const state = await env.call('project:state', {});
    assert.equal(state?.path, env.projectFile, 'the project open before is still open');
  };
}
const refuse = (name: string, pick: (env: HostileEnv) => string, code: string, message: RegExp): HostileCase => ({
  name, kind: 'project', run: (env) => open(env, pick(env)), error: { code, message }, after: untouched(() => pick),
});

export const PROJECT_CASES: HostileCase[] = [
  refuse('a FIFO named .fscope', (e) => e.corpus.projects.fifo, 'not-regular-file', /pipe\.fscope is a named pipe \(FIFO\), not a regular file/),
  refuse('/dev/zero', (e) => e.corpus.projects.devZero, 'not-regular-file', /\/dev\/zero is a character device, not a regular file/),
  refuse('a folder named .fscope', (e) => e.corpus.projects.folder, 'is-directory', /folder\.fscope is a folder/),
  refuse('a 0-byte file', (e) => e.corpus.projects.empty, 'empty', /empty\.fscope is empty \(0 bytes\), not a project/),
  refuse('a text file named .fscope', (e) => e.corpus.projects.text, 'not-sqlite', /notes\.fscope is not a Featurescope project \(not an SQLite database\)/),
  refuse('a damaged project (pages overwritten)', (e) => e.corpus.projects.damaged, 'damaged', /damaged\.fscope is damaged and was not opened\. SQLite's integrity check says: \*\*\* in database main \*\*\*; Tree \d+ page \d+/),
  refuse('a damaged 24 MB project (checked read-only, not copied)', (e) => e.corpus.projects.damagedBig, 'damaged', /damaged-24mb\.fscope is damaged and was not opened\. SQLite's integrity check says: \*\*\* in database main \*\*\*; Tree \d+ page \d+/),
  refuse("another program's SQLite database in WAL mode", (e) => e.corpus.projects.otherProgram, 'not-a-project', /other\.fscope is an SQLite database but not a Featurescope project/),
  refuse('a project from a newer Featurescope', (e) => e.corpus.projects.newer, 'newer-version', /newer\.fscope was saved by a newer Featurescope \(project format 999/),
  {
    name: 'a good project opens (and the open project is put back)', kind: 'project',
    run: async (env) => { const s = await open(env, env.corpus.projects.good); await open(env, env.projectFile); return s; },
    ok: (v) => assert.ok((v as { path: string }).path.endsWith('good.fscope')),
  },
];
