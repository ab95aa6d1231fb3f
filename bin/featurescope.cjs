#!/usr/bin/env node
// `featurescope` launcher. The product needs Node 22 (from the `node` devDependency); `npx` may put an
// older system node first on PATH, so re-exec with the repo's own node when the running one is too old.
// Then register tsx and load the TypeScript CLI entry.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22 && !process.env.FEATURESCOPE_REEXEC) {
  const candidates = [
    path.join(root, 'node_modules', 'node', 'bin', 'node'),
    path.join(root, 'node_modules', '.bin', 'node'),
  ];
  const node = candidates.find((p) => fs.existsSync(p));
  if (!node) {
    console.error(`featurescope needs Node 22 or newer (running ${process.version}); run "npm install" in ${root}.`);
    process.exit(1);
  }
  const r = spawnSync(node, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FEATURESCOPE_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

require('tsx/cjs/api').register();
const { main } = require(path.join(root, 'src', 'cli', 'main.ts'));
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(e); process.exitCode = 1; },
);
