// The Run tab: classify, or show a layer's activations, for the selected model and photo — and only
// their results ([Note: selection] in state/selection.ts): another photo's or model's run never shows here.
import type { ModelRecord, PhotoRecord, RunOf, RunRecord } from '../../../shared/contract';
import { tabForRunKind, featureTabs } from '../../app/featureTabs';
import { formatDuration, formatShape } from '../../components/format';
import { LayerPicker } from '../../components/LayerPicker';
import { isFeatureMap } from '../../components/layerFilter';
import { selectLayer, selectRun } from '../../state/selection';
import { useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { PhotoThumb } from '../photos/PhotosPanel';
import { ActivationsResult } from './Activations';
import { classifyBusyAtom, selectedLayerAtom, selectedRunIdAtom } from './atoms';
import { runToShow } from './pick';
import { dreamLayerFor } from '../dream/layers';
import { runTitle } from './results';
import { activations, classify } from './service';

/** the kinds this tab shows; the others open in their own tab */
const RUN_TAB_KINDS: readonly RunRecord['kind'][] = ['classify', 'activations'];

function ClassifyResult({ run }: { run: RunOf<'classify'> }) {
  const top = run.result.top;
  return (
    <ol className="bars" data-testid="classify-result">
      {top.map((c, i) => (
        <li key={c.index} className="bar-row" data-class-index={c.index} data-rank={i + 1}>
          <span className="bar-label" title={`class ${c.index}`}>
            {/* with the index: two ImageNet names occur twice (crane, maillot) */}
            {c.label && c.label !== `class ${c.index}` ? `${c.label} (${c.index})` : `class ${c.index}`}
          </span>
          <span className="bar-track">
            <span className="bar-fill" style={{ width: `${Math.max(0.5, c.probability * 100)}%` }} />
          </span>
          <span className="bar-value mono">{(c.probability * 100).toFixed(1)}%</span>
        </li>
      ))}
      {top.length === 0 && <li className="empty">The engine returned no classes.</li>}
    </ol>
  );
}

export function RunView({ run, models, photos }: { run: RunRecord; models: ModelRecord[]; photos: PhotoRecord[] }) {
  const model = models.find((m) => m.id === run.modelId);
  const photo = photos.find((p) => p.id === run.photoId);
  return (
    <div className="run-view" data-testid="run-view" data-run-kind={run.kind}>
      <div className="run-view-head">
        <h3>{runTitle(run, model?.name, photo?.name)}</h3>
        <span className="muted small">
          {run.provider.toUpperCase()} · {formatDuration(run.durationMs)} · {new Date(run.createdAt).toLocaleTimeString()}
        </span>
      </div>
      {run.status !== 'done' ? (
        <div className="banner banner-error">{run.status === 'failed' ? `Failed: ${run.error ?? 'unknown error'}` : 'Cancelled.'}</div>
      ) : run.kind === 'classify' ? (
        <ClassifyResult run={run} />
      ) : run.kind === 'activations' ? (
        <ActivationsResult run={run} photo={photo} />
      ) : (
        // never raw JSON: a run of another kind is opened where it is drawn
        <div className="row">
          <span className="muted">This {run.kind} run is shown in the {featureTabs.find((t) => t.id === tabForRunKind(run.kind))?.label ?? tabForRunKind(run.kind)} tab.</span>
          <button className="button small" data-testid="run-open-in-tab" onClick={() => selectRun(run)}>
            Open it there
          </button>
        </div>
      )}
    </div>
  );
}

export function RunPanel({ model, photo, runs, models, photos }: {
  model: ModelRecord | undefined;
  photo: PhotoRecord | undefined;
  runs: RunRecord[];
  models: ModelRecord[];
  photos: PhotoRecord[];
}) {
  const layer = useAtomValue(selectedLayerAtom);
  const busy = useAtomValue(classifyBusyAtom);
  const runId = useAtomValue(selectedRunIdAtom);
  const mine = runs.filter((r) => RUN_TAB_KINDS.includes(r.kind));
  const { run, elsewhere } = runToShow(mine, { modelId: model?.id ?? null, photoId: photo?.id ?? null }, runId);
  // the model's selected feature map, else its default (named here, before the run: the Dream tab's rule)
  const choice = dreamLayerFor(model, layer);
  const layerInfo = model?.description.layers.find((l) => l.name === choice.layer);
  const activationsReason = !model ? 'select a model' : !photo ? 'select a photo' : !layerInfo ? `${model.name} has no feature map to show` : null;
  return (
    <div className="run-panel" data-testid="run-panel">
      <div className="run-controls">
        <div className="run-subject">
          {photo ? <PhotoThumb photo={photo} /> : <div className="thumb-placeholder">no photo</div>}
          <div>
            <div>{model?.name ?? <span className="muted">no model selected</span>}</div>
            <div className="muted small">{photo ? `${photo.name} · ${photo.width}×${photo.height}` : 'select a photo on the left'}</div>
            {model && (
              <div className="muted small">
                {model.preprocess.preset} · {model.preprocess.channelOrder} · {model.preprocess.width}×{model.preprocess.height}
              </div>
            )}
          </div>
        </div>
        <div className="run-actions">
          <button
            className="button primary"
            data-testid="classify"
            disabled={!model || !photo || busy || !model.description.isClassifier}
            title={model && !model.description.isClassifier ? 'This model has no class output; look at its layers instead.' : undefined}
            onClick={() => void classify()}
          >
            {busy ? 'Classifying…' : 'Classify'}
          </button>
          <div className="row">
            <LayerPicker
              layers={model?.description.layers ?? []}
              // activations need a feature map: only those can be picked here
              accept={isFeatureMap}
              value={choice.layer}
              testId="layer-input"
              disabled={!model}
              placeholder={model ? `pick one of ${model.description.layers.length} layers` : 'select a model'}
              onPick={(name) => model && selectLayer(model.id, name)}
            />
            <button className="button" data-testid="show-activations" disabled={!!activationsReason} title={activationsReason ?? undefined} onClick={() => layerInfo && void activations(layerInfo.name)}>
              Show activations
            </button>
          </div>
          <div className="muted small" data-testid="layer-info">
            {layerInfo ? `${choice.isDefault ? `${choice.note ?? 'the default for this model:'} ` : ''}${layerInfo.opType} ${formatShape(layerInfo.shape)} · ${layerInfo.shape[1]} channels` : activationsReason}
          </div>
        </div>
      </div>
      <Banners area="run" />
      {elsewhere === 'no-photo' && <div className="muted small run-elsewhere">This run was made without a photo of this project.</div>}
      {run ? (
        <RunView run={run} models={models} photos={photos} />
      ) : (
        <div className="empty big" data-testid="run-none">
          {model && photo ? `No classification or activations of ${photo.name} with ${model.name} yet; results appear here and in History.` : "Run a classification or show a layer's activations; results appear here and in History."}
        </div>
      )}
    </div>
  );
}
