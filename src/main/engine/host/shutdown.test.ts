// Disposing the host while a job is inside onnxruntime's run() (app quit, the parent gone) ends the process
// cleanly. Terminating the worker thread there aborted the whole engine process ("terminate called after
// throwing an instance of 'Napi::Error'", exit by SIGABRT); the worker is now asked to exit between runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const sky = path.join(shared, 'images/content/sky.jpg');
const missing = [googlenet, sky].find((f) => !fs.existsSync(f));

test('disposing the host during a run exits cleanly, not by abort', { skip: missing ? `needs ../shared (missing ${missing})` : false, timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testing/dispose-mid-run.ts'), googlenet, sky], { encoding: 'utf8', timeout: 100_000 });
  assert.equal(r.signal, null, `the engine died by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /terminate called/);
  assert.match(r.stdout, /disposed in \d+ ms/);
});
