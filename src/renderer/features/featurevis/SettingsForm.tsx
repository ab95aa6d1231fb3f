// The render settings: a preset (quick for browsing a layer, full = Lucid's defaults), the channels to
// render, and behind "settings" the ones a person changes less often. Empty size / steps / batch fields
// show the preset's value and use it.
import { FEATUREVIS_PRESETS } from '../../../shared/jobs/featurevis';
import { useAtom, useAtomValue } from '../../state/store';
import { fvFormAtom, fvSettingsOpenAtom } from './atoms';
import { formRender, type FvParam } from './form';
import { editForm } from './formState';

const PARAMS: { id: FvParam; label: string; title: string }[] = [
  { id: 'fourier', label: 'Fourier', title: "Lucid's default: the image as scaled Fourier coefficients (favours natural-looking frequencies)" },
  { id: 'pixel', label: 'pixels', title: 'raw pixels: the plain baseline, usually noisy and high-frequency' },
  { id: 'maco', label: 'MACO', title: 'phase only, over a fixed natural-image magnitude spectrum: for deep modern models where Fourier images fall apart' },
];

function TextField({ label, name, width, placeholder, title }: { label: string; name: 'size' | 'steps' | 'batch' | 'lr' | 'seed'; width: number; placeholder?: string; title?: string }) {
  const form = useAtomValue(fvFormAtom);
  return (
    <label className="fv-field" title={title}>
      <span className="muted small">{label}</span>
      <input className="mono" style={{ width: `${width}em` }} data-testid={`fv-${name}`} value={form[name]} placeholder={placeholder} onChange={(e) => editForm({ [name]: e.target.value })} />
    </label>
  );
}

/** `unitPage`: without the Channels field (a unit page renders its own channel). */
export function SettingsForm({ channelCount, unitPage = false }: { channelCount: number | null; unitPage?: boolean }) {
  const form = useAtomValue(fvFormAtom);
  const [open, setOpen] = useAtom(fvSettingsOpenAtom);
  const preset = FEATUREVIS_PRESETS[form.preset];
  const resolved = formRender(form);
  const set = editForm;
  return (
    <div className="fv-settings">
      <div className="row fv-row">
        <div className="fv-field">
          <span className="muted small">Preset</span>
          <div className="fv-segmented" role="radiogroup">
            {(['quick', 'full'] as const).map((p) => (
              <button
                key={p}
                role="radio"
                aria-checked={form.preset === p}
                className={`button small ${form.preset === p ? 'on' : ''}`}
                data-testid={`fv-preset-${p}`}
                title={p === 'quick' ? 'small and short, for browsing a whole layer' : "Lucid's defaults: 128 px, 512 steps"}
                onClick={() => set({ preset: p })}
              >
                {p}
              </button>
            ))}
          </div>
        </div>
        {!unitPage && (
        <label className="fv-field" title="e.g. 0-7 or 12, 40-47; empty: every channel of the layer">
          <span className="muted small">Channels</span>
          <input
            className="mono"
            style={{ width: '9em' }}
            data-testid="fv-channels"
            placeholder={channelCount ? `all (0-${channelCount - 1})` : 'all'}
            value={form.channels}
            onChange={(e) => set({ channels: e.target.value })}
          />
        </label>
        )}
        <button className="link-button fv-disclosure" aria-expanded={open} data-testid="fv-settings-toggle" onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} settings
        </button>
        <span className="muted small" data-testid="fv-resolved">
          {resolved ? `${resolved.size} px · ${resolved.steps} steps · ${resolved.batch} per job` : 'a setting is not valid'}
        </span>
      </div>
      {open && (
        <div className="row fv-row wrap" data-testid="fv-settings">
          <label className="fv-field">
            <span className="muted small">Parameterization</span>
            <select data-testid="fv-param" value={form.param} onChange={(e) => set({ param: e.target.value as FvParam })}>
              {PARAMS.map((p) => (
                <option key={p.id} value={p.id} title={p.title}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox fv-check" title="Lucid's ImageNet colour decorrelation: optimize in decorrelated colour space">
            <input type="checkbox" data-testid="fv-decorrelate" checked={form.decorrelate} onChange={(e) => set({ decorrelate: e.target.checked })} />
            decorrelated colour
          </label>
          <label className="checkbox fv-check" title="Lucid's standard transforms: pad 12, jitter 8, random scale and rotation, jitter 4">
            <input type="checkbox" data-testid="fv-transforms" checked={form.transforms} onChange={(e) => set({ transforms: e.target.checked })} />
            transforms
          </label>
          <TextField label="Size (px)" name="size" width={4} placeholder={String(preset.size)} />
          <TextField label="Steps" name="steps" width={4} placeholder={String(preset.steps)} />
          <TextField label="Learning rate" name="lr" width={4} title="Adam's learning rate (Lucid: 0.05)" />
          <TextField label="Batch" name="batch" width={3} placeholder={String(preset.batch)} title="channels per job (one compiled graph renders them together)" />
          <TextField label="Seed" name="seed" width={7} placeholder="random" title="empty: drawn for each job and recorded with its run; set: only images of this seed are shown" />
        </div>
      )}
    </div>
  );
}
