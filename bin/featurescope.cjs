#!/usr/bin/env node
// `featurescope` launcher. The product needs Node 22 (from the `node` devDependency); `npx` may put an
// older system node first on PATH, so re-exec with the repo's own node when the running one is too old.
// The CLI runs the engine in its own process, so it also re-executes itself once in the engine process's
// environment ([Note: huge pages] in src/main/engine/runtime/process-env.ts: read by glibc at start).
// Then register tsx and load the TypeScript CLI entry.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');

/** Run this launcher again with `node` and `env`, passing signals on, and exit as it exits. */
function reexec(node, env) {
  const child = spawn(node, [__filename, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) {
      // die of the same signal (its exit status), without the forwarding handler catching it
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

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
  reexec(node, { ...process.env, FEATURESCOPE_REEXEC: '1' });
} else {
  require('tsx/cjs/api').register();
  const { engineProcessEnv, hasEngineEnv } = require(path.join(root, 'src', 'main', 'engine', 'runtime', 'process-env.ts'));
  if (!hasEngineEnv() && !process.env.FEATURESCOPE_REEXEC_ENV) {
    reexec(process.execPath, { ...engineProcessEnv(), FEATURESCOPE_REEXEC_ENV: '1' });
  } else {
    const { main } = require(path.join(root, 'src', 'cli', 'main.ts'));
    main(process.argv.slice(2)).then(
      (code) => { process.exitCode = code; },
      (e) => { console.error(e); process.exitCode = 1; },
    );
  }
}
