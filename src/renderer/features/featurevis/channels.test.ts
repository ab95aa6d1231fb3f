import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunk, formatChannels, parseChannels } from './channels';

test('parseChannels: empty is the whole layer', () => {
  assert.deepEqual(parseChannels('  ', 4), [0, 1, 2, 3]);
});

test('parseChannels: ranges and single channels, sorted and distinct', () => {
  assert.deepEqual(parseChannels('0-7', 512), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(parseChannels('12, 3-5 ,4,97', 512), [3, 4, 5, 12, 97]);
  assert.deepEqual(parseChannels('10–12', 512), [10, 11, 12]);
});

test('parseChannels: errors name the field and the reason', () => {
  assert.throws(() => parseChannels('0-512', 512), /Channels: 512 is out of range \(this layer has channels 0–511\)/);
  assert.throws(() => parseChannels('7-3', 512), /Channels: the range "7-3" runs backwards/);
  assert.throws(() => parseChannels('a', 512), /Channels: "a" is not a channel number/);
  assert.throws(() => parseChannels('-3', 512), /Channels: "-3"/);
  assert.throws(() => parseChannels(',', 512), /Channels: no channel given/);
});

test('formatChannels: consecutive runs become ranges', () => {
  assert.equal(formatChannels([7, 0, 1, 2, 3, 4, 5, 6, 12, 14, 15]), '0-7,12,14-15');
  assert.equal(formatChannels([]), '');
  assert.deepEqual(parseChannels(formatChannels([3, 9, 10, 11]), 16), [3, 9, 10, 11]);
});

test('chunk: groups of at most n, in order', () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(chunk([], 3), []);
  assert.throws(() => chunk([1], 0), /at least 1/);
});
