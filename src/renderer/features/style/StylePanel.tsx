// The Style tab. With a loss network selected (any CNN in the project): neural style transfer, texture
// synthesis or feature inversion — the pictures, the layers, the settings, Stylize; the job live (preview,
// loss curve, progress, Pause / Resume / Cancel); the result with its losses and settings, export and
// "continue from this result"; earlier style runs below. With an image-to-image model selected (a fast-style
// network) the tab offers "Stylize photos" instead.
import { useEffect, useRef } from 'react';
import type { ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { useAtom, useAtomValue } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { selectedRunIdAtom } from '../run/atoms';
import { runsOf } from '../run/runOf';
import { styleFormAtom, styleJobIdAtom, styleShownIdAtom } from './atoms';
import { FastStylePanel } from './FastStyle';
import { isImageToImage } from './form';
import { knownPreset } from './layers';
import { listenForStyleProgress } from './live';
import { AREA, showStyleRun, startStyle } from './service';
import { ContentPicker, StyleImagesPicker } from './StyleInputs';
import { StyleLayers } from './StyleLayers';
import { StyleLive } from './StyleLive';
import { StyleResult, styleSummary, StyleThumb } from './StyleResult';
import { StyleSettings } from './StyleSettings';
import './style.css';

// the live loss curve needs every progress message of a style job, from before the tab is first shown
listenForStyleProgress();

export function StylePanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  if (model && isImageToImage(model)) return <FastStylePanel project={project} model={model} photo={photo} />;
  return <NeuralStylePanel project={project} model={model} photo={photo} />;
}

function NeuralStylePanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const form = useAtomValue(styleFormAtom);
  const [shownId, setShownId] = useAtom(styleShownIdAtom);
  const jobs = useAtomValue(jobsAtom);
  const jobId = useAtomValue(styleJobIdAtom);
  const picked = useAtomValue(selectedRunIdAtom);
  // the job this tab started, else any style job still active (started before a reload, or from History's rerun)
  const job = jobs.find((j) => j.id === jobId && isActive(j.state)) ?? jobs.find((j) => j.kind === 'style' && isActive(j.state));
  const active = !!job;
  // a job that just finished (its run is selected by the jobs feature) or a run picked in History: show it
  useEffect(() => {
    if (picked && project.runs.some((r) => r.id === picked && r.kind === 'style')) setShownId(picked);
  }, [picked]);
  const all = runsOf(project.runs, 'style');
  const contentId = project.photos.some((p) => p.id === form.contentPhotoId) ? form.contentPhotoId : photo?.id;
  const runs = all
    .filter((r) => r.id === shownId || !r.photoId || r.photoId === contentId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = runs.find((r) => r.id === shownId) ?? runs[0];
  // a run picked in the strip at the bottom, or one just saved: its picture is at the top of the column
  const output = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // braces: newer Chromium's scrollTo returns a promise, which React would take for the effect's cleanup
    output.current?.scrollTo({ top: 0 });
  }, [shown?.id]);
  const content = project.photos.find((p) => p.id === contentId);
  const preset = knownPreset(all, model?.id);
  const liveLayers = form.styleLayers.length ? form.styleLayers : preset?.style;
  const needsContent = form.mode !== 'texture';
  const needsStyle = form.mode !== 'inversion';
  const missing = !model ? 'select a loss network (a model)' : needsContent && !content ? 'select a content photo' : needsStyle && form.styles.length === 0 ? 'add a style image' : '';
  return (
    <div className="style-panel style-columns" data-testid="style-panel">
      <div className="style-form">
        <ContentPicker project={project} photo={photo} />
        <StyleImagesPicker project={project} />
        <StyleLayers project={project} model={model} />
        <StyleSettings />
        <div className="row style-go">
          <button className="button primary" data-testid="style-start" disabled={!!missing || active} onClick={() => void startStyle()}>
            Stylize
          </button>
          <span className="muted small" data-testid="style-go-note">
            {missing || (active ? 'a style job is running: pause or cancel it' : `${model!.name} · ${model!.preprocess.preset} preprocessing · ${form.multires.trim() ? `stages ${form.multires}` : `${form.size} px`} · ${form.iterations} iterations`)}
          </span>
        </div>
      </div>
      <div className="style-output" ref={output}>
        <Banners area={AREA} />
        {job && <StyleLive job={job} styleLayers={liveLayers} />}
        {!active && shown && <StyleResult run={shown} project={project} />}
        {!active && !shown && <div className="empty big">Pick a content photo and a style image, then Stylize. The result is saved in the project with every setting and its loss curve.</div>}
        {runs.length > 0 && (
          <div className="style-strip" data-testid="style-history">
            {runs.map((r) => (
              <button key={r.id} className={`style-strip-item ${shown?.id === r.id ? 'selected' : ''}`} data-testid="style-history-item" data-run-id={r.id} data-run-status={r.status} onClick={() => showStyleRun(r.id)}>
                <StyleThumb run={r} />
                <span className="small">{new Date(r.createdAt).toLocaleTimeString()}</span>
                <span className="muted small">{styleSummary(r)}</span>
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
