// The Dataset tab: add a folder of photos (recursive; unreadable files listed with their reasons), index it
// for the selected model (chosen layers, or the preset's) as a job whose card shows progress, ETA, pause and
// cancel, and see what each index holds. The unit pages of the Features tab read these indexes.
import { useEffect, useState } from 'react';
import type { DatasetInfo, DatasetPhoto } from '../../../shared/dataset';
import type { ModelRecord, ProjectState } from '../../../shared/contract';
import { api } from '../../api';
import { useAtomValue, useSetAtom } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { isActive, jobStatusText } from '../jobs/state';
import { Banners } from '../notices/Banners';
import { datasetImagesAtom, datasetsAtom, indexJobsAtom, selectedDatasetIdAtom } from './atoms';
import { addFolder, AREA, indexDataset, loadThumb, refreshDatasets, removeDataset, thumbKey } from './service';
import './dataset.css';

function Thumb({ datasetId, photo }: { datasetId: string; photo: DatasetPhoto }) {
  const src = useAtomValue(datasetImagesAtom)[thumbKey(datasetId, photo.id, 128)];
  useEffect(() => void loadThumb(datasetId, photo.id, 128), [datasetId, photo.id]);
  return (
    <figure className="ds-thumb" title={photo.path}>
      {src ? <img src={src} alt={photo.path} /> : <div className="empty-image">{photo.path}</div>}
    </figure>
  );
}

function Photos({ dataset }: { dataset: DatasetInfo }) {
  const [photos, setPhotos] = useState<DatasetPhoto[]>([]);
  useEffect(() => {
    let live = true;
    void api.invoke('dataset:photos', { datasetId: dataset.id, offset: 0, limit: 48 }).then((r) => live && setPhotos(r.photos.filter((p) => !p.unreadable)), () => undefined);
    return () => { live = false; };
  }, [dataset.id, dataset.scannedAt, dataset.photos]);
  return (
    <div className="ds-thumbs" data-testid="ds-photos">
      {photos.map((p) => <Thumb key={p.id} datasetId={dataset.id} photo={p} />)}
      {dataset.photos > photos.length && <div className="muted small">… {dataset.photos - photos.length} more</div>}
    </div>
  );
}

function IndexForm({ dataset, model, project }: { dataset: DatasetInfo; model: ModelRecord | undefined; project: ProjectState }) {
  const [layers, setLayers] = useState('');
  const jobs = useAtomValue(jobsAtom);
  const asked = useAtomValue(indexJobsAtom);
  const job = jobs.find((j) => j.kind === 'datasetIndex' && asked[j.id] === dataset.id && isActive(j.state));
  if (!model) return <div className="muted small">Select a model in the sidebar to index this dataset for it.</div>;
  const spatial = model.description.layers.filter((l) => l.shape.length === 4);
  const list = layers.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((l) => !spatial.some((s) => s.name === l));
  return (
    <div className="ds-index-form">
      <div className="row fv-row wrap">
        <label className="fv-field grow">
          <span className="small muted">layers (comma-separated; empty: three spread through the model)</span>
          <input data-testid="ds-layers" list="ds-layer-names" value={layers} placeholder="e.g. inception_3b/output, inception_4c/output" onChange={(e) => setLayers(e.target.value)} />
          <datalist id="ds-layer-names">{spatial.map((l) => <option key={l.name} value={l.name} />)}</datalist>
        </label>
        <button className="button" data-testid="ds-index" disabled={!!job || unknown.length > 0} onClick={() => void indexDataset(dataset.id, model.id, list.length ? list : undefined)}>
          Index for {model.name}
        </button>
      </div>
      {unknown.length > 0 && <div className="small warn">{model.name} has no spatial layer {unknown.map((u) => `“${u}”`).join(', ')}</div>}
      {job && <div className="small muted" data-testid="ds-index-job">{jobStatusText(job, { withState: true })} — pause or cancel it in its job card</div>}
      {project.models.length > 1 && <div className="small muted">Indexes are per model: select another model in the sidebar to index for it.</div>}
    </div>
  );
}

function DatasetView({ dataset, model, project }: { dataset: DatasetInfo; model: ModelRecord | undefined; project: ProjectState }) {
  const modelName = (id: string) => project.models.find((m) => m.id === id)?.name ?? 'a removed model';
  return (
    <section className="fv-section" data-testid="ds-dataset" data-dataset-id={dataset.id}>
      <header className="row fv-row">
        <h3 className="grow">{dataset.name}</h3>
        <span className="muted small mono">{dataset.folder}</span>
        <button className="button tiny" onClick={() => void addFolder(dataset.folder)} title="look for new, changed and vanished files">Rescan</button>
        <button className="button tiny" onClick={() => void removeDataset(dataset.id)} title="forget this dataset and its indexes (the photos stay where they are)">Remove</button>
      </header>
      <div className="small" data-testid="ds-counts">
        {dataset.photos} photo{dataset.photos === 1 ? '' : 's'}{dataset.unreadable ? ` · ${dataset.unreadable} unreadable` : ''}
      </div>
      {dataset.unreadableSample.length > 0 && (
        <ul className="small muted ds-unreadable" data-testid="ds-unreadable">
          {dataset.unreadableSample.map((u) => <li key={u.path}><span className="mono">{u.path}</span>: {u.reason}</li>)}
        </ul>
      )}
      <table className="ds-indexes small" data-testid="ds-indexes">
        <thead><tr><th>model</th><th>layers</th><th>indexed</th><th>pending</th><th>k</th><th>updated</th></tr></thead>
        <tbody>
          {dataset.indexes.map((ix) => (
            <tr key={ix.id} data-testid="ds-index-row" data-indexed={ix.indexed} data-pending={ix.pending}>
              <td>{modelName(ix.modelId)}</td>
              <td className="mono">{ix.layers.map((l) => `${l.name} (${l.channels}, ${l.height}×${l.width})`).join(', ')}</td>
              <td>{ix.indexed}</td><td>{ix.pending}</td><td>{ix.k}</td>
              <td>{new Date(ix.updatedAt).toLocaleString()}</td>
            </tr>
          ))}
          {dataset.indexes.length === 0 && <tr><td colSpan={6} className="muted">not indexed yet</td></tr>}
        </tbody>
      </table>
      <IndexForm dataset={dataset} model={model} project={project} />
      <div className="muted small">Open a channel in the Features tab: its unit page shows this dataset’s top and bottom photos, the histogram, nearest neighbours and the map.</div>
      <Photos dataset={dataset} />
    </section>
  );
}

export function DatasetPanel({ project, model }: { project: ProjectState; model: ModelRecord | undefined }) {
  const datasets = useAtomValue(datasetsAtom);
  const selected = useAtomValue(selectedDatasetIdAtom);
  const select = useSetAtom(selectedDatasetIdAtom);
  const jobs = useAtomValue(jobsAtom);
  const [path, setPath] = useState('');
  const finished = jobs.filter((j) => j.kind === 'datasetIndex' && !isActive(j.state)).length;
  useEffect(() => void refreshDatasets(), [project.path, finished]);
  const dataset = datasets?.find((d) => d.id === selected);
  return (
    <div className="fv-panel ds-panel" data-testid="ds-panel">
      <Banners area={AREA} />
      <div className="row fv-row">
        <label className="fv-field grow">
          <span className="small muted">a folder of photos on this machine (JPEG, PNG, WebP; subfolders included)</span>
          <input data-testid="ds-path" value={path} placeholder="/home/me/Pictures/birds" onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter' && path.trim()) void addFolder(path.trim()); }} />
        </label>
        <button className="button" data-testid="ds-add" disabled={!path.trim()} onClick={() => void addFolder(path.trim())}>Add folder</button>
      </div>
      {datasets && datasets.length > 1 && (
        <div className="fv-segmented" data-testid="ds-list">
          {datasets.map((d) => (
            <button key={d.id} className={`button small ${d.id === selected ? 'on' : ''}`} onClick={() => select(d.id)}>{d.name}</button>
          ))}
        </div>
      )}
      {dataset ? <DatasetView dataset={dataset} model={model} project={project} /> : datasets && <div className="empty big">No dataset yet: add a folder of photos.</div>}
    </div>
  );
}
