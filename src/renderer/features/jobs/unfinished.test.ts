// Which unfinished runs the Jobs panel lists beside the job cards (pure: no engine, no DOM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobInfo, ProjectState, UnfinishedRun } from '../../../shared/contract';
import { unfinishedToShow } from './unfinished';

const row = (id: string, status: UnfinishedRun['status']): UnfinishedRun => ({
  id, kind: 'dream', status, modelId: 'm', spec: { kind: 'dream', modelId: 'm' }, artifacts: [], createdAt: '',
  checkpoint: { owner: { engine: 'e', pid: 1, hostname: 'h' }, fraction: 0.5, resumes: 0 },
});
const job = (runId: string, state: JobInfo['state']): JobInfo => ({ id: `j${runId}`, kind: 'dream', title: 't', state, progress: 0.5, runId });

test('own running jobs keep their card; interrupted, failed and other windows\' running rows are listed', () => {
  const project = { unfinishedRuns: [row('a', 'running'), row('b', 'running'), row('c', 'interrupted'), row('d', 'failed'), row('e', 'running')] } as ProjectState;
  const jobs = [job('a', 'running'), job('b', 'failed'), job('d', 'failed')];
  // a: ours and running; b: ours, its engine just died (the card says so) until the new engine interrupts it
  assert.deepEqual(unfinishedToShow(project, jobs).map((r) => r.id), ['c', 'd', 'e']);
  assert.deepEqual(unfinishedToShow(null, jobs), []);
});

test('a queued row is like a running one: ours keeps its card, another window\'s is listed', () => {
  const project = { unfinishedRuns: [row('q', 'queued'), row('r', 'queued'), row('s', 'queued')] } as ProjectState;
  // q: ours and queued; r: ours, its engine just died (the card says so); s: another window's
  assert.deepEqual(unfinishedToShow(project, [job('q', 'queued'), job('r', 'failed')]).map((r) => r.id), ['s']);
});
