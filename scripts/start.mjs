#!/usr/bin/env node
// `npm start`: the desktop app; where Electron cannot start (binary missing, no display) say so in one
// line and serve the same UI in the browser. `npm run serve`: browser mode on purpose.
//   npm run serve -- --port 8765        (the host stays 127.0.0.1)
// Builds first when out/ is missing or older than the sources.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const serveOnly = args.includes('--serve');

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`Featurescope needs Node 22 or newer (this is ${process.version}); run it through npm (npm start), which uses the bundled node.`);
  process.exit(1);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

function buildIfStale() {
  const outputs = ['out/main/index.js', 'out/main/bridge.js', 'out/main/host.js', 'out/preload/index.js', 'out/renderer/index.html'].map((p) => join(root, p));
  const oldestOutput = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
  const newestInput = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'electron.vite.config.ts')));
  if (oldestOutput > newestInput) return;
  console.log(oldestOutput === 0 ? 'Building Featurescope (first run)…' : 'Sources changed; rebuilding…');
  const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error('Build failed (see above). Try `npm run build` for the full output.');
    process.exit(r.status ?? 1);
  }
}

/**
 * The Electron binary, without triggering electron's own on-demand download (requiring the package
 * downloads noisily when the binary is missing). Mirrors node_modules/electron/index.js.
 */
function installedElectron() {
  const pkg = join(root, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
  const full = rel ? join(pkg, 'dist', rel) : '';
  return full && existsSync(full) ? full : null;
}

/** Electron fetches its binary on first use. Try that once, quietly: offline it fails within a second. */
function fetchElectron() {
  const install = join(root, 'node_modules/electron/install.js');
  if (!existsSync(install) || process.env.CI) return null;
  spawnSync(process.execPath, [install], { cwd: root, stdio: 'ignore', timeout: 10 * 60_000 });
  return installedElectron();
}

/** [binary, null] when Electron can try to start, [null, why] when not. */
function electronOrReason() {
  const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  let binary = installedElectron();
  if (!binary && noDisplay) return [null, 'Electron binary not installed (node_modules/electron/dist missing)'];
  if (noDisplay) return [null, 'no display (DISPLAY and WAYLAND_DISPLAY are unset)'];
  binary ??= fetchElectron();
  if (!binary) return [null, 'Electron binary not installed (node_modules/electron/dist missing, and downloading it failed)'];
  return [binary, null];
}

function serve() {
  // The bridge bundle reads its flags from process.argv (--port, --host; --serve is accepted) and prints the URL.
  // The page an old link gets names the command the person ran.
  process.env.FEATURESCOPE_LAUNCH_COMMAND = serveOnly ? 'npm run serve' : 'npm start';
  require(join(root, 'out/main/bridge.js'));
}

buildIfStale();
if (serveOnly) serve();
else {
  const [electron, blocker] = electronOrReason();
  if (!electron) {
    console.log(`Electron cannot start here: ${blocker}; serving the same UI in your browser instead.`);
    serve();
  } else {
    const started = Date.now();
    const child = spawn(electron, [root, ...args], { stdio: 'inherit' });
    const forward = (sig) => () => child.kill(sig);
    process.on('SIGINT', forward('SIGINT'));
    process.on('SIGTERM', forward('SIGTERM'));
    child.on('exit', (code, signal) => {
      // A quick failure (missing system libraries, broken GPU stack) falls back to the browser.
      if (code && Date.now() - started < 8000) {
        console.log(`Electron cannot start here: it exited with code ${code} right away; serving the same UI in your browser instead.`);
        serve();
        return;
      }
      process.exit(code ?? (signal ? 1 : 0));
    });
  }
}
