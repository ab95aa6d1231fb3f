// Host domain "engine": the execution provider setting (kept in the app-data folder across restarts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProviderSetting } from '../../../shared/contract';
import { dataDir } from '../../store/recent';
import type { HostContext, Handlers } from './context';

export function engineHandlers(ctx: HostContext, ready: Promise<void>): Handlers<'engine:status' | 'engine:setProvider'> {
  return {
    'engine:status': async () => {
      await ready;
      return ctx.status();
    },
    'engine:setProvider': async ({ provider }) => {
      await ready;
      ctx.setEngine(await ctx.worker.setProvider(provider));
      writeSettings({ provider });
      return ctx.status();
    },
  };
}

interface Settings { provider: ProviderSetting }

function settingsFile(): string {
  return path.join(dataDir(), 'settings.json');
}

export function readSettings(): Settings {
  try {
    const s = JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as Partial<Settings>;
    const ok = ['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu'];
    return { provider: s.provider && ok.includes(s.provider) ? s.provider : 'auto' };
  } catch {
    return { provider: 'auto' };
  }
}

function writeSettings(s: Settings): void {
  fs.mkdirSync(dataDir(), { recursive: true });
  const tmp = `${settingsFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2));
  fs.renameSync(tmp, settingsFile());
}
