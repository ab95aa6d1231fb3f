// The whole layer's render while any of its jobs is active: one progress bar over all its jobs, the ETA,
// how many batches are done, the running batch's live frames, and Pause / Resume / Cancel for all of them.
import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from '../jobs/atoms';
import { fvJobsAtom, fvLayerRendersAtom } from './atoms';
import { formatChannels } from './channels';
import { layerProgress } from './progress';
import { cancelLayer, pauseLayer, resumeLayer } from './service';

export function LayerRender({ renderKey }: { renderKey: string }) {
  const ids = useAtomValue(fvLayerRendersAtom)[renderKey];
  const jobs = useAtomValue(jobsAtom);
  const metas = useAtomValue(fvJobsAtom);
  const previews = useAtomValue(jobPreviewsAtom);
  if (!ids?.length) return null;
  const running = jobs.find((j) => j.state === 'running' && ids.includes(j.id));
  const channels = ids.reduce((n, id) => n + (metas[id]?.channels.length ?? 0), 0);
  const p = layerProgress(ids.map((id) => jobs.find((j) => j.id === id)));
  const active = p.state === 'running' || p.state === 'paused' || p.state === 'queued';
  const eta = p.etaMs !== undefined ? ` · ${formatDuration(p.etaMs)} left` : '';
  return (
    <div className="fv-render-row">
      <div className={`fv-render job job-${p.state}`} data-testid="fv-layer-render" data-state={p.state} data-progress={p.progress}>
        <div className="job-line">
          <span className="job-title">
            {channels} channel{channels === 1 ? '' : 's'} in {p.jobs} job{p.jobs === 1 ? '' : 's'}
          </span>
          <span className="job-state">{p.state}</span>
        </div>
        <div className="progress">
          <div className="progress-fill" data-testid="fv-layer-progress" style={{ width: `${Math.round(p.progress * 100)}%` }} />
        </div>
        <div className="job-line muted small">
          <span data-testid="fv-layer-status">
            {Math.round(p.progress * 100)}% · {p.finished} of {p.jobs} jobs finished{eta}
          </span>
          {active && (
            <span className="job-controls">
              {p.state === 'paused' ? (
                <button className="button small" data-testid="fv-layer-resume" onClick={() => void resumeLayer(renderKey)}>
                  Resume
                </button>
              ) : (
                <button className="button small" data-testid="fv-layer-pause" onClick={() => void pauseLayer(renderKey)}>
                  Pause
                </button>
              )}
              <button className="button small" data-testid="fv-layer-cancel" onClick={() => void cancelLayer(renderKey)} title="finished channels are kept">
                Cancel
              </button>
            </span>
          )}
        </div>
      </div>
      {running && previews[running.id] && (
        <figure className="fv-render-preview" data-testid="fv-layer-preview">
          <img src={previews[running.id]} alt="the batch being rendered" />
          <figcaption className="muted small">now: channels {formatChannels(metas[running.id]?.channels ?? [])}</figcaption>
        </figure>
      )}
    </div>
  );
}
