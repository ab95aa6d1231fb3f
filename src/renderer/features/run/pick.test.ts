import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../../shared/contract';
import { runsOfSelection, runToShow } from './pick';

// only the fields the choice reads; a run's settings and result are not looked at
const run = (id: string, modelId: string, photoId: string | undefined, createdAt: string) => ({ id, kind: 'dream', modelId, photoId, createdAt }) as unknown as RunRecord;

const runs = [
  run('a1', 'm1', 'A', '2026-01-01T10:00:00Z'),
  run('a2', 'm1', 'A', '2026-01-01T11:00:00Z'),
  run('b1', 'm1', 'B', '2026-01-01T12:00:00Z'),
  run('v1', 'm2', 'A', '2026-01-01T13:00:00Z'),
  run('t1', 'm1', undefined, '2026-01-01T14:00:00Z'),
];

test('the picked run when it is of the selected model and photo', () => {
  assert.equal(runToShow(runs, { modelId: 'm1', photoId: 'A' }, 'a1').run?.id, 'a1');
});

test("another photo's or model's run is never shown for the selection: its newest own run instead, or none", () => {
  // photo A's dream was picked, then photo B selected: B's own dream, not A's
  assert.equal(runToShow(runs, { modelId: 'm1', photoId: 'B' }, 'a2').run?.id, 'b1');
  // the model switched: m2's run on A, not m1's
  assert.equal(runToShow(runs, { modelId: 'm2', photoId: 'A' }, 'a2').run?.id, 'v1');
  // nothing of this selection: nothing shown
  assert.equal(runToShow(runs, { modelId: 'm2', photoId: 'B' }, 'b1').run, undefined);
  assert.equal(runToShow(runs, { modelId: null, photoId: null }, null).run, undefined);
});

test('without a pick, the newest run of the selection', () => {
  assert.equal(runToShow(runs, { modelId: 'm1', photoId: 'A' }, null).run?.id, 'a2');
  assert.deepEqual(runsOfSelection(runs, { modelId: 'm1', photoId: 'A' }).map((r) => r.id), ['a2', 'a1']);
});

test('a run without a photo is shown when picked, flagged', () => {
  assert.deepEqual(runToShow(runs, { modelId: 'm1', photoId: 'A' }, 't1'), { run: runs[4], elsewhere: 'no-photo' });
});
