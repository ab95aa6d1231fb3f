// Where the unit fires on the selected photo: its channel's map from an activations run of the same model,
// photo, layer and preprocessing (the Run tab's, or one this page asked for), cut out of the run's grid
// image. That grid holds the strongest channels first, so a run that left this channel out does not count.
import type { LayerInfo, ModelRecord, PhotoRecord, Preprocess, ProjectState, RunOf } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive, jobStatusText } from '../jobs/state';
import { PhotoThumb } from '../photos/PhotosPanel';
import { artifactsAtom } from '../run/atoms';
import { runsOf } from '../run/runOf';
import { useEffect } from 'react';
import { loadArtifact } from '../run/service';
import { fvActivationJobsAtom } from './atoms';
import { runActivations } from './service';

const SHOWN = 200;

/** The same preprocessing, field by field (stored documents need not keep the model record's key order). */
function samePreprocess(a: Preprocess, b: Preprocess): boolean {
  const f = (p: Preprocess) => JSON.stringify([p.width, p.height, p.channelOrder, p.layout, p.rangeMin, p.rangeMax, [...p.mean], [...p.std], p.resize, p.preset]);
  return f(a) === f(b);
}

function cellOf(run: RunOf<'activations'>, channel: number) {
  const { grid, channels } = run.result;
  const rank = channels.slice(0, grid.cols * grid.rows).findIndex((c) => c.channel === channel);
  if (rank < 0) return null;
  const x = grid.gap + (rank % grid.cols) * (grid.cell.width + grid.gap);
  const y = grid.gap + Math.floor(rank / grid.cols) * (grid.cell.height + grid.gap);
  return { rank, stats: channels[rank]!, x, y };
}

function MapCrop({ run, cell }: { run: RunOf<'activations'>; cell: NonNullable<ReturnType<typeof cellOf>> }) {
  const image = run.artifacts.find((a) => a.mime === 'image/png');
  const src = useAtomValue(artifactsAtom)[image?.id ?? ''];
  useEffect(() => {
    if (image) void loadArtifact(image.id);
  }, [image?.id]);
  const { grid } = run.result;
  const s = SHOWN / grid.cell.width;
  return (
    <div
      className="fv-map pixelated"
      data-testid="fv-activation-map"
      role="img"
      aria-label="activation map"
      style={{
        width: SHOWN, height: grid.cell.height * s,
        ...(src ? { backgroundImage: `url(${src})`, backgroundSize: `${grid.width * s}px ${grid.height * s}px`, backgroundPosition: `-${cell.x * s}px -${cell.y * s}px` } : {}),
      }}
    />
  );
}

export function ActivationMap({ project, model, layer, channel, channelCount, photo }: {
  project: ProjectState;
  model: ModelRecord;
  layer: LayerInfo;
  channel: number;
  channelCount: number;
  photo: PhotoRecord | undefined;
}) {
  const jobs = useAtomValue(jobsAtom);
  const asked = useAtomValue(fvActivationJobsAtom);
  if (!photo) {
    return (
      <section className="fv-section" data-testid="fv-activation">
        <h3>On a photo</h3>
        <div className="muted small">Select a photo in the sidebar to see where this channel fires on it.</div>
      </section>
    );
  }
  const found = runsOf(project.runs, 'activations')
    .filter((r) => r.status === 'done' && r.modelId === model.id && r.photoId === photo.id && r.settings.layer === layer.name && samePreprocess(r.settings.preprocess, model.preprocess))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((run) => ({ run, cell: cellOf(run, channel) }))
    .find((x) => x.cell !== null);
  const job = jobs.find((j) => isActive(j.state) && asked[j.id]?.modelId === model.id && asked[j.id]?.photoId === photo.id && asked[j.id]?.layer === layer.name);
  return (
    <section className="fv-section" data-testid="fv-activation">
      <h3>On {photo.name}</h3>
      {found?.cell ? (
        <div className="fv-activation">
          {/* the photo fit the way the model's input was (so the map lines up with it) */}
          <div className={`fv-photo fit-${model.preprocess.resize}`}>
            <PhotoThumb photo={photo} size={256} />
          </div>
          <MapCrop run={found.run} cell={found.cell} />
          <div className="small fv-activation-text">
            <div data-testid="fv-activation-rank">
              rank {found.cell.rank + 1} of {found.run.result.channels.length} channels by mean activation
            </div>
            <div className="mono muted">
              mean {found.cell.stats.mean.toPrecision(3)} · max {found.cell.stats.max.toPrecision(3)}
            </div>
            <div className="muted">
              {found.run.result.shape.slice(2).join('×')} map, viridis, scaled to its own min–max · {new Date(found.run.createdAt).toLocaleString()}
            </div>
          </div>
        </div>
      ) : job ? (
        <div className="muted small" data-testid="fv-activation-job">
          Computing the activations of {layer.name} on {photo.name}: {jobStatusText(job, { withState: true })}
        </div>
      ) : (
        <div className="row fv-row">
          <button className="button small" data-testid="fv-activation-run" onClick={() => void runActivations(model, photo, layer)}>
            Show on {photo.name}
          </button>
          <span className="muted small">one forward pass; all {channelCount} channel maps are saved as an activations run</span>
        </div>
      )}
    </section>
  );
}
