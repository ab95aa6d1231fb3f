// The application menu. File actions run in main (they need native dialogs) and go to the engine
// directly; the windows learn the result through a `project:changed` event.
import { app, BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { ProjectState, RecentProject } from '../shared/contract';
import { pickProjectPath } from './dialogs';
import type { Engine } from './engine';
import { checkPath } from './security';

export async function buildMenu(engine: Engine): Promise<void> {
  let recent: RecentProject[] = [];
  try {
    recent = await engine.request('project:recent', {});
  } catch {
    // The menu still works without the recent list.
  }
  const focused = (): BrowserWindow | null => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? null;

  async function openWith(action: () => Promise<ProjectState>, what: string): Promise<void> {
    try {
      const state = await action();
      engine.broadcast({ type: 'event', event: 'project:changed', payload: state });
    } catch (err) {
      dialog.showErrorBox(`Could not ${what}`, (err as Error).message);
    }
    await buildMenu(engine);
  }

  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? recent.slice(0, 12).map((r) => ({
        label: `${r.name} — ${r.path}`,
        enabled: r.exists,
        click: () =>
          void openWith(async () => {
            // the person picked it from the menu: grant it like a dialog would
            const path = checkPath(r.path, 'recent project', true);
            await engine.grant(path, 'read');
            return engine.request('project:open', { path });
          }, `open ${r.path}`),
      }))
    : [{ label: 'No recent projects', enabled: false }];

  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'New Project…',
          accelerator: 'CmdOrCtrl+N',
          click: async () => {
            const path = await pickProjectPath(focused(), 'create');
            if (path) await openWith(() => engine.request('project:create', { path }), `create ${path}`);
          },
        },
        {
          label: 'Open Project…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const path = await pickProjectPath(focused(), 'open');
            if (path) await openWith(() => engine.request('project:open', { path }), `open ${path}`);
          },
        },
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }, { label: `Featurescope ${app.getVersion()}`, enabled: false }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
