// Shared by the e2e suites: where things are, why a suite skips, and starting the real browser-mode
// server (`node out/main/bridge.js`, which forks the real engine host) as a separate process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');
export const sharedDir = resolve(repoRoot, '../shared');
export const chromiumPath = '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'e2e/artifacts');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const shared = {
  googlenet: join(sharedDir, 'models/bvlc_googlenet.onnx'),
  labels: join(sharedDir, 'models/labels/imagenet_synset_words.txt'),
  dog: join(sharedDir, 'images/content/dog.jpg'),
};

/** Why the browser suite cannot run here, or null. */
export function browserSkipReason(): string | null {
  if (!existsSync(sharedDir)) return `browser e2e skipped: ${sharedDir} (reference models and images) is missing`;
  if (!existsSync(chromiumPath)) return `browser e2e skipped: ${chromiumPath} is missing (apt-get install chromium)`;
  return null;
}

export function assertBuilt(): void {
  for (const f of ['out/main/bridge.js', 'out/main/host.js', 'out/renderer/index.html']) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` before the e2e suites`);
  }
}

export interface Served {
  url: string;
  origin: string;
  token: string;
  /** ms from spawning the server to its printed URL */
  startMs: number;
  startedAt: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts `node out/main/bridge.js --port 0` with a private data dir (recent projects) and waits for its URL.
 * `opts.dataDir` uses a prepared data dir; `opts.env` overrides the environment (e.g. to keep the default model on);
 * `opts.port` reuses a port (a restart on the same address).
 */
export async function serve(opts: { dataDir?: string; env?: Record<string, string>; port?: number } = {}): Promise<Served> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'featurescope-e2e-data-'));
  const startedAt = Date.now();
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'out/main/bridge.js'), '--port', String(opts.port ?? 0)], {
    cwd: repoRoot,
    // New projects normally get a built-in InceptionV3, added in the background after project:create;
    // the suites turn that off so a project's model list is exactly what the test put in it.
    env: { ...process.env, FEATURESCOPE_DATA_DIR: dataDir, FEATURESCOPE_NO_DEFAULT_MODEL: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(d);
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`bridge printed no URL within 30 s; stderr:\n${stderr}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Featurescope: open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`bridge exited with code ${code} before printing its URL; stderr:\n${stderr}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    startMs: Date.now() - startedAt,
    startedAt,
    dataDir,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One browser-mode app under test: the real bridge (with its engine), Debian Chromium, a page, a work folder. */
export interface BrowserApp {
  server: Served;
  browser: Browser;
  page: Page;
  /** a fresh temporary folder for the suite's projects and downloads */
  work: string;
  /** saves e2e/artifacts/<shotPrefix><name>.png */
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * What every browser suite's `before` does: check the build, make the work folder, launch Chromium first
 * (so a suite's cold-start timing is the server's and the page's, not Chromium's), start the bridge, open a
 * 1440×900 page. `close()` undoes all of it, including the bridge's data folder.
 */
export async function openBrowserApp(opts: {
  workPrefix: string;
  shotPrefix?: string;
  timeoutMs?: number;
  serve?: Parameters<typeof serve>[0];
}): Promise<BrowserApp> {
  assertBuilt();
  mkdirSync(artifactsDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), opts.workPrefix));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const server = await serve(opts.serve);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page.setDefaultTimeout(opts.timeoutMs ?? 60_000);
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return {
    server, browser, page, work,
    shot: (name) => page.screenshot({ path: join(artifactsDir, `${opts.shotPrefix ?? ''}${name}.png`) }),
    async close() {
      await browser.close();
      await server.stop();
      rmSync(work, { recursive: true, force: true });
      rmSync(server.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Choose a preprocessing preset for the model shown in the Models panel and wait until the engine saved it
 * (its record then equals the form, so Apply greys out again).
 */
export async function applyPreset(page: Page, presetName: string): Promise<void> {
  await page.locator('[data-testid="preset-select"]').selectOption(presetName);
  const apply = page.locator('[data-testid="preprocess-apply"]');
  if (await apply.isEnabled()) {
    await apply.click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="preprocess-apply"]') as HTMLButtonElement).disabled);
  }
}
