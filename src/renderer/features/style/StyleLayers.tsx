// The layers the losses read. By default the engine's preset for the architecture (VGG: neural-style's
// relu4_2 and relu1_1…relu5_1 or the nearest a shorter VGG has; Keras InceptionV3: a tuned set; any other
// model: by depth) — shown as the project's runs on this model recorded it. "Choose layers" turns them into
// lists to edit from the model's own feature maps.
import type { LayerInfo, ModelRecord, ProjectState } from '../../../shared/contract';
import { formatShape } from '../../components/format';
import { useAtom } from '../../state/store';
import { runsOf } from '../run/runOf';
import { styleFormAtom, styleLayersOpenAtom } from './atoms';
import { featureMapLayers } from './form';
import { knownPreset } from './layers';

function LayerListEditor({ kind, names, layers, max, onChange }: { kind: 'content' | 'style'; names: string[]; layers: LayerInfo[]; max: number; onChange(names: string[]): void }) {
  const byName = new Map(layers.map((l) => [l.name, l]));
  return (
    <div className="style-layer-list" data-testid={`style-${kind}-layers`}>
      {names.map((n, i) => (
        <span key={n} className="style-chip mono" title={byName.get(n) ? `${byName.get(n)!.opType} ${formatShape(byName.get(n)!.shape)}` : 'not a layer of this model'}>
          {n}
          <button className="icon-button" title={`Remove ${n}`} onClick={() => onChange(names.filter((_, k) => k !== i))}>×</button>
        </span>
      ))}
      {names.length < max && (
        <select data-testid={`style-${kind}-layer-add`} value="" onChange={(e) => e.target.value && onChange([...names, e.target.value])}>
          <option value="">{names.length ? 'add a layer…' : `choose the ${kind} layer${max > 1 ? 's' : ''}…`}</option>
          {layers.filter((l) => !names.includes(l.name)).map((l) => (
            <option key={l.name} value={l.name}>{l.name} · {l.opType} {formatShape(l.shape)}</option>
          ))}
        </select>
      )}
    </div>
  );
}

export function StyleLayers({ project, model }: { project: ProjectState; model: ModelRecord | undefined }) {
  const [form, setForm] = useAtom(styleFormAtom);
  const [open, setOpen] = useAtom(styleLayersOpenAtom);
  const preset = knownPreset(runsOf(project.runs, 'style'), model?.id);
  const layers = featureMapLayers(model);
  const inversion = form.mode === 'inversion';
  const presetContent = preset?.content ? (inversion ? preset.content.slice(0, 1) : preset.content) : undefined;

  if (!open) {
    return (
      <div className="style-layers" data-testid="style-layers" data-layers="preset">
        <div className="row style-layers-head">
          <h3>Layers <span className="muted small">· the engine's preset for this architecture</span></h3>
          <button
            className="button small" data-testid="style-layers-edit" disabled={!model}
            onClick={() => {
              // start from the preset where the project knows it, so overriding means editing, not retyping
              setForm({ ...form, contentLayers: form.contentLayers.length ? form.contentLayers : presetContent ?? [], styleLayers: form.styleLayers.length ? form.styleLayers : preset?.style ?? [] });
              setOpen(true);
            }}
          >
            Choose layers
          </button>
        </div>
        {preset ? (
          <div className="small" data-testid="style-layers-preset">
            <div><span className="muted">content</span> <span className="mono">{presetContent?.join(', ') ?? 'from the preset'}</span></div>
            {!inversion && <div><span className="muted">style</span> <span className="mono">{preset.style?.join(', ') ?? 'from the preset'}</span></div>}
            <div className="muted">{preset.reason}{inversion ? ' · feature inversion reads the first content layer only' : ''}</div>
          </div>
        ) : (
          <div className="small muted" data-testid="style-layers-preset">
            {model
              ? `Chosen from ${model.name}'s architecture when the run starts: a VGG gets neural-style's content relu4_2 and style relu1_1 … relu5_1 (or the nearest it has), Keras InceptionV3 a tuned set, any other network early and middle layers by depth. The result shows the choice and why.`
              : 'Select a model: any CNN in the project can be the loss network.'}
          </div>
        )}
      </div>
    );
  }
  return (
    <div className="style-layers" data-testid="style-layers" data-layers="chosen">
      <div className="row style-layers-head">
        <h3>Layers <span className="muted small">· chosen here ({layers.length} feature maps in {model?.name ?? 'no model'})</span></h3>
        <button className="button small" data-testid="style-layers-preset-back" onClick={() => { setForm({ ...form, contentLayers: [], styleLayers: [] }); setOpen(false); }}>
          Use the preset
        </button>
      </div>
      <div className="style-layer-row">
        <span className="small muted">{inversion ? 'reconstruct from' : 'content'}</span>
        <LayerListEditor kind="content" names={inversion ? form.contentLayers.slice(0, 1) : form.contentLayers} layers={layers} max={inversion ? 1 : 8} onChange={(contentLayers) => setForm({ ...form, contentLayers })} />
      </div>
      {!inversion && (
        <div className="style-layer-row">
          <span className="small muted">style</span>
          <LayerListEditor kind="style" names={form.styleLayers} layers={layers} max={16} onChange={(styleLayers) => setForm({ ...form, styleLayers })} />
        </div>
      )}
      <div className="small muted">An empty list uses the preset's layers of that kind.</div>
    </div>
  );
}
