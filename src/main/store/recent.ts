// The app-wide list of recently opened projects, a small JSON file in the app-data folder.
// Location: $FEATURESCOPE_DATA_DIR, else the OS default (tests point the env at a temp dir).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RecentProject } from '../../shared/contract';

const MAX_RECENT = 20;

export function dataDir(): string {
  const env = process.env.FEATURESCOPE_DATA_DIR;
  if (env) return path.resolve(env);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Featurescope');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Featurescope');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'featurescope');
}

function recentFile(): string {
  return path.join(dataDir(), 'recent.json');
}

function readList(): { path: string; name: string; openedAt: string }[] {
  try {
    const data = JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as unknown;
    if (!Array.isArray(data)) return [];
    return data.filter((e): e is { path: string; name: string; openedAt: string } =>
      !!e && typeof e.path === 'string' && typeof e.name === 'string' && typeof e.openedAt === 'string');
  } catch {
    // A missing or damaged list is not worth failing over: it is only a convenience.
    return [];
  }
}

export function listRecent(): RecentProject[] {
  return readList().map((e) => ({ ...e, exists: fs.existsSync(e.path) }));
}

export function rememberRecent(file: string, name: string): void {
  const abs = path.resolve(file);
  const list = [{ path: abs, name, openedAt: new Date().toISOString() }, ...readList().filter((e) => e.path !== abs)].slice(0, MAX_RECENT);
  fs.mkdirSync(dataDir(), { recursive: true });
  // Write-then-rename so a crash never leaves half a list.
  const tmp = `${recentFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(list, null, 2));
  fs.renameSync(tmp, recentFile());
}
