// `featurescope style` and `featurescope stylize` from a terminal: a small VGG19-block3 run whose --json
// report carries the losses per layer and the timings and whose PNG carries the settings, continuing from
// it with --from, a fast-style run, and the messages for bad input (exit 2 with the usage, or 1 naming the file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readStyleRecord } from '../../main/engine/style/export';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const shared = path.resolve(root, '../shared');
const VGG = path.join(shared, 'models/vgg19_to_block3.onnx');
const CANDY = path.join(shared, 'models/style/candy.onnx');
const SQUEEZE = path.join(shared, 'models/squeezenet1.1.onnx');
const STATA = path.join(shared, 'images/content/stata.jpg');
const WAVE = path.join(shared, 'images/style/wave.jpg');
const missing = [VGG, CANDY, SQUEEZE, STATA, WAVE].find((f) => !fs.existsSync(f));
const skip = missing ? `needs ../shared (missing ${missing})` : undefined;
const cli = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), cmd, ...args], { cwd: root, env: { ...process.env, ...env } });
const fails = async (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> => {
  try {
    await cli(cmd, args, env);
  } catch (e) {
    const x = e as { code: number; stderr: string };
    return { code: x.code, stderr: x.stderr };
  }
  throw new Error(`featurescope ${cmd} ${args.join(' ')} succeeded`);
};

test('featurescope style --json: losses per layer, timings, a PNG with its settings; --from continues', { skip, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-style-cli-'));
  const out = path.join(dir, 'a.png');
  const { stdout } = await cli('style', [STATA, '--style', `${WAVE}:2`, '--model', VGG, '--size', '64', '--iterations', '5', '--seed', '3', '--out', out, '--json']);
  const r = JSON.parse(stdout);
  assert.equal(r.status, 'done');
  assert.deepEqual([r.width, r.height, r.iterationsDone], [64, 42, 5]);
  assert.deepEqual(Object.keys(r.losses.stylePerLayer), ['block1_conv1_relu', 'block2_conv1_relu', 'block3_conv1_relu', 'block3_conv4_relu']);
  assert.deepEqual(Object.keys(r.losses.contentPerLayer), ['block3_conv4_relu']);
  assert.equal(r.layerChoice.preset, 'vgg-keras');
  assert.ok(r.losses.total < r.lossesStart.total);
  assert.ok(r.timings.totalMs > 0 && r.timings.msPerIteration > 0);
  const rec = readStyleRecord(fs.readFileSync(out));
  assert.equal(rec?.settings.seed, 3);
  assert.deepEqual(rec?.styles.map((s) => s.weight), [2]);

  const again = JSON.parse((await cli('style', [STATA, '--style', WAVE, '--model', VGG, '--size', '64', '--iterations', '2', '--from', out, '--out', path.join(dir, 'b.jpg'), '--json'])).stdout);
  assert.ok(again.lossesStart.total < 0.5 * r.lossesStart.total, 'continuing starts from the earlier result');
});

test('featurescope stylize: a fast-style network on a photo', { skip, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-stylize-cli-'));
  const r = JSON.parse((await cli('stylize', [STATA, '--model', CANDY, '--size', '300', '--out', dir, '--json'])).stdout);
  assert.deepEqual(r.results.map((x: { width: number; height: number; tiles: number }) => [x.width, x.height, x.tiles]), [[300, 199, 1]]);
  assert.ok(fs.existsSync(path.join(dir, 'stata-candy.png')));
});

test('bad input: each message names the file or the setting', { skip, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-style-bad-'));
  const out = path.join(dir, 'x.png');
  const broken = path.join(dir, 'broken.jpg');
  fs.writeFileSync(broken, 'not a picture');
  const cases: [string, string[], number, RegExp, NodeJS.ProcessEnv?][] = [
    ['style', [STATA, '--style', path.join(dir, 'nope.jpg'), '--model', VGG, '--out', out], 1, /style image 1 not found: .*nope\.jpg/],
    ['style', [STATA, '--style', broken, '--model', VGG, '--out', out], 1, /styles\[0\] \(broken\.jpg\): cannot read image broken\.jpg/],
    ['style', [STATA, '--model', VGG, '--out', out], 2, /give at least one --style image/],
    ['style', [STATA, '--mode', 'texture', '--style', WAVE, '--model', VGG, '--out', out], 2, /texture synthesis \(--mode texture\) takes no content photo/],
    // under the default budget 5000 px runs as tiles; under 1 GB not even its whole-image buffers fit
    ['style', [STATA, '--style', WAVE, '--model', VGG, '--size', '5000', '--out', out], 2, /size: a 5000×3315 stage on vgg19_to_block3\.onnx needs about [\d.]+ GB .*the engine's budget is 1\.0 GB \(FEATURESCOPE_MEMORY_BUDGET=1G\)\. A long side of \d+ px fits/, { FEATURESCOPE_MEMORY_BUDGET: '1G' }],
    ['style', [STATA, '--style', WAVE, '--model', VGG, '--style-layers', 'relu9_9', '--out', out], 2, /styleLayers: vgg19_to_block3\.onnx has no layer "relu9_9"/],
    ['stylize', [STATA, '--model', SQUEEZE, '--out', dir], 1, /squeezenet1\.1\.onnx: its output "\w+" .*stylize needs a network whose output is an image/],
  ];
  for (const [cmd, args, code, message, env] of cases) {
    const r = await fails(cmd, args, env);
    assert.equal(r.code, code, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
