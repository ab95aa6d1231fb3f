// Crash recovery in browser mode, end to end: the real bridge, engine host (onnxruntime, SQLite) and
// Debian Chromium. A long dream and a long integrated-gradients run are started from the UI (the IG waits
// in the queue), the engine is killed with SIGKILL by its PID (the bridge's child): the UI says so within
// seconds and no job card says "running"; the bridge restarts the engine, which reopens the project; both
// runs show as interrupted, the dream with its last frame. Then the bridge itself is SIGKILLed and started
// again: opening its new URL shows the project (reopened by the new engine) with the interrupted runs.
// Resume finishes both into their own rows. The file passes PRAGMA integrity_check, and every acknowledged
// write is there once: 1 model, 1 photo, 2 runs (the same ids the jobs started with), nothing unfinished.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { positionOf } from '../src/main/engine/jobs/position';
import { artifactsDir, assertBuilt, browserSkipReason, CHROMIUM_ARGS, chromiumPath, repoRoot, shared, sharedDir } from './helpers';

const skip = browserSkipReason();
// SqueezeNet (5 MB) rather than GoogLeNet: its upload, inspection and gradient compiles are what this test
// waits for most, before and after each crash
const squeezenet = join(sharedDir, 'models/squeezenet1.1.onnx');

/** `node out/main/bridge.js` as a child we can SIGKILL (helpers.serve hides its process). */
async function startBridge(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(repoRoot, 'out/main/bridge.js'), '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, FEATURESCOPE_DATA_DIR: dataDir, FEATURESCOPE_NO_DEFAULT_MODEL: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(d);
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`bridge printed no URL in 30 s: ${err}`)), 30_000);
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Featurescope: open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    proc.once('exit', (code) => rej(new Error(`bridge exited (${code}): ${err}`)));
  });
  return { proc, url };
}

/** The engine host the bridge forked: its only node child. */
function enginePid(bridgePid: number): number {
  const pids = execFileSync('pgrep', ['-P', String(bridgePid)], { encoding: 'utf8' }).trim().split('\n').map(Number).filter(Boolean);
  assert.equal(pids.length, 1, `one engine process under the bridge, found ${pids.join(', ')}`);
  return pids[0]!;
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('crash recovery in browser mode (bridge + engine host + Chromium)', { skip: skip ?? false }, () => {
  let browser: Browser;
  let page: Page;
  let work: string;
  let dataDir: string;
  const bridges: ChildProcess[] = [];
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `recovery-${name}.png`) });

  before(async () => {
    assertBuilt();
    work = mkdtempSync(join(tmpdir(), 'featurescope-e2e-recovery-'));
    dataDir = mkdtempSync(join(tmpdir(), 'featurescope-e2e-recovery-data-'));
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    for (const b of bridges) if (b.exitCode === null && b.signalCode === null) b.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('kill -9 the engine, then the bridge: interrupted runs with their last frame, Resume finishes them, nothing lost or doubled', { timeout: 300_000 }, async (t) => {
    const t0 = Date.now();
    const first = await startBridge(dataDir);
    bridges.push(first.proc);
    await page.goto(first.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Crash');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    const file = join(work, 'Crash.fscope');

    // a small photo keeps every step short; the dream is long by its step count
    const photo = join(work, 'small.png');
    await sharp(shared.dog).resize(224, 168, { fit: 'fill' }).png().toFile(photo);
    await byTest('add-model-input').setInputFiles(squeezenet);
    await byTest('model-view').waitFor();
    await byTest('add-photo-input').setInputFiles(photo);
    await page.locator('[data-photo="small.png"]').click();

    await byTest('tab-dream').click();
    await byTest('dream-octaves').fill('1');
    await byTest('dream-iterations').fill('150');
    await byTest('dream-seed').fill('3');
    await byTest('dream-start').click();
    await page.locator('[data-testid="job-item"][data-job-kind="dream"][data-job-state="running"]').waitFor();
    await byTest('tab-attribution').click();
    await byTest('attr-method').selectOption('ig');
    await byTest('attr-steps').fill('16');
    await byTest('attr-run').click();
    await page.locator('[data-testid="job-item"][data-job-kind="attribution"]').waitFor();

    // both rows exist from the start; the dream's first preview frame is checkpointed at once (later ones
    // at most every 3 s): kill as soon as it is in the file, so a fast machine cannot finish the dream first
    const db = new Database(file, { fileMustExist: true });
    const rows = () => db.prepare('SELECT id, kind, status, result FROM runs ORDER BY created_at').all() as { id: string; kind: string; status: string; result: string }[];
    const frames = (id: string) => (db.prepare("SELECT COUNT(*) AS n FROM artifacts WHERE run_id = ? AND name = 'checkpoint'").get(id) as { n: number }).n;
    let started: { id: string; kind: string; status: string }[] = [];
    const until = async (what: string, pred: () => boolean, ms = 60_000) => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // the IG waits behind the dream (heavy jobs run one at a time): its row says 'queued' until it starts
    await until('the dream\'s row running and the IG\'s queued', () => (started = rows()).length === 2
      && started.find((r) => r.kind === 'dream')?.status === 'running' && started.find((r) => r.kind === 'attribution')?.status === 'queued');
    const dreamId = started.find((r) => r.kind === 'dream')!.id;
    const igId = started.find((r) => r.kind === 'attribution')!.id;
    await until('a checkpointed dream frame', () => frames(dreamId) === 1);
    // the full-size checkpoint says where in its schedule the dream was: Resume runs only the steps left
    const checkpoint = () => (db.prepare("SELECT bytes FROM artifacts WHERE run_id = ? AND name = 'checkpoint'").get(dreamId) as { bytes: Buffer } | undefined)?.bytes;
    let at: ReturnType<typeof positionOf>;
    await until('a checkpoint with its position', () => { const b = checkpoint(); return (at = b ? positionOf(b, ['octave', 'iteration', 'seed']) : undefined) !== undefined; }, 20_000);
    assert.ok(at);
    assert.equal(at.octave, 0);
    assert.equal(at.seed, 3);
    assert.ok(at.iteration >= 1 && at.iteration < 150, `taken after step ${at.iteration} of 150`);
    assert.equal(rows().find((r) => r.id === dreamId)!.status, 'running');
    await shot('01-running');

    // 1. kill -9 the engine
    const engine = enginePid(first.proc.pid!);
    t.diagnostic(`killing the engine ${Date.now() - t0} ms into the test`);
    const killedAt = Date.now();
    process.kill(engine, 'SIGKILL');
    await byTest('engine-down').waitFor({ timeout: 10_000 });
    const noticeMs = Date.now() - killedAt;
    t.diagnostic(`the UI said the engine stopped ${noticeMs} ms after SIGKILL`);
    assert.ok(noticeMs < 5000, `noticed within seconds (${noticeMs} ms)`);
    assert.equal(await page.locator('[data-testid="job-item"][data-job-state="running"]').count(), 0, 'no job card says running');
    await shot('02-engine-down');
    // the bridge restarted the engine, which reopened the project: both runs are interrupted, the dream with its frame
    await byTest('engine-down').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator(`[data-testid="unfinished-run"][data-run-id="${dreamId}"][data-run-status="interrupted"]`).waitFor();
    await page.locator(`[data-testid="unfinished-run"][data-run-id="${igId}"][data-run-status="interrupted"]`).waitFor();
    await byTest(`unfinished-frame-${dreamId}`).waitFor();
    await shot('03-interrupted');

    // 2. kill -9 the bridge (its engine goes with it) and start it again on the same app-data folder
    const second = enginePid(first.proc.pid!);
    process.kill(first.proc.pid!, 'SIGKILL');
    await until('the orphaned engine to stop', () => !alive(second), 20_000);
    await byTest('engine-down').waitFor({ timeout: 10_000 });
    const restarted = await startBridge(dataDir);
    bridges.push(restarted.proc);
    await page.goto(restarted.url);
    await byTest('project-screen').waitFor();
    assert.equal(await byTest('start-screen').count(), 0, 'the new engine reopened the project');
    const dreamItem = page.locator(`[data-testid="unfinished-run"][data-run-id="${dreamId}"][data-run-status="interrupted"]`);
    await dreamItem.waitFor();
    await page.locator(`[data-testid="unfinished-run"][data-run-id="${igId}"][data-run-status="interrupted"]`).waitFor();
    await byTest(`unfinished-frame-${dreamId}`).waitFor();
    await shot('04-reopened-after-bridge-crash');

    // 3. Resume both: each finishes into its own row
    t.diagnostic(`both crashes recovered ${Date.now() - t0} ms into the test`);
    await byTest(`unfinished-resume-${dreamId}`).click();
    await byTest(`unfinished-resume-${igId}`).click();
    await until('both runs done', () => rows().filter((r) => r.status === 'done').length === 2, 120_000);
    await byTest('unfinished-runs').waitFor({ state: 'detached' });
    await shot('05-resumed-done');

    const final = rows();
    assert.deepEqual(final.map((r) => [r.id, r.kind, r.status]).sort(), [[dreamId, 'dream', 'done'], [igId, 'attribution', 'done']].sort(), 'the same two runs, finished, nothing doubled');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM models').get() as { n: number }).n, 1);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n, 1);
    assert.equal(frames(dreamId), 0, 'the checkpoint frame gave way to the result');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    t.diagnostic(`whole crash test: ${Date.now() - t0} ms`);
  });
});
