// `featurescope attribute` as a person runs it: a real process, a real ONNX file and image on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeModel } from '../onnx/model';
import { fromNpy } from './export';
import { linearModel } from './testing/tiny-models';

const repo = path.resolve(__dirname, '../../../..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), 'attribute', ...args], { cwd: repo, encoding: 'utf8' });

test('attribute CLI: --json summary, overlay PNG with settings, raw .npy; bad settings exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-attr-cli-'));
  try {
    // logits = W · x on a 3×4×4 input; class 1 weighs only the red channel (×2)
    const d = 3 * 4 * 4;
    const W = [new Array(d).fill(1), Array.from({ length: d }, (_, i) => (i < 16 ? 2 : 0))];
    const model = path.join(dir, 'lin.onnx');
    fs.writeFileSync(model, encodeModel(linearModel([3, 4, 4], W, [0, 0])));
    const image = path.join(dir, 'img.png');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toFile(image);
    const out = path.join(dir, 'o.png'), raw = path.join(dir, 'm.npy');
    const r = cli([image, '--model', model, '--preset', 'raw255', '--method', 'gradxinput', '--target', '1', '--out', out, '--raw', raw, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(j.ok, true);
    assert.deepEqual(j.target, { kind: 'class', index: 1 });
    assert.equal(j.targetScore, 16 * 2 * 10);
    assert.ok(j.timings.totalMs > 0);
    const m = fromNpy(fs.readFileSync(raw));
    assert.deepEqual(m.shape, [1, 3, 4, 4]);
    assert.deepEqual(Array.from(m.data), [...new Array(16).fill(20), ...new Array(32).fill(0)]);
    const text = fs.readFileSync(out).toString('latin1');
    assert.ok(text.includes('featurescope:attribution') && text.includes('"method":"gradxinput"'), 'the PNG carries its settings');

    const ig = cli([image, '--model', model, '--preset', 'raw255', '--method', 'ig', '--steps', '4', '--json']);
    assert.equal(ig.status, 0, ig.stderr);
    assert.ok(JSON.parse(ig.stdout.trim()).completeness.relativeError < 1e-5);

    // the same image as a raw model-space tensor (raw255: the pixel values themselves), channels summed
    const bin = path.join(dir, 'x.bin');
    fs.writeFileSync(bin, Buffer.from(Float32Array.from([...new Array(16).fill(10), ...new Array(16).fill(20), ...new Array(16).fill(30)]).buffer));
    const fromBin = path.join(dir, 'b.npy'), overlay = path.join(dir, 'b.png');
    const t = cli(['--input', bin, '--shape', '1,3,4,4', '--model', model, '--preset', 'raw255', '--method', 'gradxinput', '--target', '1', '--channel-reduction', 'sum', '--raw', fromBin, '--out', overlay, '--json']);
    assert.equal(t.status, 0, t.stderr);
    const tj = JSON.parse(t.stdout.trim().split('\n').pop()!);
    assert.equal(tj.targetScore, 16 * 2 * 10);
    assert.equal(tj.settings.channelReduction, 'sum');
    const tm = fromNpy(fs.readFileSync(fromBin));
    assert.deepEqual(tm.shape, [1, 1, 4, 4]);
    assert.deepEqual(Array.from(tm.data), new Array(16).fill(20));
    assert.ok((await sharp(overlay).metadata()).width === 4, 'the overlay is drawn over the tensor turned back into pixels');
    assert.equal(cli(['--input', bin, '--model', model, '--json']).status, 2, '--shape is required with --input');
    assert.equal(cli(['--input', bin, '--shape', '1,3,4,5', '--model', model, '--json']).status, 1, 'a size mismatch is an input error');

    const bad = cli([image, '--model', model, '--method', 'ig', '--steps', '0', '--json']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad attribution setting steps/);
    const badMethod = cli([image, '--model', model, '--method', 'magic', '--json']);
    assert.equal(badMethod.status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
