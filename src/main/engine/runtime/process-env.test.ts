import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { engineProcessEnv, hasEngineEnv } from './process-env';

test('the engine environment adds glibc huge pages on Linux, keeps other tunables and a person\'s own choice', () => {
  assert.equal(engineProcessEnv({}, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
  assert.equal(engineProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
  assert.equal(engineProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=0');
  assert.equal(engineProcessEnv({ FEATURESCOPE_HUGE_PAGES: '0' }, 'linux').GLIBC_TUNABLES, undefined);
  assert.equal(engineProcessEnv({}, 'darwin').GLIBC_TUNABLES, undefined);
  assert.equal(engineProcessEnv({}, 'win32').GLIBC_TUNABLES, undefined);
  const base = { PATH: '/bin' };
  engineProcessEnv(base, 'linux');
  assert.deepEqual(base, { PATH: '/bin' }, 'the base is not changed');
  assert.equal(hasEngineEnv({}, 'linux'), false);
  assert.equal(hasEngineEnv(engineProcessEnv({}, 'linux'), 'linux'), true);
  assert.equal(hasEngineEnv({}, 'darwin'), true);
});

test('a process started with it gets huge pages for malloc (Linux with THP in madvise or always mode)', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  // malloc 64 MiB, touch it, and read AnonHugePages of the process: non-zero only when glibc madvised it
  const probe = `const b = Buffer.allocUnsafeSlow(64 << 20); b.fill(1); const m = require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8').match(/AnonHugePages:\\s+(\\d+)/); console.log(m ? m[1] : 'none');`;
  const thp = (() => { try { return require('node:fs').readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8') as string; } catch { return ''; } })();
  if (!/\[(madvise|always)\]/.test(thp)) return; // THP off on this machine: nothing to see
  const run = (env: NodeJS.ProcessEnv) => Number(spawnSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' }).stdout.trim());
  const withIt = run(engineProcessEnv({ ...process.env, GLIBC_TUNABLES: '' }, 'linux'));
  assert.ok(withIt >= 32 * 1024, `AnonHugePages ${withIt} kB with the engine environment`);
  if (/\[madvise\]/.test(thp)) assert.ok(run({ ...process.env, GLIBC_TUNABLES: '' }) < withIt, 'without it, malloc memory is not huge-paged (THP madvise mode)');
});
