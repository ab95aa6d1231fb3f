// Runs a crash interrupted (or that failed, or that run in another window), each with its last frame,
// how far it got, and Resume (it finishes into the same run) / Discard. data-* attributes let tests read
// a run's status without parsing text.
import { useEffect } from 'react';
import type { UnfinishedRun } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { projectAtom } from '../project/atoms';
import { artifactsAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';
import { jobsAtom } from './atoms';
import { discardRun, resumeRun } from './recovery';
import { unfinishedToShow } from './unfinished';

const LABEL: Record<UnfinishedRun['status'], string> = { interrupted: 'interrupted', failed: 'failed', running: 'running in another window', queued: 'queued in another window' };

function UnfinishedItem({ run, photoName }: { run: UnfinishedRun; photoName: string | undefined }) {
  const frame = run.artifacts.find((a) => a.name === 'checkpoint');
  const src = useAtomValue(artifactsAtom)[frame?.id ?? ''];
  useEffect(() => {
    if (frame) void loadArtifact(frame.id);
  }, [frame?.id]);
  const pct = Math.round(run.checkpoint.fraction * 100);
  return (
    <li className={`job job-unfinished job-${run.status === 'running' || run.status === 'queued' ? 'queued' : 'cancelled'}`} data-testid="unfinished-run" data-run-id={run.id} data-run-kind={run.kind} data-run-status={run.status}>
      <div className="job-line">
        <span className="job-title" title={run.checkpoint.title ?? run.id}>
          {run.checkpoint.title ?? `${run.kind}${photoName ? ` on ${photoName}` : ''}`}
        </span>
        <span className="job-state">{LABEL[run.status]}</span>
      </div>
      <div className="progress">
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="job-line muted small">
        <span className="job-status" title={run.error ?? run.checkpoint.message}>
          {pct}%{run.checkpoint.message ? ` · ${run.checkpoint.message}` : ''}
          {frame ? ' · last frame kept' : ''}
        </span>
        {run.status !== 'running' && run.status !== 'queued' && (
          <span className="job-controls">
            <button className="button tiny" data-testid={`unfinished-resume-${run.id}`} onClick={() => void resumeRun(run.id)} title={frame ? 'Start again from the last frame' : 'Run it again from the start'}>
              Resume
            </button>
            <button className="button tiny" data-testid={`unfinished-discard-${run.id}`} onClick={() => void discardRun(run.id)}>
              Discard
            </button>
          </span>
        )}
      </div>
      {run.error && <div className="error-text small">{run.error}</div>}
      {src && <img className="job-preview" src={src} alt="last frame before it stopped" data-testid={`unfinished-frame-${run.id}`} />}
    </li>
  );
}

export function UnfinishedRuns() {
  const project = useAtomValue(projectAtom);
  const runs = unfinishedToShow(project, useAtomValue(jobsAtom));
  if (runs.length === 0) return null;
  const photos = new Map((project?.photos ?? []).map((p) => [p.id, p.name]));
  return (
    <ul className="job-list" data-testid="unfinished-runs">
      {runs.map((r) => (
        <UnfinishedItem key={r.id} run={r} photoName={r.photoId ? photos.get(r.photoId) : undefined} />
      ))}
    </ul>
  );
}
