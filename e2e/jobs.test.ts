// Pause, resume and cancel every long job from the UI, in browser mode, end to end: the real bridge, engine
// host (one job runtime, onnxruntime, SQLite) and Debian Chromium, with GoogLeNet and dog.jpg.
//   - Integrated Gradients, 256 steps (paused from the Jobs panel, cancelled from the Attribution tab);
//   - occlusion 16/4 on 224² (2,810 forward passes; paused from the tab, cancelled from the Jobs panel), and
//     while it runs a second attribution waits in the queue, is paused and cancelled there, and never runs;
//   - a dream (controlled from the Jobs panel; a cancelled dream keeps its last frame as a cancelled run).
// A paused job's progress must hold still, and must not jump on resume (a worker that kept computing while
// "paused" would show the batches it ran); a cancel must land within about one batch and save nothing
// (the dream's kept frame aside). Screenshots: e2e/artifacts/jobs-*.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactsDir, type BrowserApp, browserSkipReason, openBrowserApp, type Served, shared, applyPreset } from './helpers';

const skip = browserSkipReason();

/** What the page-side recorder saw of one job: each state and each progress value, with Date.now(). */
interface Seen {
  states: [string, number][];
  progress: [number, number][];
}

// A MutationObserver on the Jobs panel, as plain JS (a function compiled by tsx could carry helpers the
// page does not have). It sees every state and progress a job's list item shows, so a test can tell that a
// queued job never ran and when a cancel landed, and can measure batch times from real progress updates.
const RECORDER = `(() => {
  const seen = (window.__jobsSeen = {});
  const scan = () => {
    for (const li of document.querySelectorAll('[data-testid="job-item"]')) {
      const id = li.getAttribute('data-job-id');
      const rec = (seen[id] = seen[id] || { states: [], progress: [] });
      const now = Date.now();
      const state = li.getAttribute('data-job-state');
      if (rec.states.length === 0 || rec.states[rec.states.length - 1][0] !== state) rec.states.push([state, now]);
      const p = Number(li.getAttribute('data-progress'));
      if (rec.progress.length === 0 || rec.progress[rec.progress.length - 1][1] !== p) rec.progress.push([now, p]);
    }
  };
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-job-state', 'data-progress'] });
  scan();
})()`;

/** Batch timing from a running job's progress updates (each update is one batch, or a few when they are fast). */
interface Pace {
  /** progress per ms */
  rate: number;
  /** median progress added per update */
  step: number;
  /** median and longest ms between updates */
  medianMs: number;
  maxMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('pause, resume and cancel jobs in browser mode', { skip: skip ?? false }, () => {
  let app: BrowserApp;
  let server: Served;
  let page: Page;
  let work: string;
  const shot = (name: string) => page.screenshot({ path: join(artifactsDir, `jobs-${name}.png`) });
  const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
  const item = (jobId: string) => page.locator(`[data-testid="job-item"][data-job-id="${jobId}"]`);
  const seen = async (jobId: string): Promise<Seen> => ((await page.evaluate('window.__jobsSeen')) as Record<string, Seen>)[jobId] ?? { states: [], progress: [] };
  const progressOf = async (jobId: string) => Number(await item(jobId).getAttribute('data-progress'));
  /** how many runs the project holds (the History tab's count) */
  const runCount = async () => {
    const count = page.locator('[data-testid="tab-history"] .count');
    return (await count.count()) ? Number(await count.textContent()) : 0;
  };
  const waitState = (jobId: string, state: string, timeout?: number) =>
    page.locator(`[data-testid="job-item"][data-job-id="${jobId}"][data-job-state="${state}"]`).waitFor(timeout ? { timeout } : {});
  /** the id of the job whose live area (attr-live, dream-live) a tab shows */
  const liveJobId = async (testId: string) => {
    await byTest(testId).waitFor();
    const id = await byTest(testId).getAttribute('data-job-id');
    assert.ok(id, `${testId} names its job`);
    return id;
  };

  /**
   * Waits for `batches` progress updates after `since` and times them. A job's first two updates are left
   * out: its "computing…" message and its first batch, whose wait includes compiling the model's sessions.
   */
  async function pace(jobId: string, batches: number, since = 0): Promise<Pace> {
    await page.waitForFunction(
      ([id, n, after]) => {
        const rec = (window as unknown as { __jobsSeen: Record<string, Seen> }).__jobsSeen[id as string];
        return !!rec && rec.progress.filter((e) => e[1] > 0).slice(2).filter((e) => e[0] >= (after as number)).length >= (n as number);
      },
      [jobId, batches, since] as const,
      { timeout: 120_000, polling: 50 },
    );
    const pts = (await seen(jobId)).progress.filter((e) => e[1] > 0).slice(2).filter((e) => e[0] >= since);
    const gaps = pts.slice(1).map((e, i) => e[0] - pts[i]![0]);
    const steps = pts.slice(1).map((e, i) => e[1] - pts[i]![1]);
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    return { rate: (last[1] - first[1]) / (last[0] - first[0]), step: median(steps), medianMs: median(gaps), maxMs: Math.max(...gaps) };
  }

  /**
   * Pause with `pause`, see the job paused with its progress (value, bar width, text) held still for a
   * while, resume with `resume`, and check the first progress after resuming: only the batch that was in
   * flight and the one after it, not the batches a worker that ignored the pause would have run meanwhile.
   * `still` reads anything else that must hold still while paused (a dream's preview frame). A jump is
   * added to `failures` rather than thrown, so the test still goes on to time its cancel.
   */
  async function pauseAndResume(
    t: TestContext, jobId: string, p: Pace, failures: string[],
    o: { pause: string; resume: string; live: string; shotName: string; still?: () => Promise<unknown> },
  ): Promise<void> {
    await byTest(o.pause).click();
    await waitState(jobId, 'paused');
    await page.locator(`[data-testid="${o.live}"][data-job-state="paused"]`).waitFor();
    const bar = byTest(`job-progress-${jobId}`);
    const status = byTest(`job-status-${jobId}`);
    const held = { progress: await progressOf(jobId), width: await bar.getAttribute('style'), text: await status.textContent() };
    assert.match(held.text ?? '', /paused/);
    // a worker stops between batches: let the one in flight when Pause landed finish before reading `still`
    const settleMs = o.still ? p.maxMs + 200 : 0;
    await page.waitForTimeout(settleMs);
    const still = await o.still?.();
    // Long enough for a few batches. The runtime drops progress reports while a job is paused, so the bar
    // would hold still even if the worker ran on; its first report after Resume tells (checked below).
    const holdMs = Math.max(1200, 3 * p.medianMs);
    await page.waitForTimeout(holdMs);
    await shot(o.shotName);
    assert.deepEqual({ progress: await progressOf(jobId), width: await bar.getAttribute('style'), text: await status.textContent() }, held, 'a paused job does not advance');
    assert.equal(await item(jobId).getAttribute('data-job-state'), 'paused');
    if (o.still) assert.deepEqual(await o.still(), still, 'nothing changes while paused');

    const resumedAt = Date.now();
    await byTest(o.resume).click();
    await waitState(jobId, 'running');
    await page.locator(`[data-testid="${o.live}"][data-job-state="running"]`).waitFor();
    await page.waitForFunction(
      ([id, v]) => Number(document.querySelector(`[data-testid="job-item"][data-job-id="${id as string}"]`)?.getAttribute('data-progress')) > (v as number),
      [jobId, held.progress] as const,
      { timeout: 60_000, polling: 20 },
    );
    const next = (await seen(jobId)).progress.find((e) => e[0] >= resumedAt && e[1] > held.progress)!;
    const jump = next[1] - held.progress;
    // paused properly: the batch in flight when Pause landed (its report dropped) plus the ones run since Resume
    const allowed = p.rate * (next[0] - resumedAt) + 2 * p.step;
    const ranOn = p.rate * (settleMs + holdMs + next[0] - resumedAt);
    const pct = (f: number) => `${(f * 100).toFixed(2)}%`;
    t.diagnostic(`paused at ${pct(held.progress)} for ${settleMs + holdMs} ms; first progress after resume +${pct(jump)} after ${next[0] - resumedAt} ms (allowed +${pct(allowed)}; a worker that ran on while paused: ~+${pct(ranOn)})`);
    if (jump > allowed) failures.push(`progress jumped by ${pct(jump)} right after resume (at most ${pct(allowed)} expected): the job kept computing while paused`);
  }

  /** Cancel with `cancel` and return how long it took to land; the job must end cancelled within about one batch. */
  async function cancelWithinABatch(t: TestContext, jobId: string, p: Pace, cancel: string): Promise<number> {
    const clickedAt = Date.now();
    await byTest(cancel).click();
    await waitState(jobId, 'cancelled', 30_000);
    const landed = (await seen(jobId)).states.find((s) => s[0] === 'cancelled')![1];
    const ms = landed - clickedAt;
    // one batch, plus the trip from the click to the worker and back to the page (about 0.3 s here)
    const bound = p.maxMs + 1000;
    t.diagnostic(`cancel landed ${ms} ms after the click (batches: median ${p.medianMs} ms, longest ${p.maxMs} ms; bound ${bound} ms)`);
    assert.ok(ms <= bound, `cancel took ${ms} ms; one batch is at most ${p.maxMs} ms`);
    return ms;
  }

  before(async () => {
    app = await openBrowserApp({ workPrefix: 'featurescope-e2e-jobs-', timeoutMs: 120_000 });
    ({ server, page, work } = app);
    await page.goto(server.url);
    await byTest('start-screen').waitFor();
    await byTest('new-name').fill('Jobs');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    await page.evaluate(RECORDER);
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await byTest('model-view').waitFor();
    await applyPreset(page, 'caffe');
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"] img').waitFor();
    await page.locator('[data-photo="dog.jpg"]').click();
    await byTest('tab-attribution').click();
    await byTest('attribution-panel').waitFor();
  });

  // A test that failed half-way must not leave its job running: the next one would wait in the queue behind it.
  afterEach(async () => {
    const active = '[data-testid="job-item"]:is([data-job-state="running"], [data-job-state="paused"], [data-job-state="queued"])';
    for (const id of await page.locator(active).evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')))) {
      if (id) await byTest(`job-cancel-${id}`).click().catch(() => undefined);
    }
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 0, active, { timeout: 60_000 });
  });

  after(async () => {
    await app?.close();
  });

  test('Integrated Gradients, 256 steps: pause holds it, resume goes on, cancel lands within a batch and saves nothing', { timeout: 300_000 }, async (t) => {
    const failures: string[] = [];
    const runsBefore = await runCount();
    await byTest('attr-method').selectOption('ig');
    await byTest('attr-steps').fill('256');
    await byTest('attr-run').click();
    const id = await liveJobId('attr-live');
    await waitState(id, 'running');
    const p = await pace(id, 3);
    t.diagnostic(`IG: ${p.medianMs} ms per update (+${(p.step * 100).toFixed(1)}%)`);

    // paused and resumed from the Jobs panel; the tab's own area follows
    await pauseAndResume(t, id, p, failures, { pause: `job-pause-${id}`, resume: `job-resume-${id}`, live: 'attr-live', shotName: 'ig-paused' });

    // cancelled from the Attribution tab, mid-batch (a batch has just reported)
    const ms = await cancelWithinABatch(t, id, p, 'attr-cancel');
    await byTest('attr-live').waitFor({ state: 'detached' });
    assert.equal(await item(id).getAttribute('data-run-id'), null, 'a cancelled attribution saves no run');
    assert.equal(await runCount(), runsBefore);
    assert.equal(await page.locator('[data-testid="attr-run-item"][data-method="ig"]').count(), 0);
    // (whether its first 'queued' shows depends on how fast the engine starts it)
    assert.deepEqual((await seen(id)).states.map((s) => s[0]).filter((s, i) => !(i === 0 && s === 'queued')), ['running', 'paused', 'running', 'cancelled']);
    t.diagnostic(`IG cancel: ${ms} ms`);
    assert.deepEqual(failures, []);
  });

  test('occlusion 16/4: pause, resume, a second job queued behind it (paused and cancelled there, never run), cancel within a batch', { timeout: 300_000 }, async (t) => {
    const failures: string[] = [];
    const runsBefore = await runCount();
    await byTest('attr-method').selectOption('occlusion');
    await byTest('attr-window').fill('16');
    await byTest('attr-stride').fill('4');
    await byTest('attr-run').click();
    const id = await liveJobId('attr-live');
    await waitState(id, 'running');
    const p = await pace(id, 4);
    t.diagnostic(`occlusion: ${p.medianMs} ms per update (+${(p.step * 100).toFixed(2)}%)`);

    // paused and resumed from the Attribution tab; the Jobs panel follows
    await pauseAndResume(t, id, p, failures, { pause: 'attr-pause', resume: 'attr-resume', live: 'attr-live', shotName: 'occlusion-paused' });

    // a second heavy job while it runs: queued, saying what it waits for
    await byTest('attr-method').selectOption('saliency');
    await byTest('attr-run').click();
    // the tab's live area moves to the job it started last
    await page.locator(`[data-testid="attr-live"]:not([data-job-id="${id}"])`).waitFor();
    const queued = await liveJobId('attr-live');
    await waitState(queued, 'queued');
    assert.match((await byTest(`job-status-${queued}`).textContent()) ?? '', /waiting for "occlusion on dog\.jpg"/);
    assert.match((await byTest('attr-status').textContent()) ?? '', /waiting for/);
    assert.equal(await item(id).getAttribute('data-job-state'), 'running');
    await shot('queued');
    // a queued job can be paused (it keeps its place) and resumed back into the queue
    await byTest(`job-pause-${queued}`).click();
    await waitState(queued, 'paused');
    assert.match((await byTest(`job-status-${queued}`).textContent()) ?? '', /paused \(queued\)/);
    await byTest(`job-resume-${queued}`).click();
    await waitState(queued, 'queued');
    // cancelled in the queue: it ends at once, never having run
    await byTest(`job-cancel-${queued}`).click();
    await waitState(queued, 'cancelled', 5_000);
    await byTest('attr-live').waitFor({ state: 'detached' });

    // the first job is still running; cancel it from the Jobs panel
    assert.equal(await item(id).getAttribute('data-job-state'), 'running');
    const ms = await cancelWithinABatch(t, id, await pace(id, 3, Date.now()), `job-cancel-${id}`);
    // nothing starts after it: the queued job stays cancelled, never ran, and saved nothing
    await page.waitForTimeout(500);
    assert.deepEqual((await seen(queued)).states.map((s) => s[0]), ['queued', 'paused', 'queued', 'cancelled']);
    assert.equal(await progressOf(queued), 0);
    for (const j of [id, queued]) assert.equal(await item(j).getAttribute('data-run-id'), null, 'a cancelled attribution saves no run');
    assert.equal(await runCount(), runsBefore);
    assert.equal(await page.locator('[data-testid="attr-run-item"]').count(), 0);
    t.diagnostic(`occlusion cancel: ${ms} ms`);
    assert.deepEqual(failures, []);
  });

  test('dream from the Jobs panel: pause holds it (progress and preview), resume, cancel keeps the last frame as a cancelled run', { timeout: 300_000 }, async (t) => {
    const failures: string[] = [];
    const runsBefore = await runCount();
    await byTest('tab-dream').click();
    await byTest('dream-panel').waitFor();
    // the first octave (dog.jpg at 1/1.4³, ~390 px) is where it is paused and cancelled: steps of well under a second
    await byTest('dream-octaves').fill('4');
    await byTest('dream-iterations').fill('40');
    await byTest('dream-seed').fill('1');
    await byTest('dream-start').click();
    const id = await liveJobId('dream-live');
    await byTest('dream-preview').waitFor({ timeout: 120_000 });
    const p = await pace(id, 3);
    t.diagnostic(`dream: ${p.medianMs} ms per update (+${(p.step * 100).toFixed(2)}%)`);

    // paused and resumed from the Jobs panel; the live preview holds still too (frames come from the steps)
    await pauseAndResume(t, id, p, failures, {
      pause: `job-pause-${id}`, resume: `job-resume-${id}`, live: 'dream-live', shotName: 'dream-paused',
      still: () => byTest('dream-preview').getAttribute('src'),
    });

    const ms = await cancelWithinABatch(t, id, p, `job-cancel-${id}`);
    const kept = page.locator('[data-testid="dream-result"][data-run-status="cancelled"]');
    await kept.waitFor();
    await kept.locator('[data-testid="dream-result-image"]').waitFor();
    assert.equal(await kept.getAttribute('data-run-id'), await item(id).getAttribute('data-run-id'), 'the cancelled job names its kept run');
    assert.equal(await runCount(), runsBefore + 1);
    t.diagnostic(`dream cancel: ${ms} ms`);
    assert.deepEqual(failures, []);
  });
});
