import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from './atoms';
import { cancelJob, clearFinished } from './service';

const ACTIVE = new Set(['queued', 'running', 'paused']);

export function JobsPanel() {
  const jobs = useAtomValue(jobsAtom);
  const previews = useAtomValue(jobPreviewsAtom);
  const finished = jobs.some((j) => !ACTIVE.has(j.state));
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
      {jobs.length === 0 ? (
        <div className="empty">Long runs show their progress here.</div>
      ) : (
        <ul className="job-list">
          {jobs.map((j) => (
            <li key={j.id} className={`job job-${j.state}`} data-job-state={j.state}>
              <div className="job-line">
                <span className="job-title" title={j.title}>
                  {j.title}
                </span>
                <span className="job-state">{j.state}</span>
              </div>
              <div className="progress">
                <div className="progress-fill" style={{ width: `${Math.round(j.progress * 100)}%` }} />
              </div>
              <div className="job-line muted small">
                <span>
                  {Math.round(j.progress * 100)}%{j.etaMs !== undefined && ACTIVE.has(j.state) ? ` · ${formatDuration(j.etaMs)} left` : ''}
                  {j.message ? ` · ${j.message}` : ''}
                </span>
                {ACTIVE.has(j.state) && (
                  <button className="button tiny" onClick={() => void cancelJob(j.id)}>
                    Cancel
                  </button>
                )}
              </div>
              {j.error && <div className="error-text small">{j.error}</div>}
              {previews[j.id] && ACTIVE.has(j.state) && <img className="job-preview" src={previews[j.id]} alt="live preview" />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
