// POST /upload?name=<file name>&kind=model|photo|labels — the browser's stand-in for a file path.
// The body (raw bytes; the page sends the File itself) is streamed to disk, never buffered, into a
// private folder the engine host also reads (FEATURESCOPE_UPLOAD_DIR). The answer is an upload id: a
// plain file name inside that folder, which the page passes on as `{ kind: 'upload', uploadId, name }`.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { extname, join } from 'node:path';

const MB = 1024 * 1024;
/** Generous: real models reach 2 GB; photos from cameras can be large TIFF-ish JPEGs. */
export const UPLOAD_LIMITS = { model: 2048 * MB, photo: 200 * MB, labels: 50 * MB } as const;
export type UploadKind = keyof typeof UPLOAD_LIMITS;
export type UploadLimits = Record<UploadKind, number>;

export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function uploadKind(value: string | null): UploadKind {
  if (value === null) return 'model';
  if (value === 'model' || value === 'photo' || value === 'labels') return value;
  throw new UploadError(`upload: unknown kind "${value}" (expected model, photo or labels)`, 400);
}

/** A fresh id: random, plus the original extension when it is a short plain one (helps the engine's messages). */
export function newUploadId(originalName: string): string {
  const ext = extname(originalName).toLowerCase();
  return randomBytes(12).toString('hex') + (/^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '');
}

export async function receiveUpload(
  req: IncomingMessage,
  dir: string,
  name: string,
  kind: UploadKind,
  limits: UploadLimits = UPLOAD_LIMITS,
): Promise<{ uploadId: string; size: number }> {
  const limit = limits[kind];
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    // not read at all: the server answers 413 and closes the connection (server.ts refuse())
    throw new UploadError(`upload: "${name}" is ${fmt(declared)}, over the ${fmt(limit)} limit for a ${kind}`, 413);
  }
  const uploadId = newUploadId(name);
  const path = join(dir, uploadId);
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let size = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          // stop here; the server answers 413 and destroys the request instead of reading the rest
          req.unpipe(out);
          req.pause();
          reject(new UploadError(`upload: "${name}" is over the ${fmt(limit)} limit for a ${kind}`, 413));
        }
      });
      req.on('close', () => {
        if (!req.complete) reject(new UploadError(`upload: "${name}" was interrupted`, 400));
      });
      req.on('error', reject);
      out.on('error', reject);
      out.on('finish', resolve);
      req.pipe(out);
    });
  } catch (err) {
    // the file may still be opening: wait for the stream to close, else it appears after the unlink
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
    await unlink(path).catch(() => undefined);
    throw err;
  }
  return { uploadId, size };
}

function fmt(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(0)} MB` : `${bytes} bytes`;
}
