// Electron main: windows, menus, dialogs and wiring only. All model work happens in the engine process
// (./engine.ts); the page talks to it through its own MessagePort.
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerDialogHandlers } from './dialogs';
import { Engine } from './engine';
import { buildMenu } from './menu';
import { externalUrlAllowed, rendererUrl, trustWindow } from './security';

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
  // electron-vite's dev server in `electron-vite dev` (unpackaged builds only), the built files otherwise
  return rendererUrl(process.env, app.isPackaged, pathToFileURL(join(__dirname, '../renderer/index.html')).href);
}

/** A link from the page: only allow-listed https hosts, and only after the person says yes. */
async function openExternal(win: BrowserWindow, target: string): Promise<void> {
  if (!externalUrlAllowed(target)) return;
  const { response } = await dialog.showMessageBox(win, {
    type: 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your web browser?',
    detail: target,
  });
  // reviewed: only allow-listed https hosts (externalUrlAllowed), and only after the person confirmed
  if (response === 0) await shell.openExternal(target); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
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
      // reviewed: the sandboxed preload exposes only window.featurescope (no Node, no ipcRenderer)
      preload: join(__dirname, '../preload/index.js'), /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // middle-click on a link would open a new window: not in this app
      disableBlinkFeatures: 'Auxclick',
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
    void openExternal(win, target);
    return { action: 'deny' };
  });
  void win.loadURL(url);
  return win;
}

// Any other web contents (a webview, a window something opened) gets no navigation and no windows either.
app.on('web-contents-created', (_e, wc) => {
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(async () => {
  // Help ▸ About (and the app menu's About on macOS): the native panel with the version
  app.setAboutPanelOptions({ applicationName: 'Featurescope', applicationVersion: app.getVersion(), iconPath: APP_ICON, copyright: 'MIT licence' });
  // The page needs no camera, microphone, notifications, geolocation, USB, HID, serial…: deny every
  // request and every check by default.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  registerDialogHandlers(engine);
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
