// A style job while it runs: the latest preview frame, progress with ETA, where it is (stage, iteration,
// total loss) in words rather than the raw progress message, Pause / Resume / Cancel (cancel keeps the
// current image as a cancelled run), and the loss curve so far with each style layer's share.
import type { JobInfo } from '../../../shared/contract';
import { parseStyleProgress } from '../../../shared/jobs/style';
import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { jobPreviewsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { styleCurvesAtom } from './atoms';
import { EMPTY_CURVE, formatLoss } from './curve';
import { LossChart } from './LossChart';

export function styleJobStatus(job: JobInfo): string {
  const p = parseStyleProgress(job.message);
  const eta = job.etaMs !== undefined && job.state === 'running' ? ` · ${formatDuration(job.etaMs)} left` : '';
  const where = p
    ? `${p.stages > 1 ? `stage ${p.stage + 1}/${p.stages} · ` : ''}${p.tiles ? `tile ${p.tile}/${p.tiles} · ` : ''}iteration ${p.iteration}/${p.iterations} · loss ${formatLoss(p.losses.total)}`
    : job.message && job.message !== job.state ? job.message : '';
  return `${job.state} · ${Math.round(job.progress * 100)}%${eta}${where ? ` · ${where}` : ''}`;
}

export function StyleLive({ job, styleLayers }: { job: JobInfo; styleLayers: readonly string[] | undefined }) {
  const preview = useAtomValue(jobPreviewsAtom)[job.id];
  const curve = useAtomValue(styleCurvesAtom)[job.id] ?? EMPTY_CURVE;
  return (
    <div className={`style-live job job-${job.state}`} data-testid="style-live" data-job-id={job.id} data-job-state={job.state} data-progress={job.progress}>
      <div className="style-picture">
        {preview ? <img src={preview} alt="live preview" data-testid="style-preview" /> : <div className="empty">{job.state === 'queued' ? 'Waiting for the job before it…' : 'Computing the targets and compiling the gradient…'}</div>}
        <div className="small muted">{job.title}</div>
      </div>
      <div className="style-meta">
        <div className="progress">
          <div className="progress-fill" data-testid="style-progress" style={{ width: `${Math.round(job.progress * 100)}%` }} />
        </div>
        <div className="small" data-testid="style-status">{styleJobStatus(job)}</div>
        <div className="row">
          <JobControls job={job} size="small" testId={(action) => `style-${action}`} cancelLabel="Cancel (keep the current image)" />
        </div>
        <LossChart curve={curve} {...(styleLayers ? { styleLayers } : {})} testId="style-live-chart" />
      </div>
    </div>
  );
}
