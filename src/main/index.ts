// Electron main: windows, menus, dialogs and wiring only. All model work happens in the engine process
// (./engine.ts); the page talks to it through its own MessagePort.
import { app, BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerDialogHandlers } from './dialogs';
import { Engine } from './engine';
import { buildMenu } from './menu';
import { trustWindow } from './security';

const engine = new Engine();
/** resources/icon.png (rendered from resources/icon.svg by scripts/build-icon.ts), beside out/ */
const APP_ICON = join(__dirname, '../../resources/icon.png');

// A project opened or created from the page changes the File ▸ Open Recent list.
let menuTimer: ReturnType<typeof setTimeout> | null = null;
let lastProjectPath = '';
engine.onEvent = (e) => {
  if (e.event !== 'project:changed') return;
  const path = (e.payload as { path?: string } | null)?.path ?? '';
  if (path === lastProjectPath) return;
  lastProjectPath = path;
  if (menuTimer) clearTimeout(menuTimer);
  menuTimer = setTimeout(() => void buildMenu(engine), 300);
};

function pageUrl(): string {
  // electron-vite's dev server in `electron-vite dev`, the built files otherwise
  return process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#15171b',
    title: 'Featurescope',
    // the window and taskbar icon on Linux and Windows (macOS takes the app bundle's)
    icon: APP_ICON,
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  const url = pageUrl();
  trustWindow(win.webContents, url);
  win.once('ready-to-show', () => win.show());
  win.webContents.on('did-finish-load', () => engine.connect(win.webContents));
  // The page never navigates and never opens windows; links to the web go to the default browser.
  win.webContents.on('will-navigate', (e, target) => {
    if (target !== url) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url: target }) => {
    if (/^https:\/\//.test(target)) void shell.openExternal(target);
    return { action: 'deny' };
  });
  void win.loadURL(url);
  return win;
}

app.whenReady().then(async () => {
  // Help ▸ About (and the app menu's About on macOS): the native panel with the version
  app.setAboutPanelOptions({ applicationName: 'Featurescope', applicationVersion: app.getVersion(), iconPath: APP_ICON, copyright: 'MIT licence' });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  registerDialogHandlers();
  createWindow();
  await buildMenu(engine);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => engine.stop());
