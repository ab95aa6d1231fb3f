// A dataset folder's files: a recursive walk (symlinked folders are not followed, so a link loop cannot
// trap it; dot-files such as .DS_Store are left out). JPEG, PNG and WebP files by extension are the
// candidates; every other file is listed with the reason it is not used. Whether a candidate really decodes
// is found out when it is indexed (a damaged one is then listed with the decoder's words).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DATASET_EXTENSIONS } from '../../../shared/dataset';
import { EngineError } from '../../../shared/errors';
import type { ScannedFile } from '../../store/dataset';

export interface FolderScan {
  folder: string;
  files: ScannedFile[];
  skipped: { path: string; reason: string }[];
}

export async function scanFolder(folder: string): Promise<FolderScan> {
  const abs = path.resolve(folder);
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new EngineError('not-found', `The dataset folder ${abs} does not exist.`);
  }
  if (!st.isDirectory()) throw new EngineError('not-a-folder', `${abs} is a file; a dataset is a folder of photos.`);
  const files: ScannedFile[] = [], skipped: { path: string; reason: string }[] = [];
  const walk = async (dir: string, rel: string[]): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: [...rel, ''].join('/'), reason: `the folder could not be read: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name), relPath = [...rel, e.name];
      if (e.isDirectory()) { await walk(full, relPath); continue; }
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      const ext = path.extname(e.name).toLowerCase();
      if (!(DATASET_EXTENSIONS as readonly string[]).includes(ext)) {
        skipped.push({ path: relPath.join('/'), reason: `not a JPEG, PNG or WebP file (${ext || 'no extension'})` });
        continue;
      }
      try {
        const s = await fs.stat(full);
        if (!s.isFile()) continue;
        files.push({ path: relPath.join('/'), size: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        skipped.push({ path: relPath.join('/'), reason: `could not be read: ${(err as Error).message}` });
      }
    }
  };
  await walk(abs, []);
  return { folder: abs, files, skipped };
}

/** Refuse a folder that holds no candidate photo, saying what is there instead. */
export function checkScan(scan: FolderScan): void {
  if (scan.files.length > 0) return;
  if (scan.skipped.length === 0) throw new EngineError('empty-folder', `The folder ${scan.folder} is empty: it has no JPEG, PNG or WebP photos (subfolders included).`);
  const few = scan.skipped.slice(0, 3).map((s) => `${s.path} (${s.reason})`).join(', ');
  throw new EngineError('no-photos', `The folder ${scan.folder} has no JPEG, PNG or WebP photos: its ${scan.skipped.length} file${scan.skipped.length === 1 ? '' : 's'} cannot be used, e.g. ${few}.`);
}
