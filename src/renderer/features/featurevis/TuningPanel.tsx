// The unit page's tuning curve (Distill "Curve Detectors"): pick a stimulus — oriented lines and edges,
// gratings, curves, colours, or the selected photo rotated over 360° — run it as a job, and read the
// unit's response as a line chart (one parameter) or a heat map (two), with the stimuli it was shown.
import { useState } from 'react';
import type { LayerInfo, ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { STIMULUS_TEXT, TUNING_STIMULI, type TuningStimulus } from '../../../shared/tuning';
import { useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive, jobStatusText } from '../jobs/state';
import { ArtifactImage } from './ArtifactImage';
import { TuningChart } from './TuningChart';
import { runTuning, savedTuning, tuningJobsAtom, type TuningAsk } from './tuningService';
import './unit-panels.css';

export function TuningPanel({ project, model, layer, channel, photo }: {
  project: ProjectState; model: ModelRecord; layer: LayerInfo; channel: number; photo: PhotoRecord | undefined;
}) {
  const [stimulus, setStimulus] = useState<TuningStimulus>('orientation');
  const jobs = useAtomValue(jobsAtom);
  const asked = useAtomValue(tuningJobsAtom);
  const ask: TuningAsk = { modelId: model.id, layer: layer.name, channel, stimulus, ...(stimulus === 'rotate' && photo ? { photoId: photo.id } : {}) };
  const run = savedTuning(project, ask);
  const job = jobs.find((j) => {
    const a = asked[j.id];
    return isActive(j.state) && !!a && a.modelId === ask.modelId && a.layer === ask.layer && a.channel === channel && a.stimulus === stimulus && a.photoId === ask.photoId;
  });
  const needsPhoto = stimulus === 'rotate' && !photo;
  const strip = run?.artifacts.find((a) => a.name === 'stimuli.png');
  return (
    <section className="fv-section" data-testid="fv-tuning" data-state={run ? 'done' : job ? 'running' : 'empty'}>
      <h3>Tuning curve</h3>
      <div className="muted small">
        The unit’s response to synthetic stimuli drawn at its receptive field (Distill’s “Curve Detectors”): solid, the unit at the centre of the map; dashed, the channel’s max over the map.
      </div>
      <div className="row fv-row">
        <label className="fv-field">
          <span className="small muted">stimulus</span>
          <select data-testid="fv-tuning-stimulus" value={stimulus} onChange={(e) => setStimulus(e.target.value as TuningStimulus)}>
            {TUNING_STIMULI.map((s) => (
              <option key={s} value={s}>{s === 'rotate' ? `rotate ${photo ? photo.name : '(select a photo)'}` : s} — {STIMULUS_TEXT[s]}</option>
            ))}
          </select>
        </label>
        {job ? (
          <span className="muted small" data-testid="fv-tuning-job">{jobStatusText(job, { withState: true })}</span>
        ) : (
          <button className="button small" data-testid="fv-tuning-run" disabled={needsPhoto} title={needsPhoto ? 'select a photo in the sidebar to rotate it' : ''}
            onClick={() => void runTuning(model, ask, photo)}>
            {run ? 'Run again' : 'Run'}
          </button>
        )}
      </div>
      {run && (
        <div className="tuning-result" data-testid="fv-tuning-result">
          <TuningChart result={run.result} />
          <div className="small muted mono" data-testid="fv-tuning-peak">
            peak {run.result.peak.value.toPrecision(3)} ({run.result.peak.series}) at {run.result.x.name} {run.result.peak.x}{run.result.x.unit}
            {run.result.y && run.result.peak.y !== undefined ? `, ${run.result.y.name} ${run.result.peak.y}${run.result.y.unit}` : ''}
            {' '}· {run.result.images} stimuli of {run.settings.size} px at map ({run.settings.position.x}, {run.settings.position.y}) of {run.result.map.width}×{run.result.map.height}
            {' '}· {(run.durationMs / 1000).toFixed(1)} s
          </div>
          {strip && (
            <figure className="tuning-strip">
              <ArtifactImage artifactId={strip.id} alt="the stimuli shown" testId="fv-tuning-stimuli" />
              <figcaption className="small muted">what the unit was shown{run.result.y ? ` (the middle ${run.result.y.name})` : ''}</figcaption>
            </figure>
          )}
        </div>
      )}
    </section>
  );
}
