// The Dream tab: settings (classic google/deepdream defaults), Dream, a live preview with progress,
// ETA, Pause / Resume / Cancel, and the dreams of the selected photo next to it.
import type { ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { formatShape } from '../../components/format';
import { useAtom, useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { isActive, jobStatusText } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { PhotoThumb } from '../photos/PhotosPanel';
import { selectedRunIdAtom } from '../run/atoms';
import { runsOf } from '../run/runOf';
import { dreamBusyAtom, dreamFormAtom, dreamJobIdAtom, type DreamForm } from './atoms';
import { DreamResult, DreamThumb, dreamSummary } from './DreamResult';
import { showDreamRun, startDream } from './service';
import './dream.css';

function Field({ label, name, width = 5, title }: { label: string; name: keyof DreamForm; width?: number; title?: string }) {
  const [form, setForm] = useAtom(dreamFormAtom);
  return (
    <label className="dream-field" title={title}>
      <span className="muted small">{label}</span>
      <input className="mono" style={{ width: `${width}em` }} data-testid={`dream-${name}`} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
}

function defaultLayer(model: ModelRecord | undefined): string {
  if (!model) return '';
  return model.description.layers.some((l) => l.name === 'inception_4c/output') ? 'inception_4c/output' : 'a mid-depth layer';
}

export function DreamPanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(dreamFormAtom);
  const jobId = useAtomValue(dreamJobIdAtom);
  const jobs = useAtomValue(jobsAtom);
  const previews = useAtomValue(jobPreviewsAtom);
  const busy = useAtomValue(dreamBusyAtom);
  const runId = useAtomValue(selectedRunIdAtom);
  const job = jobs.find((j) => j.id === jobId);
  const active = job && isActive(job.state);
  const allDreams = runsOf(project.runs, 'dream');
  const dreams = allDreams.filter((r) => !photo || r.photoId === photo.id).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // the run of the job just finished, else the one picked below, else the newest
  const finished = job && !active && job.runId ? allDreams.find((r) => r.id === job.runId) : undefined;
  const shown = (runId && dreams.find((r) => r.id === runId)) || finished || dreams[0];
  const layerInfo = model?.description.layers.find((l) => l.name === form.layer);
  return (
    <div className="dream-panel" data-testid="dream-panel">
      <div className="dream-controls">
        <div className="row wrap">
          <label className="dream-field grow">
            <span className="muted small">Layer</span>
            <input
              className="mono"
              list="dream-layer-options"
              data-testid="dream-layer"
              placeholder={`default: ${defaultLayer(model)}`}
              value={form.layer}
              onChange={(e) => setForm({ ...form, layer: e.target.value })}
            />
            <datalist id="dream-layer-options">
              {model?.description.layers.filter((l) => l.shape.length === 4).map((l) => (
                <option key={l.name} value={l.name}>
                  {l.opType} {formatShape(l.shape)}
                </option>
              ))}
            </datalist>
          </label>
          <Field label="Weight" name="weight" width={4} />
          <Field label="Channels" name="channels" width={7} title="only these channels, e.g. 12,97 (empty: the whole layer)" />
        </div>
        <div className="row wrap">
          <Field label="Octaves" name="octaves" width={3} />
          <Field label="Octave scale" name="octaveScale" width={4} />
          <Field label="Iterations" name="iterations" width={4} />
          <Field label="Step" name="step" width={4} title="in 0..255 pixel units; the gradient is normalised by its mean |g|" />
          <Field label="Jitter" name="jitter" width={4} />
          <Field label="Seed" name="seed" width={7} title="empty: random (recorded with the result)" />
          <label className="dream-field">
            <span className="muted small">Guide</span>
            <select data-testid="dream-guide" value={form.guidePhotoId} onChange={(e) => setForm({ ...form, guidePhotoId: e.target.value })}>
              <option value="">none</option>
              {project.photos.filter((p) => p.id !== photo?.id).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          <button className="button primary" data-testid="dream-start" disabled={!model || !photo || busy || !!active} onClick={() => void startDream()}>
            Dream
          </button>
          <span className="muted small">
            {!model ? 'select a model' : !photo ? 'select a photo' : form.layer && !layerInfo ? 'not a layer of this model' : `${photo.name} · ${photo.width}×${photo.height} · ${model.name}`}
          </span>
        </div>
      </div>
      <Banners area="run" />
      {job && active && (
        <div className="dream-live" data-testid="dream-live" data-job-id={job.id} data-job-state={job.state}>
          <div className="dream-image">
            {previews[job.id] ? <img src={previews[job.id]} alt="live preview" data-testid="dream-preview" /> : <div className="empty">Compiling the gradient…</div>}
          </div>
          <div className="dream-meta">
            <div className="progress">
              <div className="progress-fill" data-testid="dream-progress" style={{ width: `${Math.round(job.progress * 100)}%` }} />
            </div>
            <div className="muted small" data-testid="dream-status">
              {jobStatusText(job, { withState: true })}
            </div>
            <div className="row">
              <JobControls job={job} size="small" testId={(action) => `dream-${action}`} cancelLabel="Cancel (keep the last frame)" />
            </div>
          </div>
        </div>
      )}
      {!active && shown && <DreamResult run={shown} />}
      {!active && !shown && <div className="empty big">Pick a photo and a model, then Dream. The result is saved in the project with every setting.</div>}
      {photo && dreams.length > 0 && (
        <div className="dream-strip" data-testid="dream-history">
          <div className="dream-thumb input" title={`input: ${photo.name}`}>
            <PhotoThumb photo={photo} size={128} />
            <span className="muted small">input</span>
          </div>
          {dreams.map((r) => (
            <button key={r.id} className={`dream-thumb ${shown?.id === r.id ? 'selected' : ''}`} data-testid="dream-history-item" data-run-status={r.status} onClick={() => showDreamRun(r.id)}>
              <DreamThumb run={r} />
              <span className="small">{new Date(r.createdAt).toLocaleTimeString()}</span>
              <span className="muted small">{dreamSummary(r)}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
