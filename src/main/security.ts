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
