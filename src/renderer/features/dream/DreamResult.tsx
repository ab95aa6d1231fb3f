// One saved dream: the full-size result (shown fitted), its objective gain, timings, settings, and
// the actions on it: export PNG (settings in a text chunk) or JPEG, load its settings, dream again.
import { useEffect } from 'react';
import type { RunOf } from '../../../shared/contract';
import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { artifactsAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';
import { exportDream, loadSettings, startDream } from './service';

type DreamRun = RunOf<'dream'>;

export function dreamSummary(run: DreamRun): string {
  const { objectiveBefore: before, objectiveAfter: after, stepsDone } = run.result;
  const gain = before && after ? `objective ×${(after / before).toFixed(1)}` : '';
  return [run.status === 'cancelled' ? `cancelled after ${stepsDone} steps (frame kept)` : 'done', gain].filter(Boolean).join(' · ');
}

/** Results up to this many pixels show their own image in the history strip; bigger ones would mean
 * shipping a huge PNG to the page just for a thumbnail, so they show their summary only. */
const THUMB_MAX_PIXELS = 4_000_000;

export function DreamThumb({ run }: { run: DreamRun }) {
  const artifacts = useAtomValue(artifactsAtom);
  const image = run.artifacts.find((a) => a.mime === 'image/png');
  const pixels = run.result.width * run.result.height;
  const small = !!image && pixels <= THUMB_MAX_PIXELS;
  useEffect(() => {
    if (small && image) void loadArtifact(image.id);
  }, [small, image?.id]);
  const src = small && image ? artifacts[image.id] : undefined;
  return src ? <img className="dream-thumb-image" src={src} alt="" /> : <div className="dream-thumb-image empty" />;
}

export function DreamResult({ run }: { run: DreamRun }) {
  const artifacts = useAtomValue(artifactsAtom);
  const image = run.artifacts.find((a) => a.mime === 'image/png');
  useEffect(() => {
    if (image) void loadArtifact(image.id);
  }, [image?.id]);
  const src = image ? artifacts[image.id] : undefined;
  const s = run.settings;
  const { width, height, timings } = run.result;
  return (
    <div className="dream-result" data-testid="dream-result" data-run-id={run.id} data-run-status={run.status}>
      <div className="dream-image">
        {src ? <img src={src} alt="dream result" data-testid="dream-result-image" /> : <div className="empty">{image ? 'Loading…' : 'No image stored.'}</div>}
      </div>
      <div className="dream-meta">
        <div data-testid="dream-summary">{dreamSummary(run)}</div>
        <div className="muted small mono">
          {s.layers.map((l) => `${l.name}${l.weight !== 1 ? `×${l.weight}` : ''}${l.channels ? ` [${l.channels.join(',')}]` : ''}`).join(' + ')}
        </div>
        <div className="muted small">
          {s.octaves} octaves × {s.octaveScale} · {s.iterations} steps · step {s.step} · jitter {s.jitter} · seed{' '}
          <span className="mono" data-testid="dream-seed">{s.seed}</span>
          {s.guidePhotoId ? ' · guided' : ''}
        </div>
        <div className="muted small">
          {width}×{height} · {run.provider.toUpperCase()} · {formatDuration(timings.totalMs)}
          {` (${timings.octaves.map((o) => formatDuration(o.ms)).join(' + ')})`}
        </div>
        <div className="row dream-actions">
          <button className="button small" data-testid="dream-export-png" onClick={() => void exportDream(run, 'png')}>
            Export PNG
          </button>
          <button className="button small" data-testid="dream-export-jpeg" onClick={() => void exportDream(run, 'jpeg')}>
            Export JPEG
          </button>
          <button className="button small" data-testid="dream-load-settings" onClick={() => loadSettings(run)}>
            Use these settings
          </button>
          <button className="button small" data-testid="dream-again" onClick={() => void startDream(run)}>
            Dream again on this
          </button>
        </div>
      </div>
    </div>
  );
}
