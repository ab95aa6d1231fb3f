// The unit page's tuning curve (Distill "Curve Detectors"): pick a stimulus — oriented lines and edges,
// gratings, curves, colours, or an image rotated over 360° (the sidebar's photo, the dataset photo chosen
// above, or this unit's feature visualization) — run it as a job, and read the unit's response as a line
// chart (one parameter) or a heat map (two), with the stimuli it was shown.
import type { LayerInfo, ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { STIMULUS_TEXT, TUNING_STIMULI, type TuningStimulus } from '../../../shared/tuning';
import { useAtom, useAtomValue } from '../../state/store';
import { chosenPhotoAtom } from '../dataset/atoms';
import { jobsAtom } from '../jobs/atoms';
import { isActive, jobStatusText } from '../jobs/state';
import { ArtifactImage } from './ArtifactImage';
import { TuningChart } from './TuningChart';
import { runTuning, sameAsk, savedTuning, tuningChoiceAtom, tuningJobsAtom, type TuningAsk, type TuningChoice } from './tuningService';
import './unit-panels.css';

type Choice = TuningChoice;
const SYNTHETIC = TUNING_STIMULI.filter((s): s is Exclude<TuningStimulus, 'rotate'> => s !== 'rotate');

export function TuningPanel({ project, model, layer, channel, photo, featureImage }: {
  project: ProjectState; model: ModelRecord; layer: LayerInfo; channel: number; photo: PhotoRecord | undefined;
  /** this unit's feature visualization, when one is rendered */
  featureImage: { runId: string; artifactId: string } | undefined;
}) {
  const [choice, setChoice] = useAtom(tuningChoiceAtom);
  const jobs = useAtomValue(jobsAtom);
  const asked = useAtomValue(tuningJobsAtom);
  const chosen = useAtomValue(chosenPhotoAtom);
  const base = { modelId: model.id, layer: layer.name, channel };
  const sources: Record<Choice, { ask?: TuningAsk; label: string }> = {
    ...Object.fromEntries(SYNTHETIC.map((s) => [s, { ask: { ...base, stimulus: s }, label: `${s} — ${STIMULUS_TEXT[s]}` }])) as Record<Exclude<TuningStimulus, 'rotate'>, { ask: TuningAsk; label: string }>,
    'rotate-photo': { ...(photo ? { ask: { ...base, stimulus: 'rotate', photoId: photo.id } } : {}), label: `rotate the selected photo${photo ? ` (${photo.name})` : ' — select one in the sidebar'}` },
    'rotate-example': {
      ...(chosen ? { ask: { ...base, stimulus: 'rotate', source: { datasetId: chosen.datasetId, photoId: chosen.photoId } } } : {}),
      label: `rotate the chosen dataset photo${chosen ? ` (${chosen.path ?? `#${chosen.photoId}`})` : ' — click an example above'}`,
    },
    'rotate-fv': { ...(featureImage ? { ask: { ...base, stimulus: 'rotate', source: featureImage } } : {}), label: `rotate this unit’s feature visualization${featureImage ? '' : ' — render it first'}` },
  };
  const ask = sources[choice].ask;
  const run = ask ? savedTuning(project, ask) : undefined;
  const job = ask && jobs.find((j) => isActive(j.state) && !!asked[j.id] && sameAsk(asked[j.id]!, ask));
  const strip = run?.artifacts.find((a) => a.name === 'stimuli.png');
  return (
    <section className="fv-section" data-testid="fv-tuning" data-state={run ? 'done' : job ? 'running' : 'empty'}>
      <h3>Tuning curve</h3>
      <div className="muted small">
        The unit’s response to synthetic stimuli drawn at its receptive field (Distill’s “Curve Detectors”), or to an image turned about the unit’s centre: solid, the unit at the centre of the map; dashed, the channel’s max over the map.
      </div>
      <div className="row fv-row">
        <label className="fv-field">
          <span className="small muted">stimulus</span>
          <select data-testid="fv-tuning-stimulus" value={choice} onChange={(e) => setChoice(e.target.value as Choice)}>
            {(Object.keys(sources) as Choice[]).map((c) => <option key={c} value={c}>{sources[c].label}</option>)}
          </select>
        </label>
        {job ? (
          <span className="muted small" data-testid="fv-tuning-job">{jobStatusText(job, { withState: true })}</span>
        ) : (
          <button className="button small" data-testid="fv-tuning-run" disabled={!ask} onClick={() => ask && void runTuning(ask, model)}>
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
            {run.settings.sourceName ? ` · ${run.settings.sourceName}` : ''} · {(run.durationMs / 1000).toFixed(1)} s
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
