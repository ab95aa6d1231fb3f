// `featurescope dream` from a terminal: JSON report (objective before/after, per-octave and total time),
// a PNG that carries its settings, re-running from that PNG, and clear usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readDreamRecord } from '../../main/engine/dream/export';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const shared = path.resolve(root, '../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const SKY = path.join(shared, 'images/content/sky.jpg');
const missing = !fs.existsSync(MODEL) || !fs.existsSync(SKY) ? `needs ${MODEL} and ${SKY} (../shared absent)` : undefined;
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'dream', ...args], { cwd: root });

test('featurescope dream --json writes a self-documenting PNG and reports objectives and timings', { skip: missing, timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-dream-cli-'));
  const out = path.join(dir, 'a.png');
  // no CUDA on a CPU-only machine: the dream still runs, on CPU, and says why (once, on stderr and in the JSON)
  const { stdout, stderr } = await cli([SKY, '--model', MODEL, '--octaves', '2', '--iterations', '2', '--seed', '9', '--layer', 'inception_4c/output:1', '--provider', 'cuda', '--out', out, '--json']);
  const r = JSON.parse(stdout);
  assert.equal(r.ok, true);
  if (r.provider === 'cpu') {
    assert.match(r.fallbackReason, /^CUDA was requested but .*running on CPU\.$/);
    assert.equal(stderr.split(r.fallbackReason).length - 1, 1, stderr);
  }
  assert.equal(r.preset, 'caffe');
  assert.equal(r.seed, 9);
  assert.equal(r.octaves.length, 2);
  assert.ok(r.objectiveAfter > r.objectiveBefore, `objective ${r.objectiveBefore} → ${r.objectiveAfter}`);
  assert.ok(r.totalMs > 0 && r.octaves.every((o: { ms: number }) => o.ms > 0));
  const rec = readDreamRecord(fs.readFileSync(out));
  assert.equal(rec?.settings.seed, 9);
  assert.equal(rec?.model.sha256, r.model.sha256);

  // the PNG's settings run again to the same image
  const again = path.join(dir, 'b.png');
  await cli([SKY, '--model', MODEL, '--settings-from', out, '--out', again, '--json']);
  assert.deepEqual(readDreamRecord(fs.readFileSync(again))?.settings, rec?.settings);
  const sharp = (await import('sharp')).default;
  const [pa, pb] = await Promise.all([out, again].map((f) => sharp(f).raw().toBuffer()));
  assert.ok(pa!.equals(pb!), 'same settings and seed, same pixels');
});

test('featurescope dream explains bad usage', { skip: missing }, async () => {
  await assert.rejects(cli([SKY, '--model', MODEL, '--out', 'x.gif']), (e: { code: number; stderr: string }) => e.code === 2 && /--out must end in \.png/.test(e.stderr));
  await assert.rejects(cli([SKY, '--model', MODEL, '--out', path.join(os.tmpdir(), 'x.png'), '--octaves', '0']), (e: { code: number; stderr: string }) => e.code === 1 && /octaves/.test(e.stderr));
  await assert.rejects(cli([SKY, '--model', MODEL, '--out', path.join(os.tmpdir(), 'x.png'), '--layer', 'nope']), (e: { stderr: string }) => /nope/.test(e.stderr));
});

test('featurescope dream --input starts from a raw model-space tensor (turned into pixels through the preset)', { skip: missing, timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-dream-cli-'));
  try {
    // caffe space: BGR minus [104, 117, 123]; a 48×64 gradient image
    const [h, w] = [48, 64];
    const x = new Float32Array(3 * h * w);
    const mean = [104, 117, 123];
    for (let c = 0; c < 3; c++) for (let i = 0; i < h * w; i++) x[c * h * w + i] = ((i % w) * 4 + c * 10) - mean[c]!;
    const bin = path.join(dir, 'start.bin');
    fs.writeFileSync(bin, Buffer.from(x.buffer));
    const out = path.join(dir, 'd.png');
    const { stdout } = await cli(['--input', bin, '--shape', `1,3,${h},${w}`, '--model', MODEL, '--octaves', '1', '--iterations', '1', '--seed', '2', '--out', out, '--json']);
    const r = JSON.parse(stdout);
    assert.equal(r.preset, 'caffe');
    assert.deepEqual([r.width, r.height], [w, h]);
    assert.equal(readDreamRecord(fs.readFileSync(out))?.photo?.name, 'start.bin', 'the record names the tensor it started from');
    await assert.rejects(cli(['--input', bin, '--shape', `1,3,${h},${w + 1}`, '--model', MODEL, '--out', out]), (e: { code: number; stderr: string }) => e.code === 1 && /needs/.test(e.stderr));
    await assert.rejects(cli([SKY, '--input', bin, '--shape', `1,3,${h},${w}`, '--model', MODEL, '--out', out]), (e: { code: number; stderr: string }) => e.code === 2 && /not both/.test(e.stderr));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
