// Native dialogs, the only IPC main answers for the page (everything else goes to the engine directly).
// A path the person picks here, or a file they drop on the window, is granted to the engine before the
// page learns it ([Note: grants] src/main/engine/host/grants.ts): the page cannot name any other file.
import { BrowserWindow, dialog, ipcMain } from 'electron';
import type { Engine } from './engine';
import { assertTrustedSender, checkPath } from './security';

const FILTERS: Record<'model' | 'photo' | 'labels' | 'project', Electron.FileFilter[]> = {
  model: [{ name: 'ONNX model or TF.js model.json', extensions: ['onnx', 'json'] }],
  photo: [{ name: 'Photos', extensions: ['jpg', 'jpeg', 'png', 'webp'] }],
  labels: [{ name: 'Labels (one class per line)', extensions: ['txt', 'csv'] }],
  project: [{ name: 'Featurescope project', extensions: ['fscope'] }],
};

let engine: Engine | null = null;

async function granted(path: string, access: 'read' | 'write'): Promise<string> {
  if (!engine) throw new Error('dialogs: no engine to grant the chosen file to');
  await engine.grant(path, access);
  return path;
}

export async function pickProjectPath(win: BrowserWindow | null, mode: 'create' | 'open'): Promise<string | null> {
  if (mode === 'create') {
    const r = win
      ? await dialog.showSaveDialog(win, { title: 'New project', defaultPath: 'Untitled.fscope', filters: [...FILTERS.project] })
      : await dialog.showSaveDialog({ title: 'New project', defaultPath: 'Untitled.fscope', filters: [...FILTERS.project] });
    if (r.canceled || !r.filePath) return null;
    return granted(checkPath(r.filePath.endsWith('.fscope') ? r.filePath : `${r.filePath}.fscope`, 'new project', false), 'write');
  }
  const opts = { title: 'Open project', properties: ['openFile' as const], filters: [...FILTERS.project] };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled || !r.filePaths[0] ? null : granted(checkPath(r.filePaths[0], 'project', true), 'read');
}

export function registerDialogHandlers(e: Engine): void {
  engine = e;
  ipcMain.handle('featurescope:pick-file', async (event, kind: unknown) => {
    assertTrustedSender(event);
    if (kind !== 'model' && kind !== 'photo' && kind !== 'labels') throw new Error(`pick-file: unknown kind ${String(kind)}`);
    const win = BrowserWindow.fromWebContents(event.sender);
    const opts = { title: `Choose a ${kind} file`, properties: ['openFile' as const], filters: [...FILTERS[kind]] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled || !r.filePaths[0] ? null : granted(checkPath(r.filePaths[0], kind, true), 'read');
  });
  ipcMain.handle('featurescope:pick-project', async (event, mode: unknown) => {
    assertTrustedSender(event);
    if (mode !== 'create' && mode !== 'open') throw new Error(`pick-project: unknown mode ${String(mode)}`);
    return pickProjectPath(BrowserWindow.fromWebContents(event.sender), mode);
  });
  // A file dropped on the window: the preload learns its path from the File itself (webUtils.getPathForFile,
  // which only real files from a drop or a file input have), and asks for it to be readable.
  ipcMain.handle('featurescope:grant-dropped', async (event, path: unknown) => {
    assertTrustedSender(event);
    await granted(checkPath(path, 'dropped file', true), 'read');
    return null;
  });
}
