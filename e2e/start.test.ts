// `npm start` / `npm run serve` (scripts/start.mjs): where Electron cannot start, one line says why and
// the same UI is served; `--serve` goes straight to browser mode. Both print a URL that really works.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertBuilt, repoRoot } from './helpers';

function electronInstalled(): boolean {
  const pathFile = join(repoRoot, 'node_modules/electron/path.txt');
  return existsSync(pathFile) && existsSync(join(repoRoot, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim()));
}

/** Runs start.mjs until it prints its URL; returns the lines before it and the URL, then stops it. */
async function runStart(args: string[], env: NodeJS.ProcessEnv): Promise<{ lines: string[]; url: string; oldLink: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'featurescope-e2e-start-'));
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs'), ...args], {
    cwd: repoRoot,
    env: { ...env, FEATURESCOPE_DATA_DIR: dataDir, FEATURESCOPE_NO_DEFAULT_MODEL: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no URL within 60 s; output so far:\n${out}`)), 60_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /Featurescope: open (http:\/\/\S+)/.exec(out);
        if (m) clearTimeout(timer), res(m[1]!);
      });
      child.once('exit', (code) => (clearTimeout(timer), rej(new Error(`start.mjs exited (${code}):\n${out}`))));
    });
    // a rebuild notice may come first when sources are newer than out/ (someone is editing)
    const lines = out.split('\n').filter((l) => l && !l.startsWith('Featurescope: open') && !/rebuilding|Building/.test(l));
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303, 'the printed URL is accepted (and moves its token into a cookie)');
    // a link from an earlier start gets a page that names the command that was run
    const old = await fetch(url.replace(/token=[\w-]+/, 'token=from-an-earlier-start'), { headers: { accept: 'text/html' } });
    assert.equal(old.status, 403);
    return { lines, url, oldLink: await old.text() };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('npm start without Electron: one line saying why, then the browser URL', { timeout: 120_000 }, async (t) => {
  if (electronInstalled()) return t.skip('start fallback e2e skipped: an Electron binary is installed here, so npm start would open the app');
  assertBuilt();
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const { lines, url, oldLink } = await runStart(['--port', '0'], env);
  assert.match(oldLink, /run <code>npm start<\/code>/);
  assert.equal(lines.length, 1, `exactly one line before the URL, got:\n${lines.join('\n')}`);
  assert.match(lines[0]!, /^Electron cannot start here: Electron binary not installed .*serving the same UI in your browser instead\.$/);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
});

test('npm run serve: browser mode on purpose, loopback only', { timeout: 120_000 }, async () => {
  assertBuilt();
  const { lines, url, oldLink } = await runStart(['--serve', '--port', '0'], process.env);
  assert.match(oldLink, /run <code>npm run serve<\/code>/);
  assert.deepEqual(lines, []);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//);
});

test('npm run serve refuses a non-loopback --host and says how to reach it remotely', { timeout: 60_000 }, async () => {
  assertBuilt();
  const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs'), '--serve', '--host', '0.0.0.0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 1);
  assert.match(err, /--host must stay on loopback.*ssh -L/);
});
