// The attribution job this tab started, while it is active: state, progress, what it is waiting for, and
// Pause / Resume / Cancel (the jobs feature's controls, so they behave exactly as in the Jobs panel).
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { isActive, jobStatusText } from '../jobs/state';
import { attrJobIdAtom } from './atoms';

export function AttributionJob() {
  const jobId = useAtomValue(attrJobIdAtom);
  const job = useAtomValue(jobsAtom).find((j) => j.id === jobId);
  if (!job || !isActive(job.state)) return null;
  return (
    <div className={`job job-${job.state}`} data-testid="attr-live" data-job-id={job.id} data-job-state={job.state} data-progress={job.progress} style={{ margin: '8px 0' }}>
      <div className="job-line">
        <span className="job-title">{job.title}</span>
        <span className="job-state">{job.state}</span>
      </div>
      <div className="progress">
        <div className="progress-fill" data-testid="attr-progress" style={{ width: `${Math.round(job.progress * 100)}%` }} />
      </div>
      <div className="job-line muted small">
        <span className="job-status" data-testid="attr-status">{jobStatusText(job)}</span>
        <JobControls job={job} size="small" testId={(action) => `attr-${action}`} />
      </div>
    </div>
  );
}
