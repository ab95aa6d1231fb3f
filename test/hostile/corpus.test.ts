// The hostile-input corpus through the real engine host (its worker thread is real): every case's error
// code and words, no hang (each case has a deadline and the engine must still answer afterwards), and the
// peak memory of the process during each case, printed as a table and bounded. The files come from
// scripts/build-hostile-corpus.ts, built into a temp folder here. Tables: models.ts, photos.ts,
// projects.ts, frames.ts (WebSocket frames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildHostileCorpus, GOOGLENET } from '../../scripts/build-hostile-corpus';
import { inProcessHost } from '../../src/main/engine/host/testing/in-process-host';
import { errorCode } from '../../src/shared/errors';
import type { HostileCase, HostileEnv } from './case';
import { MODEL_CASES } from './models';
import { PHOTO_CASES } from './photos';
import { PROJECT_CASES } from './projects';
import { FRAME_CASES } from './frames';

/** A case that has not answered by then is a hang. */
const DEADLINE_MS = 30_000;
const DEFAULT_MAX_PEAK_MIB = 1536;

/**
 * Peak resident memory since the last reset, in MiB. On Linux writing 5 to clear_refs resets the
 * process's high-water mark (VmHWM), so each case gets its own peak; the worker thread is in this process.
 */
const peak = {
  reset(): boolean {
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5');
      return true;
    } catch {
      return false;
    }
  },
  mib(): number {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (m) return Number(m[1]) / 1024;
    } catch { /* not Linux: the process's lifetime peak below */ }
    return process.resourceUsage().maxRSS / 1024;
  },
};

function deadline<T>(p: Promise<T>, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error(`${name}: no answer within ${DEADLINE_MS / 1000} s (a hang)`), { code: 'hang' })), DEADLINE_MS); })])
    .finally(() => clearTimeout(timer));
}

test('hostile-input corpus through the engine host', { timeout: 240_000 }, async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-hostile-'));
  const t0 = performance.now();
  const corpus = await buildHostileCorpus(path.join(tmp, 'corpus'));
  const buildMs = performance.now() - t0;
  const h = await inProcessHost('fs-hostile-host-');
  const rows: { name: string; outcome: string; peakMiB: number; ms: number }[] = [];
  try {
    const projectFile = path.join(h.dir, 'hostile.fscope');
    await h.call('project:create', { path: projectFile });
    const env: HostileEnv = {
      corpus, projectFile, ids: new Map(),
      call: h.call,
      job: async (start) => h.doneOf((await start).id),
    };
    const haveGooglenet = fs.existsSync(GOOGLENET);
    if (haveGooglenet) env.ids.set('googlenet', (await h.call('model:add', { source: { kind: 'path', path: GOOGLENET } })).id);
    const resets = peak.reset();
    const cases: HostileCase[] = [...PROJECT_CASES, ...PHOTO_CASES, ...MODEL_CASES, ...FRAME_CASES];
    for (const c of cases) {
      await t.test(`${c.kind}: ${c.name}`, { skip: c.needsGooglenet && !haveGooglenet ? `${GOOGLENET} absent (../shared not checked out)` : false }, async () => {
        peak.reset();
        const start = performance.now();
        let value: unknown, error: unknown;
        try {
          value = await deadline(c.run(env), c.name);
        } catch (e) {
          error = e;
        }
        const ms = performance.now() - start;
        const peakMiB = peak.mib();
        rows.push({ name: `${c.kind}: ${c.name}`, outcome: error ? `${errorCode(error)}: ${(error as Error).message}` : 'ok', peakMiB, ms });
        if (c.error) {
          assert.ok(error, `expected ${c.error.code}, but it succeeded`);
          assert.equal(errorCode(error), c.error.code, (error as Error).message);
          assert.match((error as Error).message, c.error.message);
        } else {
          if (error) throw error;
          c.ok?.(value, env);
        }
        await c.after?.(env);
        // no hang: the engine still answers
        assert.equal((await deadline(h.call('project:state', {}), 'project:state after the case'))?.path, projectFile);
        const bound = c.maxPeakMiB ?? DEFAULT_MAX_PEAK_MIB;
        if (resets) assert.ok(peakMiB <= bound, `peak memory ${peakMiB.toFixed(0)} MiB > ${bound} MiB`);
      });
    }
  } finally {
    await h.host.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(h.dir, { recursive: true, force: true });
    const w = Math.max(...rows.map((r) => r.name.length));
    console.log(`\nhostile corpus: ${rows.length} cases, corpus built in ${(buildMs / 1000).toFixed(1)} s; peak RSS of this process during each case${peak.reset() ? '' : ' (lifetime peak: no per-case reset on this OS)'}`);
    for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.peakMiB.toFixed(0).padStart(5)} MiB  ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${r.outcome.slice(0, 140)}`);
    const worst = rows.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a), rows[0] ?? { name: '-', peakMiB: 0, outcome: '', ms: 0 });
    console.log(`worst case: ${worst.name} at ${worst.peakMiB.toFixed(0)} MiB`);
  }
});
