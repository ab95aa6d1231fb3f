// [Note: grants] Paths over the contract are capabilities, not free strings. A client (the Electron page on its
// MessagePort, the browser page through the bridge) may only name a file the person chose:
//   - read: a file picked in an open dialog or dropped on the window (Electron main grants it before the
//     page learns the path), or a file directly in the open project's folder;
//   - write: a file named in a save dialog (overwrite allowed: the dialog asked), or a new file directly in
//     the open project's folder (overwrite only with the request's explicit `overwrite` flag);
//   - project files: a `.fscope` file (typed on the start screen, chosen in a dialog, or in Recent).
// Browser mode never grants paths: files arrive as uploads (random ids in the bridge's upload folder).
// Relative paths are refused everywhere (they would resolve against the engine's working directory).
// Messages say only that a path was not chosen, never whether it exists (checked before any stat).
// The in-process Host (tests) has no PathGrants: like the CLI, it runs with its caller's own paths.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type Channel } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { listRecent } from '../../store/recent';

export type GrantAccess = 'read' | 'write';

/** What Electron main sends on the engine's parent channel after a dialog or a drop (never a page). */
export interface GrantMessage {
  type: 'grant';
  id: number;
  path: string;
  access: GrantAccess;
}

export function isGrantMessage(m: unknown): m is GrantMessage {
  const g = m as Partial<GrantMessage> | null;
  return !!g && g.type === 'grant' && typeof g.id === 'number' && typeof g.path === 'string' && (g.access === 'read' || g.access === 'write');
}

type Need = { path: string; what: string; access: 'read' | 'write' | 'project' | 'folder' };

/** Every path a request names, and what it will be used for. Channels without paths name none. */
export function pathsOf(channel: Channel, args: unknown): Need[] {
  const a = args as Record<string, unknown>;
  const src = (s: unknown, what: string): Need[] => {
    const f = s as { kind?: string; path?: unknown } | null | undefined;
    return f && f.kind === 'path' && typeof f.path === 'string' ? [{ path: f.path, what, access: 'read' }] : [];
  };
  switch (channel as string) {
    case 'project:create':
    case 'project:open':
      return [{ path: String(a.path), what: 'project file', access: 'project' }];
    case 'model:add':
      return [...src(a.source, 'model file'), ...((a.shards as unknown[] | undefined) ?? []).flatMap((s) => src(s, 'weights file'))];
    case 'model:setLabels':
      return src(a.source, 'labels file');
    case 'photo:add':
      return src(a.source, 'photo');
    case 'dream:export':
      return typeof a.path === 'string' ? [{ path: a.path, what: 'export file', access: 'write' }] : [];
    case 'dataset:add':
      return [{ path: String(a.path), what: 'dataset folder', access: 'folder' }];
    case 'run:dream':
    case 'job:start': {
      // a dream's settings may name a guide image by path (the CLI does); the app sends guidePhotoId
      const guide = (a.settings as { guide?: unknown } | undefined)?.guide;
      return typeof guide === 'string' ? [{ path: guide, what: 'guide image', access: 'read' }] : [];
    }
    default:
      return [];
  }
}

export class PathGrants {
  private readonly read = new Set<string>();
  private readonly write = new Set<string>();
  private projectDir: string | null = null;

  grant(file: string, access: GrantAccess): void {
    if (!path.isAbsolute(file) || file.includes('\0')) throw new EngineError('relative-path', `grant: "${file}" is not an absolute path`);
    (access === 'read' ? this.read : this.write).add(path.resolve(file));
  }

  /** The open project's folder (after project:create/open), or null after project:close. */
  setProject(file: string | null): void {
    this.projectDir = file ? path.dirname(path.resolve(file)) : null;
  }

  /** Throws EngineError ('relative-path', 'not-granted') unless every path of the request was granted. */
  check(channel: Channel, rawArgs: unknown): void {
    const args = parseArgs(channel, rawArgs);
    for (const need of pathsOf(channel, args)) this.checkOne(channel, need);
  }

  private checkOne(channel: Channel, need: Need): void {
    const p = need.path;
    if (p.includes('\0') || !path.isAbsolute(p)) {
      throw new EngineError('relative-path', `${channel}: the ${need.what} "${p}" is not an absolute path; relative paths are refused.`);
    }
    const abs = path.resolve(p);
    switch (need.access) {
      case 'read':
        if (this.read.has(abs) || this.inProjectFolder(abs)) return;
        break;
      case 'write':
        if (this.write.has(abs)) return;
        if (this.inProjectFolder(abs)) return;
        break;
      case 'project':
        if (/\.fscope$/i.test(abs) || this.read.has(abs) || this.write.has(abs) || listRecent().some((r) => r.path === abs)) return;
        throw new EngineError('not-granted', `${channel}: "${p}" is not a project file; projects are .fscope files.`);
      case 'folder':
        // Datasets are folders typed or chosen by the person; only the relative-path rule applies so far.
        return;
    }
    const how = need.access === 'write' ? 'name it in a save dialog or export into the project\'s folder' : 'choose it with the file dialog, drop it on the window, or upload it';
    throw new EngineError('not-granted', `${channel}: the ${need.what} "${p}" was not chosen in this window; ${how}.`);
  }

  /** Directly in the project's folder, also after resolving links (a link in the folder may point anywhere). */
  private inProjectFolder(abs: string): boolean {
    if (!this.projectDir || path.dirname(abs) !== this.projectDir || path.basename(abs).startsWith('.')) return false;
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      return true; // a new file: its name is checked above, the handler creates it exclusively
    }
    try {
      return path.dirname(real) === fs.realpathSync(this.projectDir);
    } catch {
      return false;
    }
  }
}
