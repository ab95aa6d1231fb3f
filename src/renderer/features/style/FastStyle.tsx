// Fast style: the chosen model is itself the style (a feed-forward image-to-image network, e.g. the ONNX
// model zoo's candy.onnx), so there is nothing to optimize — "Stylize photos" runs it over the ticked photos
// (a fixed-size network is tiled with overlap), shows each result beside its photo, and exports them.
import { useEffect } from 'react';
import type { JobInfo, ModelRecord, PhotoRecord, ProjectState, RunOf } from '../../../shared/contract';
import { formatDuration } from '../../components/format';
import { useAtom, useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { isActive, jobStatusText } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { PhotoThumb } from '../photos/PhotosPanel';
import { artifactsAtom, selectedRunIdAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';
import { runsOf } from '../run/runOf';
import { stylizeFormAtom, stylizeJobIdAtom, stylizeShownIdAtom } from './atoms';
import { fixedInput } from './form';
import { AREA, exportStylized, showStylizeRun, startStylize } from './service';

type StylizeRun = RunOf<'stylize'>;

function StylizedItem({ run, index, project }: { run: StylizeRun; index: number; project: ProjectState }) {
  const artifacts = useAtomValue(artifactsAtom);
  const item = run.result.items[index]!;
  const a = run.artifacts.find((x) => x.name === item.image);
  useEffect(() => {
    if (a) void loadArtifact(a.id);
  }, [a?.id]);
  const photo = project.photos.find((p) => p.id === item.photoId);
  const src = a ? artifacts[a.id] : undefined;
  return (
    <div className="stylize-item" data-testid="stylize-item" data-photo={photo?.name}>
      <div className="stylize-pair">
        <figure>
          {photo ? <PhotoThumb photo={photo} size={512} /> : <div className="empty">removed</div>}
          <figcaption className="small muted">{photo?.name ?? 'a removed photo'}</figcaption>
        </figure>
        <figure>
          {src ? <img src={src} alt={`${photo?.name ?? 'photo'} stylized`} data-testid="stylize-result-image" /> : <div className="empty">{a ? 'Loading…' : 'not stored'}</div>}
          <figcaption className="small muted row stylize-caption">
            <span>{item.width}×{item.height} · {item.tiles === 1 ? 'in one piece' : `${item.tiles} tiles`} · {formatDuration(item.ms)}</span>
            <span className="style-actions">
              <button className="button small" data-testid="stylize-export-png" title="the settings and the model travel in the PNG's text chunk" onClick={() => void exportStylized(run, index, 'png')}>Export PNG</button>
              <button className="button small" data-testid="stylize-export-jpeg" title="the same record travels in the JPEG's XMP packet" onClick={() => void exportStylized(run, index, 'jpeg')}>Export JPEG</button>
            </span>
          </figcaption>
        </figure>
      </div>
    </div>
  );
}

function StylizeLive({ job }: { job: JobInfo }) {
  const preview = useAtomValue(jobPreviewsAtom)[job.id];
  return (
    <div className={`style-live job job-${job.state}`} data-testid="stylize-live" data-job-id={job.id} data-job-state={job.state}>
      <div className="style-picture">{preview ? <img src={preview} alt="the last photo finished" data-testid="stylize-preview" /> : <div className="empty">Preparing the network…</div>}</div>
      <div className="style-meta">
        <div className="progress"><div className="progress-fill" style={{ width: `${Math.round(job.progress * 100)}%` }} /></div>
        <div className="small" data-testid="stylize-status">{jobStatusText(job, { withState: true })}</div>
        <JobControls job={job} size="small" testId={(action) => `stylize-${action}`} cancelLabel="Cancel (keep the photos done)" />
      </div>
    </div>
  );
}

export function FastStylePanel({ project, model, photo }: { project: ProjectState; model: ModelRecord; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(stylizeFormAtom);
  const [shownId, setShownId] = useAtom(stylizeShownIdAtom);
  const jobId = useAtomValue(stylizeJobIdAtom);
  const job = useAtomValue(jobsAtom).find((j) => j.id === jobId);
  const picked = useAtomValue(selectedRunIdAtom);
  const active = !!job && isActive(job.state);
  useEffect(() => {
    if (picked && project.runs.some((r) => r.id === picked && r.kind === 'stylize')) setShownId(picked);
  }, [picked]);
  const runs = runsOf(project.runs, 'stylize').filter((r) => r.modelId === model.id).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = runs.find((r) => r.id === shownId) ?? runs[0];
  const fixed = fixedInput(model);
  // nothing ticked means the sidebar's photo, shown ticked; ticking another adds to it
  const effective = form.photoIds.length ? form.photoIds : photo ? [photo.id] : [];
  const ticked = new Set(effective);
  const targets = project.photos.filter((p) => ticked.has(p.id));
  const toggle = (id: string, on: boolean) => setForm({ ...form, photoIds: on ? [...effective, id] : effective.filter((x) => x !== id) });
  return (
    <div className="style-panel" data-testid="stylize-panel">
      <div className="style-fast-note">
        <div><strong>{model.name}</strong> is an image-to-image network (fast style): it is the style, so photos go straight through it.</div>
        <span className="muted small"> {fixed ? `It takes a fixed ${fixed.width}×${fixed.height} input: larger photos run as overlapping tiles, blended.` : 'It takes any size; large photos run as overlapping tiles.'} For neural style with your own style image, select a classification network (e.g. a VGG) as the loss network.</span>
      </div>
      <div className="style-photos-pick" data-testid="stylize-photos">
        {project.photos.map((p) => (
          <label key={p.id} className={`style-photo-check ${ticked.has(p.id) ? 'on' : ''}`} title={`${p.name} · ${p.width}×${p.height}`}>
            <input type="checkbox" data-testid="stylize-photo" data-photo={p.name} checked={ticked.has(p.id)} onChange={(e) => toggle(p.id, e.target.checked)} />
            <PhotoThumb photo={p} size={128} />
            <span className="small">{p.name}</span>
          </label>
        ))}
      </div>
      <div className="row wrap style-row">
        <label className="style-field" title="the result's long side; empty: each photo's own size">
          <span className="muted small">Size (long side, px)</span>
          <input className="mono" style={{ width: '6em' }} data-testid="stylize-size" placeholder="photo's own" value={form.size} onChange={(e) => setForm({ ...form, size: e.target.value })} />
        </label>
        <label className="style-field" title="tiles overlap by this much and are blended linearly across it">
          <span className="muted small">Tile overlap (px)</span>
          <input className="mono" style={{ width: '4em' }} data-testid="stylize-overlap" value={form.overlap} onChange={(e) => setForm({ ...form, overlap: e.target.value })} />
        </label>
        <button className="button primary" data-testid="stylize-start" disabled={active || targets.length === 0} onClick={() => void startStylize()}>
          Stylize {targets.length > 1 ? `${targets.length} photos` : 'photo'}
        </button>
        <span className="muted small">{targets.length ? targets.map((p) => p.name).join(', ') : 'select or tick a photo'}</span>
      </div>
      <Banners area={AREA} />
      {job && active && <StylizeLive job={job} />}
      {shown && (
        <div className="stylize-result" data-testid="stylize-result" data-run-id={shown.id} data-run-status={shown.status}>
          <div className="small muted">
            {shown.status === 'cancelled' ? `cancelled: ${shown.result.items.length} of ${shown.settings.photoIds.length} photos done` : `${shown.result.items.length} photo${shown.result.items.length === 1 ? '' : 's'}`}
            {' · '}{shown.provider.toUpperCase()} · {formatDuration(shown.result.timings.totalMs)}
            {shown.settings.size ? ` · long side ${shown.settings.size} px` : ''} · overlap {shown.settings.overlap} px
          </div>
          {shown.result.items.map((_, i) => <StylizedItem key={i} run={shown} index={i} project={project} />)}
        </div>
      )}
      {!shown && !active && <div className="empty big">Tick photos and press Stylize: each result appears beside its photo and is saved in the project.</div>}
      {runs.length > 1 && (
        <div className="style-strip" data-testid="stylize-history">
          {runs.map((r) => (
            <button key={r.id} className={`style-strip-item ${shown?.id === r.id ? 'selected' : ''}`} onClick={() => showStylizeRun(r.id)}>
              <span className="small">{new Date(r.createdAt).toLocaleTimeString()}</span>
              <span className="muted small">{r.result.items.length} photo{r.result.items.length === 1 ? '' : 's'}{r.status === 'cancelled' ? ' · cancelled' : ''}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
