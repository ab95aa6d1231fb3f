// The Attribution tab: choose a method, its options and a target; run it as a job (pause, resume or cancel
// it while it runs); see the map over the photo with opacity, sign mode and colormap; tick several saved
// runs to compare them side by side; export PNG / .npy / CSV. Runs are saved in the project by the engine
// with the settings they ran with.
import type { ModelRecord, PhotoRecord, ProjectState, RunOf } from '../../../shared/contract';
import { COLORMAPS, SIGN_MODES } from '../../../shared/colormap';
import { useEffect, useRef } from 'react';
import { LayerPicker } from '../../components/LayerPicker';
import { isFeatureMap } from '../../components/layerFilter';
import { isLayerOf } from '../../state/selection';
import { useAtom, useAtomValue } from '../../state/store';
import { selectedRunIdAtom } from '../run/atoms';
import { runsOf } from '../run/runOf';
import { runsOfSelection } from '../run/pick';
import { Banners } from '../notices/Banners';
import { AttributionCanvas } from './AttributionCanvas';
import { AttributionJob } from './AttributionJob';
import { compareIdsAtom, displayAtom, formAtom, shownRunIdAtom, type AttributionForm, type MapView, type MethodName } from './atoms';
import { exportRun, exportSheet, runAttribution, toggleCompare } from './service';

const METHODS: { id: MethodName; label: string }[] = [
  { id: 'saliency', label: 'Saliency (vanilla gradient)' },
  { id: 'gradxinput', label: 'Gradient × input' },
  { id: 'smoothgrad', label: 'SmoothGrad' },
  { id: 'ig', label: 'Integrated Gradients' },
  { id: 'guided', label: 'Guided backprop' },
  { id: 'deconvnet', label: 'Deconvnet' },
  { id: 'gradcam', label: 'Grad-CAM' },
  { id: 'guided-gradcam', label: 'Guided Grad-CAM' },
  { id: 'occlusion', label: 'Occlusion' },
];

function runLabel(run: RunOf<'attribution'>): string {
  const s = run.settings.attribution;
  const opts = s.method === 'ig' ? ` ${s.steps} steps` : s.method === 'smoothgrad' ? ` ${s.samples}× ${s.inner}` : s.method === 'occlusion' ? ` ${s.window}/${s.stride}` : '';
  return `${run.result.method}${opts} · ${run.result.targetText}`;
}

function NumberField({ label, value, onChange, step = 1, min, testId }: { label: string; value: number; onChange: (v: number) => void; step?: number; min?: number; testId: string }) {
  return (
    <label className="field">
      <span className="small muted">{label}</span>
      <input type="number" className="mono" data-testid={testId} value={value} step={step} min={min} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

function MethodOptions({ form, set, model }: { form: AttributionForm; set: (p: Partial<AttributionForm>) => void; model: ModelRecord | undefined }) {
  const ig = (
    <>
      <NumberField label="steps" testId="attr-steps" value={form.steps} min={1} onChange={(steps) => set({ steps })} />
      <label className="field">
        <span className="small muted">baseline</span>
        <select data-testid="attr-baseline" value={form.baseline} onChange={(e) => set({ baseline: e.target.value as AttributionForm['baseline'] })}>
          <option value="black">black</option>
          <option value="blurred">blurred</option>
          <option value="noise">uniform noise</option>
        </select>
      </label>
    </>
  );
  switch (form.method) {
    case 'smoothgrad':
      return (
        <>
          <NumberField label="samples" testId="attr-samples" value={form.samples} min={1} onChange={(samples) => set({ samples })} />
          <NumberField label="noise level" testId="attr-noise" value={form.noiseLevel} step={0.05} min={0} onChange={(noiseLevel) => set({ noiseLevel })} />
          <label className="field">
            <span className="small muted">of</span>
            <select data-testid="attr-inner" value={form.inner} onChange={(e) => set({ inner: e.target.value as AttributionForm['inner'] })}>
              {(['saliency', 'gradxinput', 'ig', 'guided', 'deconvnet'] as const).map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </label>
          {form.inner === 'ig' && ig}
        </>
      );
    case 'ig':
      return ig;
    case 'gradcam': case 'guided-gradcam':
      return (
        <label className="field grow">
          <span className="small muted">
            layer {isLayerOf(model, form.layer) ? '' : '(default: the last convolutional block)'}
            {isLayerOf(model, form.layer) && <button className="link-button small" onClick={(e) => { e.preventDefault(); set({ layer: '' }); }}>use the default</button>}
          </span>
          <LayerPicker
            layers={model?.description.layers ?? []}
            accept={isFeatureMap}
            // a layer picked for another model is not this model's: the default then
            value={isLayerOf(model, form.layer) ? form.layer : null}
            testId="attr-layer"
            disabled={!model}
            placeholder="the last convolutional block"
            onPick={(layer) => set({ layer })}
          />
        </label>
      );
    case 'occlusion':
      return (
        <>
          <NumberField label="window" testId="attr-window" value={form.window} min={1} onChange={(window) => set({ window })} />
          <NumberField label="stride" testId="attr-stride" value={form.stride} min={1} onChange={(stride) => set({ stride })} />
          <NumberField label="baseline value" testId="attr-baseline-value" value={form.baselineValue} step={0.1} onChange={(baselineValue) => set({ baselineValue })} />
        </>
      );
    default:
      return null;
  }
}

export function AttributionPanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const [form, setForm] = useAtom(formAtom);
  const [display, setDisplay] = useAtom(displayAtom);
  const [shownId, setShownId] = useAtom(shownRunIdAtom);
  const compareIds = useAtomValue(compareIdsAtom);
  const finished = useAtomValue(selectedRunIdAtom);
  // a job that just finished selects its run (run/service showRun): show it
  useEffect(() => {
    if (finished && project.runs.some((r) => r.id === finished && r.kind === 'attribution')) setShownId(finished);
  }, [finished]);
  const set = (p: Partial<AttributionForm>) => setForm({ ...form, ...p });
  const sheetRef = useRef<HTMLDivElement>(null);
  // the selected model's and photo's attributions only ([Note: selection]); History selects a run's
  // model and photo with it, so a picked run is always among them
  const sel = { modelId: model?.id ?? null, photoId: photo?.id ?? null };
  const runs = runsOfSelection(runsOf(project.runs, 'attribution').filter((r) => r.status === 'done'), sel);
  const shown = runs.find((r) => r.id === shownId) ?? runs[0];
  const comparing = display.large ? [] : runs.filter((r) => compareIds.includes(r.id)).reverse();
  const onSheet = comparing.length >= 2 ? comparing : shown ? [shown] : [];

  return (
    <div className="run-panel" data-testid="attribution-panel">
      <div className="run-controls" style={{ flexWrap: 'wrap', gap: 8 }}>
        <div className="form-grid" style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-end' }}>
          <label className="field">
            <span className="small muted">method</span>
            <select data-testid="attr-method" value={form.method} onChange={(e) => set({ method: e.target.value as MethodName })}>
              {METHODS.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
            </select>
          </label>
          <label className="field">
            <span className="small muted">target</span>
            <input className="mono" data-testid="attr-target" list="attr-target-options" value={form.target} placeholder="top-1 class · class name · LAYER:CH" onChange={(e) => set({ target: e.target.value })} />
            <datalist id="attr-target-options">
              {/* feature maps as LAYER:0 (edit the channel); the classifier needs no entry: empty = top-1 */}
              {model?.description.layers.filter((l) => l.shape.length === 4).map((l) => <option key={l.name} value={`${l.name}:0`}>{l.opType} [{l.shape.join(',')}]</option>)}
            </datalist>
          </label>
          <MethodOptions form={form} set={set} model={model} />
          <button className="button primary" data-testid="attr-run" disabled={!model || !photo} onClick={() => void runAttribution()}>
            Attribute
          </button>
        </div>
        <div className="muted small">{model ? `${model.name}` : 'select a model'} · {photo ? photo.name : 'select a photo'}</div>
      </div>
      <Banners area="run" />
      <AttributionJob />

      <div className="row" style={{ display: 'flex', gap: 16, alignItems: 'center', flexWrap: 'wrap', margin: '8px 0' }}>
        <label className="field">
          <span className="small muted">opacity {Math.round(display.opacity * 100)}%</span>
          <input type="range" min={0} max={1} step={0.05} data-testid="attr-opacity" value={display.opacity} onChange={(e) => setDisplay({ ...display, opacity: Number(e.target.value) })} />
        </label>
        <label className="field">
          <span className="small muted">sign</span>
          <select data-testid="attr-sign" value={display.signMode} onChange={(e) => setDisplay({ ...display, signMode: e.target.value as typeof display.signMode })}>
            <option value="auto">auto</option>
            {SIGN_MODES.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="small muted">colormap</span>
          <select data-testid="attr-colormap" value={display.colormap} onChange={(e) => setDisplay({ ...display, colormap: e.target.value as typeof display.colormap })}>
            <option value="auto">auto</option>
            {COLORMAPS.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="small muted">view</span>
          <select data-testid="attr-view" value={display.view} onChange={(e) => setDisplay({ ...display, view: e.target.value as MapView })} title="overlay: the map fades where it is small · blend: the whole map over a grey photo (Captum's blended heat map) · map only: no photo">
            <option value="blend">blend (grey photo)</option>
            <option value="overlay">overlay</option>
            <option value="map">map only</option>
          </select>
        </label>
        <label className="field">
          <span className="small muted">clip top</span>
          <select data-testid="attr-clip" value={display.clip} onChange={(e) => setDisplay({ ...display, clip: Number(e.target.value) })} title="the largest values are clipped before scaling, so one outlier does not wash the map out (Captum's outlier_perc)">
            {[0, 0.5, 1, 2, 5, 10].map((p) => <option key={p} value={p}>{p === 0 ? 'none' : `${p}%`}</option>)}
          </select>
        </label>
        <button className={`button small ${display.large ? 'primary' : ''}`} data-testid="attr-large" aria-pressed={display.large} onClick={() => setDisplay({ ...display, large: !display.large })} title="one map as large as the pane (the list and the comparison hide)">
          {display.large ? 'Back to the list' : 'Large view'}
        </button>
        {onSheet.length > 0 && (
          <button className="button small" data-testid="attr-export-sheet" title="everything shown below as one PNG" onClick={() => void exportSheet(sheetRef.current, photo?.name, model?.name, onSheet.map((r) => r.result.method))}>
            {onSheet.length >= 2 ? `Export comparison (${onSheet.length}) PNG` : 'Export as shown PNG'}
          </button>
        )}
        {shown && (
          <span className="row" style={{ display: 'flex', gap: 6 }}>
            <button className="button small" data-testid="attr-export-png" onClick={() => void exportRun(shown.id, 'png')}>Export PNG</button>
            <button className="button small" data-testid="attr-export-npy" onClick={() => void exportRun(shown.id, 'npy')}>Raw .npy</button>
            <button className="button small" data-testid="attr-export-csv" onClick={() => void exportRun(shown.id, 'csv')}>CSV</button>
          </span>
        )}
      </div>

      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
        {!display.large && <div className="list" data-testid="attr-runs" style={{ minWidth: 240, maxWidth: 300 }}>
          {runs.length === 0 && <div className="empty">{model && photo ? `No attributions of ${photo.name} with ${model.name} yet.` : 'No attributions for this photo yet.'}</div>}
          {runs.map((r) => (
            <div key={r.id} className={`list-item ${shown?.id === r.id ? 'selected' : ''}`} data-testid="attr-run-item" data-run-id={r.id} data-method={r.result.method} style={{ display: 'flex', flexDirection: 'row', gap: 6, alignItems: 'center' }}>
              <input type="checkbox" style={{ width: "auto", flex: "none" }} title="compare side by side" data-testid="attr-compare-check" checked={compareIds.includes(r.id)} onChange={() => toggleCompare(r.id)} />
              <button className="small" style={{ textAlign: 'left', flex: 1, background: 'none', border: 'none', color: 'inherit', cursor: 'pointer', padding: '4px 0' }} onClick={() => setShownId(r.id)}>{runLabel(r)}</button>
            </div>
          ))}
          {runs.length > 1 && <div className="muted small" style={{ padding: '4px 0' }}>New runs join the comparison; untick one to leave it out.</div>}
        </div>}
        <div className="grow" style={{ flex: 1 }} ref={sheetRef}>
          {comparing.length >= 2 ? (
            <div data-testid="attr-compare" style={{ display: 'grid', gap: 12, gridTemplateColumns: `repeat(${Math.min(comparing.length, 3)}, minmax(0, 1fr))` }}>
              {comparing.map((r) => <AttributionCanvas key={r.id} run={r} display={display} maxWidth={480} fill />)}
            </div>
          ) : shown ? (
            <AttributionCanvas run={shown} display={display} maxWidth={display.large ? 1400 : 640} large={display.large} />
          ) : (
            <div className="empty big">Pick a method and press Attribute: the map appears over the photo here.</div>
          )}
        </div>
      </div>
    </div>
  );
}
