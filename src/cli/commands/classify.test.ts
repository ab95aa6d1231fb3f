// `featurescope classify` without --labels: a 1000-way classifier prints ImageNet names with their index
// (the names ship with the app), never a bare number twice ("389 (389)").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../../..');
const shared = path.resolve(repo, '../shared');
const squeezenet = path.join(shared, 'models/squeezenet1.1.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const skip = [squeezenet, dog].every((f) => fs.existsSync(f)) ? false : '../shared (squeezenet1.1.onnx, dog.jpg) absent';

const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repo, 'bin/featurescope.cjs'), ...args], { cwd: repo, encoding: 'utf8' });

test('classify names ImageNet classes without a labels file, with their index', { skip, timeout: 60_000 }, () => {
  const text = cli(['classify', squeezenet, dog, '--top', '3']);
  assert.equal(text.status, 0, text.stderr);
  const rows = text.stdout.split('\n').filter((l) => /^\s+[\d.]+%/.test(l));
  assert.equal(rows.length, 3);
  for (const r of rows) assert.match(r, /%\s+[A-Za-z][^()]* \(\d+\)$/, `"${r}" is "name (index)"`);
  assert.match(text.stdout, /class names: ImageNet-1000, built in/);

  const json = cli(['classify', squeezenet, dog, '--top', '1', '--json']);
  const out = JSON.parse(json.stdout) as { labels: string; top: { index: number; label: string }[] };
  assert.equal(out.labels, 'imagenet-1000');
  assert.ok(out.top[0]!.index >= 151 && out.top[0]!.index <= 268, `top-1 ${out.top[0]!.index} is a dog breed`);
  assert.doesNotMatch(out.top[0]!.label, /^class \d+$/);
});
