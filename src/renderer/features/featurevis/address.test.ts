import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnitHash, sameUnit, unitHash } from './address';

test('a unit address survives the round trip, slashes and colons in layer names included', () => {
  const u = { modelId: 'm_12', layer: 'inception_4c/output:pre', channel: 97 };
  const h = unitHash(u);
  assert.equal(h, '#unit/m_12/inception_4c%2Foutput%3Apre/97');
  assert.deepEqual(parseUnitHash(h), u);
  assert.ok(sameUnit(parseUnitHash(h), u));
});

test('other hashes are not units', () => {
  for (const h of ['', '#', '#unit/m/l', '#unit/m/l/x', '#unit/m/a/b/3', '#unit/m/%E0%A4%A/3', '#layer/m/l']) assert.equal(parseUnitHash(h), null, h);
  assert.ok(!sameUnit(null, { modelId: 'm', layer: 'l', channel: 1 }));
});
