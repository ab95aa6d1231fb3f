// The layer as a grid of its channels: a rendered tile as soon as its job's run is saved, else what the
// channel is waiting for (queued, rendering, paused) or nothing yet. A tile opens its unit page.
import type { JobInfo } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive } from '../jobs/state';
import { ArtifactImage } from './ArtifactImage';
import { fvJobsAtom } from './atoms';
import type { CachedImage } from './cache';
import { openUnit } from './navigation';

function waitingText(job: JobInfo | undefined): string {
  if (!job) return 'not rendered';
  if (job.state === 'running') return `rendering ${Math.round(job.progress * 100)}%`;
  return job.state;
}

export function LayerGrid({ modelId, layer, channels, tiles, settingsKey }: {
  modelId: string;
  layer: string;
  channels: number[];
  tiles: Map<number, CachedImage>;
  settingsKey: string;
}) {
  const jobs = useAtomValue(jobsAtom);
  const metas = useAtomValue(fvJobsAtom);
  // channel → the active job of this window that renders it with these settings
  const waiting = new Map<number, JobInfo>();
  for (const j of jobs) {
    const m = metas[j.id];
    if (!m || !isActive(j.state) || m.variant !== 'channel' || m.modelId !== modelId || m.layer !== layer || m.key !== settingsKey) continue;
    for (const c of m.channels) waiting.set(c, j);
  }
  return (
    <div className="fv-grid" data-testid="fv-grid" data-rendered={channels.filter((c) => tiles.has(c)).length} data-channels={channels.length}>
      {channels.map((c) => {
        const img = tiles.get(c);
        const job = waiting.get(c);
        const state = img ? 'rendered' : job ? job.state : 'empty';
        return (
          <button
            key={c}
            className={`fv-tile fv-tile-${state}`}
            data-testid="fv-tile"
            data-channel={c}
            data-state={state}
            title={img ? `channel ${c} · mean ${img.value.toPrecision(3)} (start ${img.valueStart.toPrecision(3)}) — open its unit page` : `channel ${c} — open its unit page`}
            onClick={() => openUnit({ modelId, layer, channel: c })}
          >
            {img ? <ArtifactImage artifactId={img.artifactId} alt={`channel ${c}`} /> : <div className="fv-image empty-image">{waitingText(job)}</div>}
            <span className="fv-tile-label mono">{c}</span>
          </button>
        );
      })}
    </div>
  );
}
