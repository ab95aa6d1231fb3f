// The Dream tab: settings (classic google/deepdream defaults), Dream, a live preview with progress,
// ETA, Pause / Resume / Cancel, and the dreams of the selected photo next to it.
import type { ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { LayerPicker } from '../../components/LayerPicker';
import { isFeatureMap } from '../../components/layerFilter';
import { selectLayer, selectModel, selectPhoto } from '../../state/selection';
import { useAtom, useAtomValue } from '../../state/store';
import { jobPreviewsAtom, jobsAtom } from '../jobs/atoms';
import { JobControls } from '../jobs/JobControls';
import { isActive, jobStatusText } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { PhotoThumb } from '../photos/PhotosPanel';
import { selectedLayerAtom, selectedRunIdAtom } from '../run/atoms';
import { runsOfSelection, runToShow } from '../run/pick';
import { runsOf } from '../run/runOf';
import { dreamBusyAtom, dreamFormAtom, dreamJobAtom, type DreamForm } from './atoms';
import { dreamLayerFor } from './layers';
import { DreamResult, DreamThumb, dreamSummary } from './DreamResult';
import { showDreamRun, startDream } from './service';
import './dream.css';

/** "sky.jpg with bvlc_googlenet.onnx" for a tracked job's model and photo */
function describeSelection(project: ProjectState, t: { modelId: string; photoId: string }): string {
  const photo = project.photos.find((p) => p.id === t.photoId)?.name ?? 'a removed photo';
  const model = project.models.find((m) => m.id === t.modelId)?.name ?? 'a removed model';
  return `${photo} with ${model}`;
}

function Field({ label, name, width = 5, title }: { label: string; name: keyof DreamForm; width?: number; title?: string }) {
  const [form, setForm] = useAtom(dreamFormAtom);
  return (
    <label className="dream-field" title={title}>
      <span className="muted small">{label}</span>
      <input className="mono" style={{ width: `${width}em` }} data-testid={`dream-${name}`} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
}

/** What the Dream tab dreams on, said before the run (and why Dream is disabled, when it is). */
function LayerField({ model }: { model: ModelRecord | undefined }) {
  const selected = useAtomValue(selectedLayerAtom);
  const choice = dreamLayerFor(model, selected);
  return (
    <label className="dream-field grow">
      <span className="muted small">Layer</span>
      <LayerPicker
        layers={model?.description.layers ?? []}
        accept={isFeatureMap}
        value={choice.layer}
        testId="dream-layer"
        disabled={!model}
        placeholder={model ? 'no feature map to dream on' : 'select a model'}
        onPick={(name) => model && selectLayer(model.id, name)}
      />
      <span className="muted small" data-testid="dream-layer-note">
        {choice.layer && choice.isDefault ? `${choice.note ? `${choice.note} ` : 'the default for this model: '}${choice.layer}` : choice.layer ? 'the layer selected for this model' : ''}
      </span>
    </label>
  );
}

export function DreamPanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(dreamFormAtom);
  const tracked = useAtomValue(dreamJobAtom);
  const jobs = useAtomValue(jobsAtom);
  const previews = useAtomValue(jobPreviewsAtom);
  const busy = useAtomValue(dreamBusyAtom);
  const runId = useAtomValue(selectedRunIdAtom);
  const selectedLayer = useAtomValue(selectedLayerAtom);
  const sel = { modelId: model?.id ?? null, photoId: photo?.id ?? null };
  const job = tracked ? jobs.find((j) => j.id === tracked.jobId) : undefined;
  const active = !!job && isActive(job.state);
  // the running dream is this selection's, or another photo's / model's (then only a line says so)
  const jobHere = active && tracked!.modelId === sel.modelId && tracked!.photoId === sel.photoId;
  const allDreams = runsOf(project.runs, 'dream');
  const dreams = runsOfSelection(allDreams, sel);
  const { run: shown, elsewhere } = runToShow(allDreams, sel, runId);
  const choice = dreamLayerFor(model, selectedLayer);
  const elsewhereJob = active && !jobHere ? describeSelection(project, tracked!) : null;
  const reason = !model ? 'select a model' : !photo ? 'select a photo' : !choice.layer ? `${model.name} has no feature map to dream on` : active ? 'a dream is running' : null;
  return (
    <div className="dream-panel" data-testid="dream-panel">
      <div className="dream-controls">
        <div className="row wrap">
          <LayerField model={model} />
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
          <button className="button primary" data-testid="dream-start" disabled={!!reason || busy} title={reason ?? undefined} onClick={() => void startDream()}>
            Dream
          </button>
          <span className="muted small" data-testid="dream-subject">
            {reason && reason !== 'a dream is running' ? reason : `${choice.layer}${form.channels.trim() ? ` [${form.channels.trim()}]` : ''} · ${photo!.name} · ${photo!.width}×${photo!.height} · ${model!.name}`}
          </span>
        </div>
      </div>
      <Banners area="run" />
      {elsewhereJob && (
        <div className="banner banner-notice" data-testid="dream-elsewhere">
          <span className="banner-text">
            Dreaming on {elsewhereJob} — not the selected photo or model. {jobStatusText(job!)}
          </span>
          <button
            className="button small"
            data-testid="dream-elsewhere-show"
            onClick={() => {
              selectModel(tracked!.modelId);
              selectPhoto(tracked!.photoId);
            }}
          >
            Show it
          </button>
        </div>
      )}
      {elsewhere === 'no-photo' && shown && (
        <div className="muted small" data-testid="dream-no-photo">This dream was made from an input tensor (command line), not from a photo of this project.</div>
      )}
      {job && jobHere && (
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
      {!jobHere && shown && <DreamResult run={shown} />}
      {!jobHere && !shown && (
        <div className="empty big" data-testid="dream-none">
          {model && photo ? `No dreams of ${photo.name} with ${model.name} yet: Dream, and the result is saved in the project with every setting.` : 'Pick a photo and a model, then Dream. The result is saved in the project with every setting.'}
        </div>
      )}
      {photo && dreams.length > 0 && (
        <div className="dream-strip" data-testid="dream-history">
          <div className="dream-thumb input" title={`input: ${photo.name}`}>
            <PhotoThumb photo={photo} size={128} />
            <span className="muted small">input</span>
          </div>
          {dreams.map((r) => (
            <button key={r.id} className={`dream-thumb ${shown?.id === r.id ? 'selected' : ''}`} data-testid="dream-history-item" data-run-status={r.status} onClick={() => showDreamRun(r)}>
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
