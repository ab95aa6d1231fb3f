// `featurescope tuning` from a terminal, on a hand-built vertical-edge detector written to a temp file:
// --json gives the curves with the peak at the detector's orientation, the chart PNG is written, and wrong
// usage exits 2 naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { encodeModel } from '../../main/engine/onnx/model';
import { edgeModel, verticalEdge } from '../../main/engine/featurevis/testing';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'tuning', ...args], { cwd: root });

test('featurescope tuning --json: the edge detector peaks at 0°, the chart is a PNG; bad flags exit 2', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-tuning-cli-'));
  const model = path.join(dir, 'edges.onnx');
  fs.writeFileSync(model, encodeModel(edgeModel(verticalEdge(5))));
  const out = path.join(dir, 'curve.png');
  const base = ['--model', model, '--layer', 'edges', '--preprocess', 'raw01'];
  const { stdout } = await cli([...base, '--channel', '0', '--stimulus', 'orientation', '--size', '24', '--steps', '12', '--out', out, '--json']);
  const r = JSON.parse(stdout);
  assert.equal(r.ok, true);
  assert.deepEqual(r.series.map((s: { label: string }) => s.label), ['line', 'edge']);
  assert.equal(r.x.values.length, 12);
  assert.deepEqual([r.peak.series, r.peak.x], ['edge', 0]);
  assert.deepEqual([...fs.readFileSync(out).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  for (const [args, msg] of [
    [['--channel', '0', '--stimulus', 'wobble', '--out', out], /--stimulus must be one of/],
    [['--channel', '9', '--stimulus', 'orientation', '--out', out], /channel: 9 is out of range/],
  ] as const) {
    await assert.rejects(cli([...base, ...args]), (e: { code: number; stderr: string }) => e.code === 2 && msg.test(e.stderr));
  }
});
