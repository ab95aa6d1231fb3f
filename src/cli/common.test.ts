// The commands' shared opening: positional arguments, repeatable flags, numbers, choices, raw tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { choiceFlag, numberFlag, openCommandLine, rawTensorFlag, tensorToPixels } from './common';
import { UsageError } from './commands/types';
import { presetSpace } from '../shared/pixels';

test('openCommandLine: positional arguments by name, --json, booleans, repeatable flags in order', () => {
  const c = openCommandLine(['a.onnx', '--layer', 'x:2', '--json', '--legend', 'b.png', '--layer=y', '--size', '3'], {
    positional: ['model', 'image'], booleans: ['legend'], repeatable: ['layer'],
  });
  assert.deepEqual(c.args, ['a.onnx', 'b.png']);
  assert.equal(c.json, true);
  assert.equal(c.flags.flags.legend, true);
  assert.equal(c.flags.flags.size, '3');
  assert.deepEqual(c.repeated.layer, ['x:2', 'y']);
  assert.deepEqual(openCommandLine([], { positional: ['image'] }).args, [undefined]);
  assert.throws(() => openCommandLine(['a', 'b'], { positional: ['model'] }), (e: Error) => e instanceof UsageError && /unexpected argument "b"/.test(e.message));
  assert.throws(() => openCommandLine(['a'], { positional: ['model', 'image'], missing: 'give both' }), /give both/);
  assert.throws(() => openCommandLine(['--layer'], { positional: [], repeatable: ['layer'] }), /--layer needs a value/);
});

test('numberFlag and choiceFlag say what they wanted and what they got', () => {
  const { flags } = openCommandLine(['--n', '2.5', '--m', 'x', '--sign', 'up'], { positional: [] });
  assert.equal(numberFlag(flags, 'n'), 2.5);
  assert.equal(numberFlag(flags, 'absent'), undefined);
  assert.throws(() => numberFlag(flags, 'n', true), /--n must be a whole number \(got 2\.5\)/);
  assert.throws(() => numberFlag(flags, 'm'), /--m must be a number \(got x\)/);
  assert.throws(() => choiceFlag(flags, 'sign', ['all', 'absolute']), /--sign must be one of all, absolute \(got "up"\)/);
});

test('--input x.bin --shape: float32 little-endian, sizes checked; back to pixels through a preset', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-common-'));
  try {
    // caffe: BGR minus [104, 117, 123]; pixel (R, G, B) = (10, 20, 30) everywhere on a 1×2 image
    const data = Float32Array.from([30 - 104, 30 - 104, 20 - 117, 20 - 117, 10 - 123, 10 - 123]);
    const file = path.join(dir, 'x.bin');
    fs.writeFileSync(file, Buffer.from(data.buffer));
    const read = (shape?: string) => rawTensorFlag(openCommandLine(['--input', file, ...(shape ? ['--shape', shape] : [])], { positional: [] }).flags);
    const t = read('1,3,1,2')!;
    assert.deepEqual(t.shape, [1, 3, 1, 2]);
    assert.deepEqual(Array.from(t.data), Array.from(data));
    assert.deepEqual(Array.from(tensorToPixels(t, presetSpace('caffe')).data), [10, 20, 30, 10, 20, 30]);
    assert.throws(() => read(), (e: Error) => e instanceof UsageError && /--shape N,C,H,W is required/.test(e.message));
    assert.throws(() => read('1,3,x,2'), UsageError);
    assert.throws(() => read('1,3,2,2'), /holds 6 float32 values but --shape 1,3,2,2 needs 12/);
    assert.throws(() => tensorToPixels(read('2,3,1,1')!, presetSpace('caffe')), /--shape must be 1,3,H,W/);
    assert.equal(rawTensorFlag(openCommandLine([], { positional: [] }).flags), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
