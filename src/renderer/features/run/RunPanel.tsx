import { useEffect } from 'react';
import type { ModelRecord, PhotoRecord, RunOf, RunRecord } from '../../../shared/contract';
import { formatDuration, formatShape } from '../../components/format';
import { useAtom, useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { PhotoThumb } from '../photos/PhotosPanel';
import { artifactsAtom, classifyBusyAtom, selectedLayerAtom, selectedRunIdAtom } from './atoms';
import { runTitle } from './results';
import { activations, classify, loadArtifact } from './service';

function ClassifyResult({ run }: { run: RunOf<'classify'> }) {
  const top = run.result.top;
  return (
    <ol className="bars" data-testid="classify-result">
      {top.map((c, i) => (
        <li key={c.index} className="bar-row" data-class-index={c.index} data-rank={i + 1}>
          <span className="bar-label" title={`class ${c.index}`}>
            {c.label || `class ${c.index}`}
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

function ActivationsResult({ run }: { run: RunOf<'activations'> }) {
  const artifacts = useAtomValue(artifactsAtom);
  const image = run.artifacts.find((a) => a.mime.startsWith('image/'));
  useEffect(() => {
    if (image) void loadArtifact(image.id);
  }, [image?.id]);
  const { channels, grid } = run.result;
  // an empty grid (a layer with no channels to show) has no cells to label
  const labelled = grid.cols > 0 && grid.rows > 0;
  const src = image ? artifacts[image.id] : undefined;
  return (
    <div className="activations" data-testid="activations-result">
      <div className="activation-grid">
        {src ? <img src={src} alt={`activation maps of ${run.settings.layer}`} /> : <div className="empty">{image ? 'Loading…' : 'No image stored.'}</div>}
        {src && labelled && (
          // the grid image's cells are the channels in ranking order; label each cell with its channel
          <div className="cell-labels" style={{ gridTemplateColumns: `repeat(${grid.cols}, 1fr)`, gridTemplateRows: `repeat(${grid.rows}, 1fr)` }}>
            {channels.slice(0, grid.cols * grid.rows).map((c) => (
              <span key={c.channel} title={`channel ${c.channel}: mean ${c.mean.toPrecision(3)}, max ${c.max.toPrecision(3)}`}>
                {c.channel}
              </span>
            ))}
          </div>
        )}
      </div>
      {channels.length > 0 && (
        <div className="channel-list">
          <div className="muted small">Strongest channels (mean activation)</div>
          <table className="table compact">
            <tbody>
              {channels.slice(0, 24).map((c, i) => (
                <tr key={c.channel}>
                  <td className="num muted">{i + 1}</td>
                  <td className="mono">ch {c.channel}</td>
                  <td className="mono num">{c.mean.toPrecision(3)}</td>
                  <td className="mono num muted">max {c.max.toPrecision(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
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
        <ActivationsResult run={run} />
      ) : (
        <pre className="mono small">{JSON.stringify(run.result, null, 2)}</pre>
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
  const [layer, setLayer] = useAtom(selectedLayerAtom);
  const busy = useAtomValue(classifyBusyAtom);
  const runId = useAtomValue(selectedRunIdAtom);
  const run = runs.find((r) => r.id === runId);
  const layerInfo = model?.description.layers.find((l) => l.name === layer);
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
            <input
              className="grow mono"
              list="layer-options"
              data-testid="layer-input"
              placeholder="layer, e.g. inception_4c/output"
              value={layer ?? ''}
              onChange={(e) => setLayer(e.target.value || null)}
            />
            <datalist id="layer-options">
              {model?.description.layers.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.opType} {formatShape(l.shape)}
                </option>
              ))}
            </datalist>
            <button className="button" data-testid="show-activations" disabled={!model || !photo || !layerInfo} onClick={() => void activations()}>
              Show activations
            </button>
          </div>
          <div className="muted small">{layerInfo ? `${layerInfo.opType} ${formatShape(layerInfo.shape)}` : layer ? 'not a layer of this model' : 'pick a layer'}</div>
        </div>
      </div>
      <Banners area="run" />
      {run ? <RunView run={run} models={models} photos={photos} /> : <div className="empty big">Run a classification or show a layer's activations; results appear here and in History.</div>}
    </div>
  );
}
