// Who owns a running job's row, and whether that owner is still alive ([Note: unfinished runs] in
// src/shared/jobs/runs.ts). A row names its engine (a random id per engine process), the process id and
// the machine. When a project is opened, a 'running' row whose engine is gone is interrupted; one whose
// engine is alive — another window or server on this machine running it now — is left alone.
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RunOwner } from '../../../shared/jobs/index';

export function engineOwner(): RunOwner {
  return { engine: `e_${randomBytes(6).toString('hex')}`, pid: process.pid, hostname: os.hostname() };
}

/**
 * Another engine's liveness. On this machine: whether its process exists (signal 0 only checks; EPERM
 * means it exists under another user). On another machine (a project on a shared drive) we cannot tell,
 * so its rows stay 'running' — a wrong "interrupted" would offer to resume a job that is still going.
 */
export function ownerAlive(owner: RunOwner): boolean {
  if (owner.hostname !== os.hostname()) return true;
  if (owner.pid === process.pid) return false; // an earlier engine in this very process (its id differs): gone
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
