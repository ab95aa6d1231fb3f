// JobControl's full-resolution checkpoint images: bounded in rate, never two in flight, none without a sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobControl, type RgbFrame } from './control';

const frame = (v: number): RgbFrame => ({ width: 1, height: 1, data: new Uint8Array([v, v, v]) });

test('checkpoint images: the first at once, then at most one per checkpointEveryMs, none while one is in flight', async () => {
  const sent: number[] = [];
  let release: (() => void) | undefined;
  const ctl = new JobControl({ progress: () => undefined, preview: () => undefined, checkpoint: (f) => { sent.push(f.data[0]!); return new Promise<void>((r) => (release = r)); } }, { checkpointEveryMs: 30 });
  let built = 0;
  ctl.checkpointImage(() => { built++; return frame(1); });
  assert.deepEqual(sent, [1], 'the first goes out at once');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(ctl.wantsCheckpointImage(), false, 'still encoding: none wanted');
  ctl.checkpointImage(() => { built++; return frame(2); });
  assert.deepEqual(sent, [1], 'skipped while the first is in flight');
  assert.equal(built, 1, 'a skipped frame is not even assembled');
  release!();
  await new Promise((r) => setImmediate(r));
  ctl.checkpointImage(frame(3));
  assert.deepEqual(sent, [1, 3], 'the next once the first was handed off and the interval passed');
  release!();
  await new Promise((r) => setImmediate(r));
  ctl.checkpointImage(frame(4));
  assert.deepEqual(sent, [1, 3], 'rate-limited: within 30 ms of the last');

  const none = new JobControl();
  assert.equal(none.wantsCheckpointImage(), false, 'no sink, no checkpoint images');
});
