// Turning a contract FileSource (a path, or an upload id from the bridge) into a checked file path.
// Everything a client names is re-checked here: it exists, it is a file, it is not too big, and an
// upload id is a plain name inside the upload folder (no "../", no absolute paths, no links out).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileSource } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';

export class SourceError extends EngineError {
  declare readonly code: 'not-found' | 'is-directory' | 'too-large' | 'bad-upload' | 'no-upload-dir' | 'relative-path';
  constructor(code: SourceError['code'], message: string) {
    super(code, message);
    this.name = 'SourceError';
  }
}

export const LIMITS = {
  model: 2 ** 31 - 1,
  photo: 200 * 2 ** 20,
  labels: 8 * 2 ** 20,
} as const;

export interface ResolvedSource {
  path: string;
  /** the name a person knows the file by */
  name: string;
  size: number;
  /** an upload is a temporary copy: keep its bytes, not its path */
  temporary: boolean;
}

export function resolveSource(src: FileSource, kind: keyof typeof LIMITS, uploadDir: string | undefined): ResolvedSource {
  let file: string;
  let name: string;
  if (src.kind === 'path') {
    // a relative path would resolve against the engine's working directory, which nobody chose
    if (!path.isAbsolute(src.path)) throw new SourceError('relative-path', `"${src.path}" is not an absolute path; choose the ${kind} file again.`);
    file = path.resolve(src.path);
    name = path.basename(file);
  } else {
    if (!uploadDir) throw new SourceError('no-upload-dir', 'Uploads are not enabled: the engine has no upload folder (set FEATURESCOPE_UPLOAD_DIR or send a {type:"config"} message).');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(src.uploadId) || src.uploadId.includes('..')) {
      throw new SourceError('bad-upload', `Upload id "${src.uploadId}" is not a plain file name.`);
    }
    const dir = fs.realpathSync(uploadDir);
    file = path.join(dir, src.uploadId);
    name = path.basename(src.name) || src.uploadId;
    if (fs.existsSync(file) && path.dirname(fs.realpathSync(file)) !== dir) {
      throw new SourceError('bad-upload', `Upload "${src.uploadId}" points outside the upload folder.`);
    }
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new SourceError('not-found', src.kind === 'path' ? `${file} does not exist.` : `Upload "${src.uploadId}" (${name}) is not in the upload folder (expired or never uploaded).`);
  }
  if (st.isDirectory()) throw new SourceError('is-directory', `${file} is a folder; choose a file.`);
  if (!st.isFile()) throw new SourceError('not-found', `${file} is not a regular file.`);
  if (st.size > LIMITS[kind]) {
    throw new SourceError('too-large', `${name} is ${(st.size / 2 ** 20).toFixed(0)} MiB; a ${kind} file may be at most ${(LIMITS[kind] / 2 ** 20).toFixed(0)} MiB.`);
  }
  return { path: file, name, size: st.size, temporary: src.kind === 'upload' };
}
