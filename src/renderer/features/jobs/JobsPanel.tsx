// Every job the engine reports, newest first: state, progress, ETA, what it is doing or waiting for, a live
// preview, and Pause / Resume / Cancel while it is active. The data-* attributes let tests read a job's
// state and exact progress without parsing text.
import type { JobInfo } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from './atoms';
import { JobControls } from './JobControls';
import { clearFinished } from './service';
import { isActive, jobStatusText } from './state';
import { UnfinishedRuns } from './UnfinishedRuns';
import { unfinishedToShow } from './unfinished';
import { projectAtom } from '../project/atoms';
import { selectRunById } from '../../state/selection';
import './jobs.css';

function JobItem({ job, preview }: { job: JobInfo; preview: string | undefined }) {
  const active = isActive(job.state);
  return (
    <li
      className={`job job-${job.state}`}
      data-testid="job-item"
      data-job-id={job.id}
      data-job-kind={job.kind}
      data-job-state={job.state}
      data-progress={job.progress}
      {...(job.runId ? { 'data-run-id': job.runId } : {})}
    >
      <div className="job-line">
        {job.runId && !active ? (
          // a finished job's card opens its run: model, photo and tab follow (state/selection.ts)
          <button className="job-title link-button" title={`Show ${job.title}`} data-testid={`job-open-${job.id}`} onClick={() => selectRunById(job.runId!)}>
            {job.title}
          </button>
        ) : (
          <span className="job-title" title={job.title}>
            {job.title}
          </span>
        )}
        <span className="job-state" data-testid={`job-state-${job.id}`}>
          {job.state}
        </span>
      </div>
      <div className="progress">
        <div className="progress-fill" data-testid={`job-progress-${job.id}`} style={{ width: `${Math.round(job.progress * 100)}%` }} />
      </div>
      <div className="job-line muted small">
        <span className="job-status" data-testid={`job-status-${job.id}`} title={jobStatusText(job)}>
          {jobStatusText(job)}
        </span>
        <JobControls job={job} testId={(action) => `job-${action}-${job.id}`} />
      </div>
      {job.error && <div className="error-text small">{job.error}</div>}
      {preview && active && <img className="job-preview" src={preview} alt="live preview" />}
    </li>
  );
}

export function JobsPanel() {
  const jobs = useAtomValue(jobsAtom);
  const previews = useAtomValue(jobPreviewsAtom);
  const finished = jobs.some((j) => !isActive(j.state));
  const unfinished = unfinishedToShow(useAtomValue(projectAtom), jobs).length;
  return (
    <section className="panel jobs" data-testid="jobs-panel">
      <header className="panel-header">
        <h2>Jobs</h2>
        {finished && (
          <button className="button small" onClick={clearFinished}>
            Clear finished
          </button>
        )}
      </header>
      <UnfinishedRuns />
      {jobs.length === 0 ? (
        unfinished === 0 && <div className="empty">Long runs show their progress here.</div>
      ) : (
        <ul className="job-list">
          {jobs.map((j) => (
            <JobItem key={j.id} job={j} preview={previews[j.id]} />
          ))}
        </ul>
      )}
    </section>
  );
}
