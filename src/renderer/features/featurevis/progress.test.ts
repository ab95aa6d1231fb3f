import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobInfo } from '../../../shared/contract';
import { layerProgress } from './progress';

const job = (state: JobInfo['state'], progress: number, etaMs?: number): JobInfo => ({
  id: Math.random().toString(36), kind: 'dream', title: 't', state, progress, ...(etaMs !== undefined ? { etaMs } : {}),
});

test('progress adds up the jobs; ended or no longer listed jobs count as whole', () => {
  const p = layerProgress([job('done', 1), undefined, job('running', 0.5, 10_000), job('queued', 0)]);
  assert.equal(p.jobs, 4);
  assert.equal(p.finished, 2);
  assert.equal(p.progress, (1 + 1 + 0.5 + 0) / 4);
  assert.equal(p.state, 'running');
  // the running job has 10 s left for half of its work: 20 s per job, one more waits
  assert.equal(p.etaMs, 10_000 + 20_000);
});

test('paused and queued layers have no ETA; the state says which', () => {
  assert.deepEqual(layerProgress([job('paused', 0.3, 5000), job('paused', 0)]), { jobs: 2, finished: 0, progress: 0.15, state: 'paused' });
  assert.equal(layerProgress([job('queued', 0), job('queued', 0)]).state, 'queued');
  assert.equal(layerProgress([job('running', 0.2)]).etaMs, undefined);
});

test('an ended layer: cancelled or failed outranks done', () => {
  assert.equal(layerProgress([job('done', 1), job('cancelled', 0.4)]).state, 'cancelled');
  assert.equal(layerProgress([job('done', 1), job('failed', 0.1), job('cancelled', 0)]).state, 'failed');
  const done = layerProgress([job('done', 1), undefined]);
  assert.deepEqual(done, { jobs: 2, finished: 2, progress: 1, state: 'done' });
});
