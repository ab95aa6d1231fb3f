// `featurescope adversarial` from a terminal: the --json report (predictions before and after, ε used, L∞
// and L2 of the change, steps, whether the written 8-bit PNG still fools the model), the PNG it writes
// (at the model's input size, its settings in a text chunk), and bad input: usage errors name the flag or
// setting (exit 2), a model without class outputs or a missing photo fail with a plain message (exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readPngText } from '../../main/engine/image/image';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const shared = path.resolve(root, '../shared');
const MODEL = path.join(shared, 'models/bvlc_googlenet.onnx');
const VGG = path.join(shared, 'models/vgg19_to_block3.onnx');
const DOG = path.join(shared, 'images/content/dog.jpg');
const LABELS = path.join(shared, 'models/labels/imagenet_synset_words.txt');
const missing = [MODEL, VGG, DOG, LABELS].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : undefined;
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'adversarial', ...args], { cwd: root });
/** a failing run: its exit code and output */
const fails = (args: string[]) => cli(args).then(
  () => assert.fail(`expected featurescope adversarial ${args.join(' ')} to fail`),
  (e: { code: number; stdout: string; stderr: string }) => e,
);

test('featurescope adversarial --json: dog → tench, the report and the 8-bit PNG', { skip, timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-adv-cli-'));
  const out = path.join(dir, 'adv.png'), diff = path.join(dir, 'diff.png');
  try {
    const { stdout } = await cli([DOG, '--model', MODEL, '--labels', LABELS, '--target', 'tench', '--eps', '2', '--steps', '20', '--step-size', '0.5', '--out', out, '--diff', diff, '--json']);
    const r = JSON.parse(stdout);
    assert.equal(r.ok, true);
    assert.equal(r.before[0].label, 'golden retriever');
    assert.equal(r.after[0].label, 'tench');
    assert.equal(r.fooled, true);
    assert.equal(r.epsUsed, 2);
    assert.ok(r.linf <= 2 + 1e-4 && r.l2 > 0, `L∞ ${r.linf}, L2 ${r.l2}`);
    assert.equal(r.steps, 20);
    assert.equal(r.stillFoolsAfter8bit, true);
    assert.equal(r.eightBit.top5[0].label, 'tench');
    assert.equal(r.preprocess, 'caffe');
    assert.deepEqual(r.size, { width: 224, height: 224 });
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 224, 224]);
    const rec = JSON.parse(readPngText(fs.readFileSync(out))['featurescope:adversarial']!);
    assert.equal(rec.settings.target, 0);
    assert.equal(rec.model, 'bvlc_googlenet.onnx');
    assert.ok(fs.statSync(diff).size > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('featurescope adversarial: bad input is named', { skip, timeout: 120_000 }, async () => {
  const out = path.join(os.tmpdir(), 'fs-adv-cli-never.png');
  let e = await fails([DOG, '--model', MODEL, '--out', out]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /--target is required/);
  e = await fails([DOG, '--model', MODEL, '--target', 'tench', '--eps', '0', '--out', out]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /bad adversarial setting eps: ε must be greater than 0/);
  e = await fails([DOG, '--model', MODEL, '--target', 'tench', '--out', out]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /"tench" is a class name, but bvlc_googlenet\.onnx has no class names loaded/);
  e = await fails([DOG, '--model', MODEL, '--labels', LABELS, '--target', 'tnch', '--out', out]);
  assert.match(e.stderr, /no class is named "tnch"/);
  e = await fails([DOG, '--model', MODEL, '--target', 'tench', '--method', 'bim', '--out', out]);
  assert.match(e.stderr, /--method must be one of pgd, fool \(got "bim"\)/);
  e = await fails([DOG, '--model', VGG, '--target', '0', '--out', out, '--json']);
  assert.equal(e.code, 1);
  const j = JSON.parse(e.stdout);
  assert.equal(j.error.code, 'not-classifier');
  assert.match(j.error.message, /vgg19_to_block3\.onnx has no class outputs/);
  e = await fails([path.join(shared, 'images/content/no-such.jpg'), '--model', MODEL, '--target', '0', '--out', out]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /photo not found: .*no-such\.jpg/);
  assert.equal(fs.existsSync(out), false);
});
