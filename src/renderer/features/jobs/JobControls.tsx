// Pause / Resume (whichever applies) and Cancel for one active job. The Jobs panel, the Dream tab and the
// Attribution tab all show these, so there is one way to control a job; each view names its own test ids.
import type { JobInfo } from '../../../shared/contract';
import { cancelJob, pauseJob, resumeJob } from './service';
import { isActive } from './state';

export type JobAction = 'pause' | 'resume' | 'cancel';

export function JobControls({ job, testId, cancelLabel = 'Cancel', size = 'tiny' }: {
  job: JobInfo;
  testId: (action: JobAction) => string;
  cancelLabel?: string;
  size?: 'tiny' | 'small';
}) {
  if (!isActive(job.state)) return null;
  const cls = `button ${size}`;
  return (
    <span className="job-controls">
      {job.state === 'paused' ? (
        <button className={cls} data-testid={testId('resume')} onClick={() => void resumeJob(job.id)}>
          Resume
        </button>
      ) : (
        // a queued job can be paused too: it keeps its place in the queue but is skipped until resumed
        <button className={cls} data-testid={testId('pause')} onClick={() => void pauseJob(job.id)}>
          Pause
        </button>
      )}
      <button className={cls} data-testid={testId('cancel')} onClick={() => void cancelJob(job.id)}>
        {cancelLabel}
      </button>
    </span>
  );
}
