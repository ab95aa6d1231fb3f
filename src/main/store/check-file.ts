// Is this file a Featurescope project we can open? Decided WITHOUT changing it and without blocking:
// stat first (a FIFO, a device or a folder is refused before anything opens it), then the 100-byte SQLite
// header read with our own read (application id, format version), then SQLite's own integrity check that
// leaves no -wal/-shm side files behind (checkIntegrity), so a refused file is left exactly as it was. Only
// a file that passes all of it is opened for writing.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../shared/errors';

export type ProjectErrorCode =
  | 'not-found' | 'is-directory' | 'exists' | 'not-a-project' | 'newer-version' | 'not-sqlite' | 'no-such-item'
  | 'not-regular-file' | 'empty' | 'damaged';

/** Why a project file cannot be used. `code` is stable for tests and the UI. */
export class ProjectError extends EngineError {
  declare readonly code: ProjectErrorCode;
  constructor(code: ProjectErrorCode, message: string) {
    super(code, message);
    this.name = 'ProjectError';
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Integrity problems quoted in the message (SQLite can list thousands). */
const MAX_PROBLEMS = 5;

/** What a non-regular file is, in words. */
function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The header fields we need, read from the file's first 100 bytes. */
export interface SqliteHeader { applicationId: number; userVersion: number }

/**
 * Check `file` can be opened as a project: throws ProjectError naming the file, never changes it.
 * `appId`/`maxVersion` are the schema's (passed in so this file does not depend on the migrations).
 */
export function checkProjectFile(file: string, appId: number, maxVersion: number): void {
  const name = path.basename(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ProjectError('not-found', `Project file ${file} does not exist.`);
  }
  if (st.isDirectory()) throw new ProjectError('is-directory', `${file} is a folder, not a Featurescope project file.`);
  if (!st.isFile()) throw new ProjectError('not-regular-file', `${file} is ${kindOf(st)}, not a regular file: a project is a .fscope file. Nothing was read from it.`);
  if (st.size === 0) throw new ProjectError('empty', `${name} is empty (0 bytes), not a project. The file was not changed.`);
  const head = readHeader(file, name);
  if (head.applicationId !== appId) {
    throw new ProjectError('not-a-project', `${name} is an SQLite database but not a Featurescope project (it was made by another program). It was not changed.`);
  }
  if (head.userVersion > maxVersion) {
    throw new ProjectError('newer-version', `${name} was saved by a newer Featurescope (project format ${head.userVersion}; this version reads up to ${maxVersion}). Update Featurescope to open it. The file was not changed.`);
  }
  checkIntegrity(file, name, st.size);
}

function readHeader(file: string, name: string): SqliteHeader {
  // O_NONBLOCK: if the file was swapped for a FIFO since the stat, the open still returns at once.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(100);
  let n = 0;
  try {
    if (!fs.fstatSync(fd).isFile()) throw new ProjectError('not-regular-file', `${file} is not a regular file: a project is a .fscope file.`);
    n = fs.readSync(fd, buf, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n < 100 || !buf.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new ProjectError('not-sqlite', `${name} is not a Featurescope project (not an SQLite database${n < 100 ? `: only ${n} bytes` : ''}). The file was not changed.`);
  }
  return { userVersion: buf.readUInt32BE(60), applicationId: buf.readInt32BE(68) };
}

/**
 * Files up to this size are checked from a copy in memory; bigger ones through a read-only connection
 * (copying is the slow part: a 200 MiB project took 5 s to read and deserialize under load, 0.6 s read-only;
 * the check itself 0.1 s).
 */
const IN_MEMORY_CHECK_BYTES = 16 * 2 ** 20;

/**
 * SQLite's own check of every page and index; its words go into the message. better-sqlite3 has no URI
 * filenames (so no `immutable=1`), and a read-only connection to a WAL-mode file creates -wal/-shm beside
 * it. So the check runs on an in-memory copy (its header set back to rollback mode, which a deserialized
 * database needs); a bigger file gets a read-only connection, and the side files that connection made
 * (none existed before, so no other connection had the file open) are removed after it closes.
 */
function checkIntegrity(file: string, name: string, size: number): void {
  let db: Database.Database | undefined;
  let problems: string[];
  const sides = [`${file}-wal`, `${file}-shm`].filter((f) => !fs.existsSync(f));
  try {
    if (size <= IN_MEMORY_CHECK_BYTES) {
      const copy = fs.readFileSync(file);
      copy[18] = 1;
      copy[19] = 1;
      db = new Database(copy);
    } else db = new Database(file, { readonly: true, fileMustExist: true });
    problems = (db.pragma(`integrity_check(${MAX_PROBLEMS})`) as { integrity_check: string }[]).flatMap((r) => r.integrity_check.split('\n'))
      .map((l) => l.trim()).filter(Boolean).slice(0, MAX_PROBLEMS + 1);
  } catch (e) {
    problems = [(e as Error).message];
  } finally {
    db?.close();
    for (const f of sides) fs.rmSync(f, { force: true });
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw new ProjectError('damaged', `${name} is damaged and was not opened. SQLite's integrity check says: ${problems.join('; ')}. The file was not changed; open a backup copy if you have one.`);
}
