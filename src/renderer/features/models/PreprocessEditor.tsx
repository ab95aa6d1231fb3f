import { useEffect, useState } from 'react';
import type { ModelRecord, Preprocess } from '../../../shared/contract';
import { PRESET_NAMES, presetSpace } from '../../../shared/pixels';
import { setPreprocess } from './service';

type Preset = Preprocess['preset'];

const PRESET_NOTES: Record<Preset, string> = {
  torch: 'RGB 0..1, ImageNet mean/std (torchvision)',
  caffe: 'BGR 0..255 minus mean (Caffe, GoogLeNet, VGG)',
  tf: 'RGB scaled to −1..1 (TF/Keras Inception, MobileNet)',
  raw01: 'RGB 0..1, no normalization',
  raw255: 'RGB 0..255, no normalization',
  custom: 'your own values',
};

function triple(text: string): [number, number, number] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean).map(Number);
  return parts.length === 3 && parts.every(Number.isFinite) ? [parts[0]!, parts[1]!, parts[2]!] : null;
}

export function PreprocessEditor({ model }: { model: ModelRecord }) {
  const [draft, setDraft] = useState<Preprocess>(model.preprocess);
  const [meanText, setMeanText] = useState(model.preprocess.mean.join(', '));
  const [stdText, setStdText] = useState(model.preprocess.std.join(', '));
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    setDraft(model.preprocess);
    setMeanText(model.preprocess.mean.join(', '));
    setStdText(model.preprocess.std.join(', '));
  }, [model.id, model.preprocess]);

  const guess = model.description.suggestedPreprocess;
  const mean = triple(meanText);
  const std = triple(stdText);
  const valid = mean !== null && std !== null && std.every((s) => s !== 0) && draft.rangeMax !== draft.rangeMin;
  const candidate: Preprocess | null = valid ? { ...draft, mean, std } : null;
  const dirty = candidate !== null && JSON.stringify(candidate) !== JSON.stringify(model.preprocess);

  function edit(patch: Partial<Preprocess>, keepPreset = false): void {
    setDraft((d) => ({ ...d, ...patch, preset: keepPreset ? d.preset : 'custom' }));
  }
  function choosePreset(preset: Preset): void {
    if (preset === 'custom') return setDraft((d) => ({ ...d, preset }));
    // the engine's own preset table (src/shared/pixels.ts); `custom` keeps whatever the fields say
    const p = presetSpace(preset);
    setDraft((d) => ({ ...d, ...p, preset }));
    setMeanText(p.mean.join(', '));
    setStdText(p.std.join(', '));
  }

  return (
    <div className="preprocess" data-testid="preprocess-editor">
      <div className="form-grid">
        <label className="field">
          <span>Preset</span>
          <select data-testid="preset-select" value={draft.preset} onChange={(e) => choosePreset(e.target.value as Preset)}>
            {[...PRESET_NAMES, 'custom' as const].map((p) => (
              <option key={p} value={p}>
                {p}
                {p === guess.preset ? ' (guess)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Input size (W×H)</span>
          <div className="row">
            <input type="number" min={1} max={8192} value={draft.width} onChange={(e) => edit({ width: Number(e.target.value) }, true)} />
            <span className="muted">×</span>
            <input type="number" min={1} max={8192} value={draft.height} onChange={(e) => edit({ height: Number(e.target.value) }, true)} />
          </div>
        </label>
        <label className="field">
          <span>Channels</span>
          <select value={draft.channelOrder} onChange={(e) => edit({ channelOrder: e.target.value as Preprocess['channelOrder'] })}>
            <option>RGB</option>
            <option>BGR</option>
          </select>
        </label>
        <label className="field">
          <span>Layout</span>
          <select value={draft.layout} onChange={(e) => edit({ layout: e.target.value as Preprocess['layout'] }, true)}>
            <option>NCHW</option>
            <option>NHWC</option>
          </select>
        </label>
        <label className="field">
          <span>Value range</span>
          <div className="row">
            <input type="number" step="any" value={draft.rangeMin} onChange={(e) => edit({ rangeMin: Number(e.target.value) })} />
            <span className="muted">…</span>
            <input type="number" step="any" value={draft.rangeMax} onChange={(e) => edit({ rangeMax: Number(e.target.value) })} />
          </div>
        </label>
        <label className="field">
          <span>Resize</span>
          <select value={draft.resize} onChange={(e) => edit({ resize: e.target.value as Preprocess['resize'] }, true)}>
            <option value="stretch">stretch</option>
            <option value="center-crop">center crop</option>
            <option value="pad">pad</option>
          </select>
        </label>
        <label className="field">
          <span>Mean ({draft.channelOrder})</span>
          <input className={mean ? '' : 'invalid'} value={meanText} onChange={(e) => (setMeanText(e.target.value), edit({}))} />
        </label>
        <label className="field">
          <span>Std ({draft.channelOrder})</span>
          <input className={std && std.every((s) => s !== 0) ? '' : 'invalid'} value={stdText} onChange={(e) => (setStdText(e.target.value), edit({}))} />
        </label>
      </div>
      <div className="preprocess-footer">
        <span className="muted">
          {PRESET_NOTES[draft.preset]} · guessed from the model: <b>{guess.preset}</b> {guess.channelOrder} {guess.width}×{guess.height}
        </span>
        <span className="spacer" />
        {dirty && (
          <button className="button small" onClick={() => (setDraft(model.preprocess), setMeanText(model.preprocess.mean.join(', ')), setStdText(model.preprocess.std.join(', ')))}>
            Revert
          </button>
        )}
        <button
          className="button small primary"
          data-testid="preprocess-apply"
          disabled={!dirty || saving}
          onClick={async () => {
            if (!candidate) return;
            setSaving(true);
            await setPreprocess(model.id, candidate);
            setSaving(false);
          }}
        >
          {saving ? 'Saving…' : 'Apply'}
        </button>
      </div>
    </div>
  );
}
