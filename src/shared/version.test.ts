import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_VERSION } from './version';

test('APP_VERSION is package.json\'s version (bump both together)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  assert.equal(APP_VERSION, pkg.version);
});
