// The optimization's settings: the mode (each with its own defaults), the loss weights, the optimizer,
// iterations, start image, sizes, multi-resolution stages, colours, gradient normalization, seed. The units
// are neural-style's (src/shared/jobs/style.ts), so its numbers mean the same here.
import type { StyleInit, StyleMode } from '../../../shared/jobs/style';
import { useAtom } from '../../state/store';
import { styleFormAtom } from './atoms';
import { modeFields, parseStages, type StyleForm } from './form';

type TextKey = 'contentWeight' | 'styleWeight' | 'tvWeight' | 'lr' | 'iterations' | 'size' | 'styleScale' | 'multires' | 'seed';

const TEST_IDS: Record<TextKey, string> = {
  contentWeight: 'style-content-weight', styleWeight: 'style-style-weight', tvWeight: 'style-tv-weight', lr: 'style-lr', iterations: 'style-iterations',
  size: 'style-size', styleScale: 'style-scale', multires: 'style-multires', seed: 'style-seed-input',
};

const MODES: { id: StyleMode; label: string; title: string }[] = [
  { id: 'transfer', label: 'Style transfer', title: 'the content photo painted in the style images (Gatys et al.; jcjohnson/neural-style)' },
  { id: 'texture', label: 'Texture synthesis', title: 'a new texture from the style images alone: Gram matrices matched from noise' },
  { id: 'inversion', label: 'Feature inversion', title: "the photo reconstructed from one layer's activations alone: deeper layers keep less" },
];

const INITS: Record<StyleMode, { id: StyleInit; label: string }[]> = {
  transfer: [{ id: 'content', label: 'the content photo' }, { id: 'noise', label: 'noise' }, { id: 'style', label: 'the first style image' }],
  texture: [{ id: 'noise', label: 'noise' }, { id: 'style', label: 'the first style image' }],
  inversion: [{ id: 'noise', label: 'noise' }, { id: 'content', label: 'the content photo' }],
};

function Text({ label, name, width, title, placeholder, disabled }: { label: string; name: TextKey; width: number; title?: string; placeholder?: string; disabled?: boolean }) {
  const [form, setForm] = useAtom(styleFormAtom);
  return (
    <label className="style-field" title={title}>
      <span className="muted small">{label}</span>
      <input className="mono" style={{ width: `${width}em` }} data-testid={TEST_IDS[name]} value={form[name]} placeholder={placeholder} disabled={disabled} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
}

function Check({ label, name, title, testId, disabled }: { label: string; name: 'originalColors' | 'normalizeGradients'; title: string; testId: string; disabled?: boolean }) {
  const [form, setForm] = useAtom(styleFormAtom);
  return (
    <label className="checkbox style-check" title={title}>
      <input type="checkbox" data-testid={testId} checked={form[name]} disabled={disabled} onChange={(e) => setForm({ ...form, [name]: e.target.checked })} /> {label}
    </label>
  );
}

/** Where the stages text cannot be read yet, the Size field stays the output size. */
function stagesOf(form: StyleForm): number[] | undefined {
  try {
    return parseStages(form.multires);
  } catch {
    return undefined;
  }
}

export function StyleSettings() {
  const [form, setForm] = useAtom(styleFormAtom);
  const stages = stagesOf(form);
  const setMode = (mode: StyleMode) => setForm({ ...form, ...modeFields(mode) });
  return (
    <div className="style-settings">
      <div className="style-modes" role="radiogroup" aria-label="mode">
        {MODES.map((m) => (
          <button key={m.id} role="radio" aria-checked={form.mode === m.id} className={`button small ${form.mode === m.id ? 'on' : ''}`} data-testid={`style-mode-${m.id}`} title={m.title} onClick={() => setMode(m.id)}>
            {m.label}
          </button>
        ))}
      </div>
      <div className="row wrap style-row">
        <Text label="Content weight" name="contentWeight" width={5} title="neural-style's -content_weight (mean squared feature difference per content layer)" disabled={form.mode === 'texture'} />
        <Text label="Style weight" name="styleWeight" width={5} title="neural-style's -style_weight (Gram matrices, F·Fᵀ/(C·H·W))" disabled={form.mode === 'inversion'} />
        <Text label="TV weight" name="tvWeight" width={5} title="total-variation smoothing, in the loss network's input units (neural-style's -tv_weight)" />
        <label className="style-field">
          <span className="muted small">Optimizer</span>
          <select data-testid="style-optimizer" value={form.optimizer} onChange={(e) => setForm({ ...form, optimizer: e.target.value as StyleForm['optimizer'] })}>
            <option value="lbfgs">L-BFGS (one evaluation per iteration)</option>
            <option value="adam">Adam</option>
          </select>
        </label>
        {form.optimizer === 'adam' && <Text label="Learning rate" name="lr" width={4} title="Adam's step, in 0..255 pixel levels (neural-style's -learning_rate)" />}
        <Text label={stages && stages.length > 1 ? 'Iterations per stage' : 'Iterations'} name="iterations" width={5} />
        <label className="style-field">
          <span className="muted small">Start from</span>
          <select data-testid="style-init" value={form.init} onChange={(e) => setForm({ ...form, init: e.target.value as StyleInit })}>
            {INITS[form.mode].map((i) => <option key={i.id} value={i.id}>{i.label}</option>)}
          </select>
        </label>
      </div>
      <div className="row wrap style-row">
        <Text label="Size (long side, px)" name="size" width={5} disabled={!!stages} title={stages ? 'with stages, the last stage is the output size' : "the result's long side"} />
        <Text label="Stages (multi-resolution)" name="multires" width={10} placeholder="e.g. 256, 512" title="long sides in increasing order; each stage starts from the last one upsampled; the last is the output size" />
        <Text label="Style scale" name="styleScale" width={4} title="the style images' size relative to the output (neural-style's -style_scale)" disabled={form.mode === 'inversion'} />
        <Text label="Seed" name="seed" width={7} placeholder="random" title="for the noise start; empty: drawn and recorded with the result" />
        <div className="style-checks">
          <Check label="keep the photo's colours" name="originalColors" testId="style-original-colors" title="luminance-only transfer: the result keeps the content photo's chroma exactly (neural-style's -original_colors)" disabled={form.mode === 'texture'} />
          <Check label="normalized gradients" name="normalizeGradients" testId="style-normalize" title="each term's gradient divided by its L1 norm (neural-style's -normalize_gradients); best with Adam" />
        </div>
      </div>
    </div>
  );
}
