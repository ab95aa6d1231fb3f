// The desktop app end to end (Playwright's Electron driver), where an Electron binary exists. Here
// (and in CI) `node_modules/electron/dist` cannot be downloaded, so it skips with one line saying why.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { artifactsDir, assertBuilt, repoRoot, shared, sharedDir } from './helpers';

/** The installed Electron binary, found without requiring the package (that would start a download). */
function electronBinary(): string | null {
  const pkg = join(repoRoot, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
    : rel
      ? join(pkg, 'dist', rel)
      : '';
  return full && existsSync(full) ? full : null;
}

function skipReason(): string | null {
  if (!electronBinary()) return 'electron e2e skipped: Electron binary not installed (node_modules/electron/dist missing)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'electron e2e skipped: no display (run under xvfb-run)';
  if (!existsSync(sharedDir)) return `electron e2e skipped: ${sharedDir} is missing`;
  return null;
}

test('desktop app: create → model → photo → classify → reopen', { timeout: 300_000 }, async (t) => {
  const reason = skipReason();
  if (reason) return t.skip(reason);
  assertBuilt();
  mkdirSync(artifactsDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'featurescope-e2e-electron-'));
  const app = await _electron.launch({
    executablePath: electronBinary()!,
    args: [repoRoot],
    env: { ...process.env, FEATURESCOPE_DATA_DIR: join(work, 'data'), FEATURESCOPE_NO_DEFAULT_MODEL: '1' },
  });
  try {
    const page = await app.firstWindow();
    page.setDefaultTimeout(60_000);
    const byTest = (id: string) => page.locator(`[data-testid="${id}"]`);
    await byTest('start-screen').waitFor();
    assert.equal(await page.evaluate(() => window.featurescope?.mode), 'electron');
    assert.equal(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require), 'undefined');
    // Native dialogs cannot be driven; the path fields and file inputs do the same through real paths.
    await byTest('new-name').fill('Desktop');
    await byTest('new-folder').fill(work);
    await byTest('create-project').click();
    await byTest('project-screen').waitFor();
    await byTest('add-model-input').setInputFiles(shared.googlenet);
    await page.locator('tr[data-layer="inception_4c/output"]').waitFor({ timeout: 120_000 });
    await byTest('add-photo-input').setInputFiles(shared.dog);
    await page.locator('[data-photo="dog.jpg"]').waitFor();
    await byTest('labels-input').setInputFiles(shared.labels);
    await byTest('labels-status').getByText(/^1000 labels/).waitFor();
    await byTest('tab-run').click();
    await byTest('classify').click();
    const top1 = page.locator('[data-testid="classify-result"] [data-rank="1"]');
    await top1.waitFor({ timeout: 120_000 });
    const index = Number(await top1.getAttribute('data-class-index'));
    assert.ok(index >= 151 && index <= 268, `top-1 class ${index} is not a dog breed`);
    await page.screenshot({ path: join(artifactsDir, 'electron-classify.png') });
    await byTest('close-project').click();
    await byTest('open-path').fill(join(work, 'Desktop.fscope'));
    await byTest('open-project').click();
    await top1.waitFor();
  } finally {
    await app.close();
    rmSync(work, { recursive: true, force: true });
  }
});
