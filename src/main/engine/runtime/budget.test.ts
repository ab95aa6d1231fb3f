// The memory budget: sizes as people write them, the env setting, and a refusal that names what and where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDGET_ENV, checkBudget, DEFAULT_BUDGET_BYTES, memoryBudget, parseSize } from './budget';

test('sizes: suffixes, bytes, and what is not a size', () => {
  assert.equal(parseSize('4G'), 4 * 2 ** 30);
  assert.equal(parseSize('1500M'), 1500 * 2 ** 20);
  assert.equal(parseSize('1.5GiB'), 1.5 * 2 ** 30);
  assert.equal(parseSize(' 512 mb '), 512 * 2 ** 20);
  assert.equal(parseSize('4000000000'), 4e9);
  for (const bad of ['', 'lots', '-1G', '0', '4X']) assert.equal(parseSize(bad), undefined, bad);
});

test('the budget: default 4 GiB, FEATURESCOPE_MEMORY_BUDGET sets it, a bad value is named', () => {
  const saved = process.env[BUDGET_ENV];
  try {
    delete process.env[BUDGET_ENV];
    assert.equal(memoryBudget().bytes, DEFAULT_BUDGET_BYTES);
    assert.doesNotThrow(() => checkBudget(DEFAULT_BUDGET_BYTES, 'exactly the budget'));
    assert.throws(() => checkBudget(5 * 2 ** 30, `m.onnx's input "data" at 30000×30000`), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'over-budget');
      assert.match(e.message, /^m\.onnx's input "data" at 30000×30000 needs 5\.0 GiB, more than the engine's memory budget of 4\.0 GiB \(the default; set FEATURESCOPE_MEMORY_BUDGET to change it\)\.$/);
      return true;
    });
    process.env[BUDGET_ENV] = '512M';
    assert.throws(() => checkBudget(600 * 2 ** 20, 'decoding a.jpg at 10000×10000'), /needs 600 MiB, more than the engine's memory budget of 512 MiB \(FEATURESCOPE_MEMORY_BUDGET=512M\)/);
    process.env[BUDGET_ENV] = 'plenty';
    assert.throws(() => memoryBudget(), /FEATURESCOPE_MEMORY_BUDGET="plenty" is not a size/);
  } finally {
    if (saved === undefined) delete process.env[BUDGET_ENV];
    else process.env[BUDGET_ENV] = saved;
  }
});
