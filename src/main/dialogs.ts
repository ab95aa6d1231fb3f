// Native dialogs, the only IPC main answers for the page (everything else goes to the engine directly).
import { BrowserWindow, dialog, ipcMain } from 'electron';
import { assertTrustedSender, checkPath } from './security';

const FILTERS: Record<'model' | 'photo' | 'labels' | 'project', Electron.FileFilter[]> = {
  model: [{ name: 'ONNX model or TF.js model.json', extensions: ['onnx', 'json'] }],
  photo: [{ name: 'Photos', extensions: ['jpg', 'jpeg', 'png', 'webp'] }],
  labels: [{ name: 'Labels (one class per line)', extensions: ['txt', 'csv'] }],
  project: [{ name: 'Featurescope project', extensions: ['fscope'] }],
};

export async function pickProjectPath(win: BrowserWindow | null, mode: 'create' | 'open'): Promise<string | null> {
  if (mode === 'create') {
    const r = win
      ? await dialog.showSaveDialog(win, { title: 'New project', defaultPath: 'Untitled.fscope', filters: [...FILTERS.project] })
      : await dialog.showSaveDialog({ title: 'New project', defaultPath: 'Untitled.fscope', filters: [...FILTERS.project] });
    if (r.canceled || !r.filePath) return null;
    return checkPath(r.filePath.endsWith('.fscope') ? r.filePath : `${r.filePath}.fscope`, 'new project', false);
  }
  const opts = { title: 'Open project', properties: ['openFile' as const], filters: [...FILTERS.project] };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  return r.canceled || !r.filePaths[0] ? null : checkPath(r.filePaths[0], 'project', true);
}

export function registerDialogHandlers(): void {
  ipcMain.handle('featurescope:pick-file', async (event, kind: unknown) => {
    assertTrustedSender(event);
    if (kind !== 'model' && kind !== 'photo' && kind !== 'labels') throw new Error(`pick-file: unknown kind ${String(kind)}`);
    const win = BrowserWindow.fromWebContents(event.sender);
    const opts = { title: `Choose a ${kind} file`, properties: ['openFile' as const], filters: [...FILTERS[kind]] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled || !r.filePaths[0] ? null : checkPath(r.filePaths[0], kind, true);
  });
  ipcMain.handle('featurescope:pick-project', async (event, mode: unknown) => {
    assertTrustedSender(event);
    if (mode !== 'create' && mode !== 'open') throw new Error(`pick-project: unknown mode ${String(mode)}`);
    return pickProjectPath(BrowserWindow.fromWebContents(event.sender), mode);
  });
}
