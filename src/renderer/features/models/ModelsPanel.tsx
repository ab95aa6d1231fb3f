import { FileButton } from '../../components/FileButton';
import { formatBytes, removeText } from '../../components/format';
import { api } from '../../api';
import { useAtom, useAtomValue } from '../../state/store';
import { engineStatusAtom } from '../engine/atoms';
import { Banners } from '../notices/Banners';
import { projectAtom } from '../project/atoms';
import { addingDefaultAtom, addingModelAtom, defaultNoticeDismissedAtom, duplicateModelAtom, embedNewModelAtom, selectedModelIdAtom } from './atoms';
import { addDefaultModel, addModelFiles, embedModel, isDefaultModel, pickAndAddModel, removeModel, useExistingModel } from './service';

export function ModelsPanel() {
  const project = useAtomValue(projectAtom);
  const [selected, setSelected] = useAtom(selectedModelIdAtom);
  const adding = useAtomValue(addingModelAtom);
  const [embed, setEmbed] = useAtom(embedNewModelAtom);
  const models = project?.models ?? [];
  // An upload is a temporary copy, so the engine always keeps its bytes: say so instead of offering a choice.
  const uploads = api.mode === 'browser';
  return (
    <section className="panel" data-testid="models-panel">
      <header className="panel-header">
        <h2>Models</h2>
        <FileButton
          label={adding ? 'Reading…' : 'Add model'}
          accept=".onnx,.json,.bin"
          multiple
          testId="add-model"
          className="button small"
          disabled={adding !== null}
          onNative={pickAndAddModel}
          onFiles={(files) => void addModelFiles(files)}
        />
      </header>
      <div className="panel-options">
        <label
          className="checkbox small"
          title={uploads ? 'In browser mode a model is uploaded, so its bytes are always kept in the project' : 'Copy the model file into the project, so the project works on another computer'}
        >
          <input type="checkbox" data-testid="embed-model" checked={uploads || embed} disabled={uploads} onChange={(e) => setEmbed(e.currentTarget.checked)} />
          Embed in project
        </label>
        {uploads && (
          // a TF.js model folder (model.json + shards) in one go; Electron finds shards beside a picked model.json
          <FileButton label="Add folder…" accept="" directory testId="add-model-folder" className="link-button" disabled={adding !== null} onFiles={(files) => void addModelFiles(files)} />
        )}
      </div>
      <Banners area="models" />
      <DuplicateNotice />
      <DefaultModelNotice />
      {adding && <div className="progress-line" title={`reading ${adding}`} />}
      {models.length === 0 ? (
        <div className="empty">Drop an .onnx file (or a TF.js model.json with its .bin files) anywhere on the window, or use Add model.</div>
      ) : (
        <ul className="list" data-testid="model-list">
          {models.map((m) => (
            <li key={m.id} data-model-id={m.id}>
              <button className={`list-item ${m.id === selected ? 'selected' : ''}`} onClick={() => setSelected(m.id)}>
                <span className="list-title">{m.name}</span>
                <span className="list-meta">
                  {m.description.nodeCount} nodes · {formatBytes(m.description.fileSize)}
                  {m.embedded ? (
                    <span className="tag" data-testid="model-embedded" title="The model's bytes are stored in the project file">embedded</span>
                  ) : (
                    <span className="tag" data-testid="model-linked" title={`Read from ${m.path}`}>linked</span>
                  )}
                </span>
              </button>
              {!m.embedded && (
                <button className="icon-button list-remove" data-testid="embed-existing-model" title={`Copy ${m.name} into the project so it travels with it`} onClick={() => void embedModel(m.id)}>
                  ⤓
                </button>
              )}
              <button className="icon-button list-remove" title={`Remove ${m.name} from the project`} onClick={() => confirm(removeText(m.name, project?.runs.filter((r) => r.modelId === m.id).length ?? 0)) && void removeModel(m.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {project && !models.some(isDefaultModel) && <AddDefaultModel />}
    </section>
  );
}

/** A model file whose bytes are already in the project: not added again; offer the one that is there. */
function DuplicateNotice() {
  const [d, setD] = useAtom(duplicateModelAtom);
  if (!d) return null;
  return (
    <div className="banners">
      <div className="banner banner-notice" role="status" data-testid="model-duplicate">
        <span className="banner-text">
          {d.fileName} is already in this project as “{d.modelName}” (same sha256): not added again.
        </span>
        <button className="button small" data-testid="model-duplicate-use" onClick={() => useExistingModel()}>
          Use it
        </button>
        <button className="icon-button" title="Dismiss" onClick={() => setD(null)}>
          ×
        </button>
      </div>
    </div>
  );
}

/** The built-in model could not be built: say why once, in plain words; the rest of the app works. */
function DefaultModelNotice() {
  const status = useAtomValue(engineStatusAtom)?.defaultModel;
  const [dismissed, setDismissed] = useAtom(defaultNoticeDismissedAtom);
  if (status?.state !== 'failed' || !status.message || status.message === dismissed) return null;
  return (
    <div className="banners">
      <div className="banner banner-notice" role="status" data-testid="default-model-notice">
        <span className="banner-text">{status.message}</span>
        <button className="icon-button" title="Dismiss" onClick={() => setDismissed(status.message ?? null)}>
          ×
        </button>
      </div>
    </div>
  );
}

function AddDefaultModel() {
  const busy = useAtomValue(addingDefaultAtom);
  const building = useAtomValue(engineStatusAtom)?.defaultModel?.state === 'building';
  return (
    <div className="panel-footer">
      <button className="button small wrap" data-testid="add-default-model" disabled={busy || building} onClick={() => void addDefaultModel()}>
        {busy || building ? 'Building the default model…' : 'Add default model (InceptionV3, ImageNet features to mixed5)'}
      </button>
    </div>
  );
}
