// Which unfinished runs ([Note: unfinished runs] in src/shared/jobs/runs.ts) the Jobs panel lists beside
// the job cards. Pure, for node:test.
import type { JobInfo, ProjectState, UnfinishedRun } from '../../../shared/contract';
import { isActive } from './state';

/**
 * Unfinished runs to show in the Jobs panel: interrupted and failed ones, and ones running in ANOTHER
 * window or server. This window's own jobs already have their card: a row still 'running' with a card is
 * one of them (or one whose engine just died, until the restarted engine marks it interrupted).
 */
export function unfinishedToShow(project: ProjectState | null, jobs: JobInfo[]): UnfinishedRun[] {
  const active = new Set(jobs.filter((j) => isActive(j.state) && j.runId).map((j) => j.runId));
  const carded = new Set(jobs.map((j) => j.runId).filter(Boolean));
  return (project?.unfinishedRuns ?? []).filter((r) => !active.has(r.id) && !((r.status === 'running' || r.status === 'queued') && carded.has(r.id)));
}
