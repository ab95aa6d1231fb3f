// The CLI as a person runs it: bin/featurescope.cjs in a child process, exit codes and --json output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/featurescope.cjs');
const shared = path.resolve(repo, '../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const squeezenet = path.join(shared, 'models/squeezenet1.1.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const labels = path.join(shared, 'models/labels/imagenet_synset_words.txt');
const skip = [googlenet, dog, labels].every((f) => fs.existsSync(f)) ? false : '../shared models/images absent';

function cli(args: string[], node = process.execPath) {
  const r = spawnSync(node, [bin, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, FEATURESCOPE_NO_DEFAULT_MODEL: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help lists the commands; unknown command exits 2', () => {
  const h = cli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /inspect\s+show a model/);
  assert.match(h.out, /classify\s+top-K/);
  assert.equal(cli(['inspect', '--help']).code, 0);
  const u = cli(['frobnicate']);
  assert.equal(u.code, 2);
  assert.match(u.err, /unknown command "frobnicate"/);
});

test('the launcher runs on Node 22 even when started by an older node', (t) => {
  const v = cli(['--version']);
  assert.match(v.out, /featurescope 0\.1\.0 \(node v2[2-9]\./);
  const old = '/usr/bin/node';
  if (!fs.existsSync(old)) return t.skip('no system node to start the launcher with');
  const o = cli(['--version'], old);
  assert.equal(o.code, 0, o.err);
  assert.match(o.out, /\(node v2[2-9]\./);
});

test('inspect --json: GoogLeNet layers; broken input exits 1 with the error code', { skip }, () => {
  const r = cli(['inspect', googlenet, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.ok, true);
  assert.deepEqual(j.description.layers.find((l: { name: string }) => l.name === 'inception_4c/output').shape, [1, 512, 14, 14]);
  const bad = cli(['inspect', dog, '--json']);
  assert.equal(bad.code, 1);
  assert.deepEqual(JSON.parse(bad.out).error.code, 'not-onnx');
  const missing = cli(['inspect', '/nowhere/x.onnx']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /x\.onnx does not exist/);
  assert.equal(cli(['inspect']).code, 2);
  assert.equal(cli(['inspect', googlenet, '--size', 'big']).code, 2);
});

test('classify --json: dog.jpg is a dog breed with GoogLeNet + caffe preset', { skip }, () => {
  const r = cli(['classify', googlenet, dog, '--preset', 'caffe', '--labels', labels, '--top', '3', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.top.length, 3);
  assert.ok(j.top[0].index >= 151 && j.top[0].index <= 268, `top-1 ${j.top[0].index} ${j.top[0].label}`);
  assert.equal(j.preprocess.preset, 'caffe');
  assert.equal(cli(['classify', googlenet, dog, '--preset', 'nope']).code, 2);
  const text = cli(['classify', googlenet, dog, '--labels', labels, '--top', '1']);
  assert.equal(text.code, 0);
  assert.match(text.out, /%\s+\S/);
});

// This machine has no CUDA: asking for it must still run (on CPU) and say why, once, in plain words.
const cudaSkip = skip || (fs.existsSync(squeezenet) ? false : '../shared squeezenet absent');
const fellBack = (r: { code: number | null; out: string; err: string }) => {
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.provider, 'cpu');
  assert.match(j.fallbackReason, /^CUDA was requested but .*running on CPU\.$/);
  assert.equal(r.err.split(j.fallbackReason).length - 1, 1, `reason printed once on stderr: ${r.err}`);
  return j;
};

test('--provider cuda falls back to CPU with a reason: classify, attribute, grad', { skip: cudaSkip }, () => {
  fellBack(cli(['classify', squeezenet, dog, '--provider', 'cuda', '--json']));
  const a = fellBack(cli(['attribute', dog, '--model', squeezenet, '--method', 'saliency', '--provider', 'cuda', '--json']));
  assert.ok(Number.isFinite(a.targetScore));
  const g = fellBack(cli(['grad', squeezenet, '--input', dog, '--objective', '{"kind":"channel","layer":"fire2/relu_expand1x1","channel":3}', '--provider', 'cuda', '--json']));
  assert.ok(g.gradient.l2 > 0);
  // cpu asked for: no reason at all
  const c = cli(['attribute', dog, '--model', squeezenet, '--provider', 'cpu', '--json']);
  assert.equal(c.code, 0, c.err);
  assert.equal(JSON.parse(c.out).fallbackReason, undefined);
  const bad = cli(['attribute', dog, '--model', squeezenet, '--provider', 'tpu', '--json']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--provider must be one of auto, cuda, dml, coreml, webgpu, cpu \(got "tpu"\)/);
  for (const cmd of ['attribute', 'dream', 'classify', 'grad']) assert.match(cli([cmd, '--help']).out, /--provider P\s+auto \(default\)/, cmd);
});
