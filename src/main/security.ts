// Checks every IPC message main receives: it must come from one of our windows, from our own page
// (not from a navigated-away or embedded frame). Paths the page could hand us are re-checked too.
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

const ours = new Set<WebContents>();
let pageUrl = '';

export function trustWindow(wc: WebContents, url: string): void {
  ours.add(wc);
  pageUrl = url;
  wc.once('destroyed', () => ours.delete(wc));
}

export function pageUrlPrefix(): string {
  return pageUrl.split(/[?#]/)[0]!;
}

export function assertTrustedSender(event: IpcMainInvokeEvent): void {
  const frame = event.senderFrame;
  const url = frame?.url ?? '';
  if (!ours.has(event.sender) || !frame || frame.parent !== null || !url.startsWith(pageUrlPrefix())) {
    throw new Error(`refused IPC from an untrusted sender (${url || 'unknown frame'})`);
  }
}

/** A path coming from outside main: absolute, no NUL bytes, and (when `mustExist`) an existing file. */
export function checkPath(value: unknown, what: string, mustExist: boolean): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096 || value.includes('\0') || !isAbsolute(value)) {
    throw new Error(`${what}: not an absolute file path`);
  }
  if (mustExist) {
    const info = statSync(value, { throwIfNoEntry: false });
    if (!info?.isFile()) throw new Error(`${what}: ${value} is not a file`);
  }
  return value;
}

/**
 * Links the page may hand to the default browser: https only, no credentials, and only hosts we link to
 * (documentation of the formats and tools we name). Anything else is dropped; allowed ones are still
 * confirmed by the person before `shell.openExternal` (index.ts).
 */
export const EXTERNAL_HOSTS = new Set(['github.com', 'onnx.ai', 'netron.app', 'www.tensorflow.org', 'distill.pub', 'arxiv.org']);

export function externalUrlAllowed(target: string): boolean {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && EXTERNAL_HOSTS.has(u.hostname);
}

/**
 * The page to load: the built files, or electron-vite's dev server — but ELECTRON_RENDERER_URL only in a
 * development (unpackaged) build and only on loopback http, so an environment variable cannot point a
 * packaged app (and its engine port) at a page from elsewhere.
 */
export function rendererUrl(env: NodeJS.ProcessEnv, isPackaged: boolean, builtFileUrl: string): string {
  const dev = env.ELECTRON_RENDERER_URL;
  if (!dev || isPackaged) return builtFileUrl;
  let u: URL;
  try {
    u = new URL(dev);
  } catch {
    return builtFileUrl;
  }
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) ? dev : builtFileUrl;
}
