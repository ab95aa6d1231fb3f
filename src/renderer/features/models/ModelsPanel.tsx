import { FileButton } from '../../components/FileButton';
import { formatBytes, removeText } from '../../components/format';
import { useAtom, useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { projectAtom } from '../project/atoms';
import { addingModelAtom, selectedModelIdAtom } from './atoms';
import { addModelFile, pickAndAddModel, removeModel } from './service';

export function ModelsPanel() {
  const project = useAtomValue(projectAtom);
  const [selected, setSelected] = useAtom(selectedModelIdAtom);
  const adding = useAtomValue(addingModelAtom);
  const models = project?.models ?? [];
  return (
    <section className="panel" data-testid="models-panel">
      <header className="panel-header">
        <h2>Models</h2>
        <FileButton
          label={adding ? 'Reading…' : 'Add model'}
          accept=".onnx"
          testId="add-model"
          className="button small"
          disabled={adding !== null}
          onNative={pickAndAddModel}
          onFiles={(files) => files[0] && void addModelFile(files[0])}
        />
      </header>
      <Banners area="models" />
      {adding && <div className="progress-line" title={`reading ${adding}`} />}
      {models.length === 0 ? (
        <div className="empty">Drop an .onnx file anywhere on the window, or use Add model.</div>
      ) : (
        <ul className="list" data-testid="model-list">
          {models.map((m) => (
            <li key={m.id}>
              <button className={`list-item ${m.id === selected ? 'selected' : ''}`} onClick={() => setSelected(m.id)}>
                <span className="list-title">{m.name}</span>
                <span className="list-meta">
                  {m.description.nodeCount} nodes · {formatBytes(m.description.fileSize)}
                </span>
              </button>
              <button className="icon-button list-remove" title={`Remove ${m.name} from the project`} onClick={() => confirm(removeText(m.name, project?.runs.filter((r) => r.modelId === m.id).length ?? 0)) && void removeModel(m.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
