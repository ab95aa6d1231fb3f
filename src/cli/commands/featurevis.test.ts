// `featurescope featurevis` from a terminal: a two-channel grid of GoogLeNet with --json (each item's
// objectives, the timings), the grid PNG carrying its settings, and bad input refused as usage (exit 2)
// with the setting named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readFeaturevisRecord } from '../../main/engine/featurevis/export';
import { parseChannels } from './featurevis';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const MODEL = path.resolve(root, '../shared/models/bvlc_googlenet.onnx');
const missing = fs.existsSync(MODEL) ? undefined : `needs ${MODEL} (../shared absent)`;
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'featurevis', ...args], { cwd: root });

test('--channels takes ranges and lists', () => {
  assert.deepEqual(parseChannels('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseChannels('3,7,10-12'), [3, 7, 10, 11, 12]);
  assert.throws(() => parseChannels('5-2'), /runs backwards/);
  assert.throws(() => parseChannels('a'), /ranges and numbers/);
});

test('featurescope featurevis --json: a grid of two channels, objectives raised, the PNG records its settings', { skip: missing, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-featurevis-cli-'));
  const out = path.join(dir, 'grid.png');
  const { stdout } = await cli([MODEL, '--layer', 'inception_4c/output', '--channels', '0-1', '--size', '64', '--steps', '16', '--batch', '2', '--seed', '5', '--out', out, '--json']);
  const r = JSON.parse(stdout);
  assert.equal(r.ok, true);
  assert.equal(r.preprocess, 'caffe');
  assert.deepEqual([r.size, r.steps, r.batch, r.seed], [64, 16, 2, 5]);
  assert.deepEqual(r.items.map((i: { label: string }) => i.label), ['channel(inception_4c/output, 0)', 'channel(inception_4c/output, 1)']);
  for (const it of r.items) assert.ok(it.objective > it.objectiveStart, `${it.label}: ${it.objectiveStart} → ${it.objective}`);
  assert.ok(r.timings.msPerImageStep > 0 && r.timings.totalMs > 0);
  const rec = readFeaturevisRecord(fs.readFileSync(out));
  assert.equal(rec?.settings.seed, 5);
  assert.equal(rec?.grid?.items.length, 2);
  assert.equal(rec?.model.sha256, r.model.sha256);

  await assert.rejects(cli([MODEL, '--layer', 'inception_4c/output', '--channel', '600', '--out', out]), (e: { code: number; stderr: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr, /items\[0\]\.terms\[0\]\.target\.channel: 600 is out of range: inception_4c\/output has 512 channels/);
    return true;
  });
  await assert.rejects(cli([MODEL, '--layer', 'inception_4c/output', '--channel', '1', '--neuron', '1', '--out', out]), /give one target/);
});
