import type { ModelRecord, TensorInfo } from '../../../shared/contract';
import { FileButton } from '../../components/FileButton';
import { formatBytes, formatCount, formatShape } from '../../components/format';
import { LayerList } from './LayerList';
import { PreprocessEditor } from './PreprocessEditor';
import { embedModel, inspectionKey, loadInspection, pickLabels, setLabels, setLabelsFromFile, useBuiltInLabels } from './service';
import { hasBuiltInImagenetNames, modelKind } from './kind';
import { inspectionsAtom } from './atoms';
import { useAtomValue } from '../../state/store';
import { selectTab } from '../../state/selection';
import { useEffect } from 'react';

function TensorRows({ kind, tensors }: { kind: string; tensors: TensorInfo[] }) {
  return (
    <>
      {tensors.map((t) => (
        <tr key={`${kind}:${t.name}`}>
          <td className="muted">{kind}</td>
          <td className="mono">{t.name}</td>
          <td>{t.dtype}</td>
          <td className="mono">{formatShape(t.shape)}</td>
        </tr>
      ))}
    </>
  );
}

/** The layer list at the size the model is run at (its preprocess size), which may differ from the stored inspection's. */
function ModelLayers({ model }: { model: ModelRecord }) {
  const d = model.description;
  const { width, height } = model.preprocess;
  const same = width === d.inspectedSize.width && height === d.inspectedSize.height;
  const key = inspectionKey(model.id, width, height);
  const other = useAtomValue(inspectionsAtom)[key];
  useEffect(() => {
    if (!same) void loadInspection(model.id, width, height);
  }, [same, model.id, width, height]);
  if (same) return <LayerList layers={d.layers} size={d.inspectedSize} />;
  if (other && 'layers' in other) return <LayerList layers={other.layers} size={{ width, height }} />;
  return (
    <>
      {other && 'error' in other && (
        <div className="banner banner-error">
          Shapes at {width}×{height} could not be computed ({other.error}); showing them at {d.inspectedSize.width}×{d.inspectedSize.height}.
        </div>
      )}
      <LayerList layers={d.layers} size={d.inspectedSize} />
    </>
  );
}

export function ModelView({ model }: { model: ModelRecord }) {
  const d = model.description;
  const kind = modelKind(model);
  const topOps = Object.entries(d.opTypes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  return (
    <div className="model-view" data-testid="model-view">
      <div className="model-head">
        <div>
          <h1 className="title">{model.name}</h1>
          <div className="muted mono small" title={model.path}>
            {model.path}
          </div>
          <div className="small model-kind" data-testid="model-kind" data-kind={kind.kind}>
            <strong>{kind.text}</strong> <span className="muted">— {kind.hint}</span>
          </div>
          {!model.embedded && (
            // said before anyone copies the project: this model is not inside the file
            <div className="small model-linked-note" data-testid="model-linked-note">
              Linked, not in the project file: a copy of the project needs {model.path.split(/[\\/]/).pop()} beside it.{' '}
              <button className="link-button" onClick={() => void embedModel(model.id)}>Embed it</button>
            </div>
          )}
        </div>
        <dl className="stats" data-testid="model-stats">
          <div>
            <dt>Opset</dt>
            <dd>{d.opset}</dd>
          </div>
          <div>
            <dt>Nodes</dt>
            <dd>{d.nodeCount}</dd>
          </div>
          <div>
            <dt>Parameters</dt>
            <dd title={String(d.parameterCount)}>{formatCount(d.parameterCount)}</dd>
          </div>
          <div>
            <dt>File</dt>
            <dd>{formatBytes(d.fileSize)}</dd>
          </div>
          <div>
            <dt>Kind</dt>
            <dd>{kind.kind === 'classifier' ? 'classifier' : kind.kind === 'image-to-image' ? 'image-to-image' : 'features'}</dd>
          </div>
        </dl>
      </div>
      <div className="model-columns">
        <section className="subpanel">
          <h3>Inputs and outputs</h3>
          <table className="table compact" data-testid="io-table">
            <tbody>
              <TensorRows kind="in" tensors={d.inputs} />
              <TensorRows kind="out" tensors={d.outputs} />
            </tbody>
          </table>
          <div className="muted small">
            IR {d.irVersion} · {d.producer || 'unknown producer'} · image input <span className="mono">{d.imageInput}</span>
            {topOps.length > 0 && <> · {topOps.map(([op, n]) => `${op} ${n}`).join(', ')}</>}
          </div>
        </section>
        <section className="subpanel">
          <h3>Labels</h3>
          <div className="row">
            <span className="grow" data-testid="labels-status">
              {model.labels?.length
                ? `${model.labels.length} labels${hasBuiltInImagenetNames(model.labels) ? ' (ImageNet, built in)' : ''}: ${model.labels.slice(0, 3).map((l, i) => `${l} (${i})`).join(', ')}…`
                : d.isClassifier
                  ? 'No labels: classes show as numbers.'
                  : 'Not a classifier.'}
            </span>
            <FileButton
              label={model.labels?.length ? 'Replace…' : 'Load labels…'}
              accept=".txt,.csv"
              testId="labels"
              className="button small"
              onNative={() => pickLabels(model.id)}
              onFiles={(files) => files[0] && void setLabelsFromFile(model.id, files[0])}
            />
            {!model.labels?.length && (d.classCount === 1000 || d.classCount === 1001) && (
              <button className="button small" data-testid="labels-builtin" title="The ImageNet-1000 class names that ship with Featurescope" onClick={() => void useBuiltInLabels(model.id)}>
                Use ImageNet names
              </button>
            )}
            {model.labels?.length ? (
              <button className="button small" onClick={() => void setLabels(model.id, null, '')}>
                Clear
              </button>
            ) : null}
          </div>
        </section>
      </div>
      <section className="subpanel">
        <h3>Preprocessing</h3>
        <PreprocessEditor model={model} />
      </section>
      <section className="subpanel grow-panel">
        <h3>
          Layers{' '}
          <button className="link-button" data-testid="model-open-graph" title="The model's graph; the selected layer is lit there" onClick={() => selectTab('graph')}>
            show the graph
          </button>
        </h3>
        <ModelLayers model={model} />
      </section>
    </div>
  );
}
