// The Style tab's form as typed (strings where a field may be left empty), what it sends, and back: the
// settings of a saved run put into the form again. The engine checks everything again and names the
// setting; these checks name the field as the form labels it, before anything is asked of the engine.
import type { LayerInfo, ModelRecord } from '../../../shared/contract';
import {
  DEFAULT_STYLE_SIZE, MODE_DEFAULTS, parseStyleSettings,
  type StyleInit, type StyleMode, type StyleRunSettings, type StyleSettingsInput,
} from '../../../shared/jobs/style';

export interface StyleImageField {
  photoId: string;
  /** blend weight as typed; the engine normalizes the weights to sum 1 */
  weight: string;
}

export interface StyleForm {
  mode: StyleMode;
  /** empty: the photo selected in the sidebar */
  contentPhotoId: string;
  styles: StyleImageField[];
  /** empty: the preset the engine chooses from the architecture */
  contentLayers: string[];
  styleLayers: string[];
  contentWeight: string;
  styleWeight: string;
  tvWeight: string;
  optimizer: 'lbfgs' | 'adam';
  /** Adam only, in 0..255 pixel levels */
  lr: string;
  /** per stage */
  iterations: string;
  init: StyleInit;
  /** the output's long side; with stages, the last stage is the output size */
  size: string;
  styleScale: string;
  originalColors: boolean;
  /** multi-resolution stages, e.g. "256, 512"; empty: one stage at Size */
  multires: string;
  normalizeGradients: boolean;
  /** empty: drawn and recorded with the run */
  seed: string;
}

/** The fields a mode sets when it is chosen (MODE_DEFAULTS, as the form types them). */
export function modeFields(mode: StyleMode): Pick<StyleForm, 'mode' | 'init' | 'contentWeight' | 'styleWeight' | 'tvWeight'> {
  const d = MODE_DEFAULTS[mode];
  return { mode, init: d.init, contentWeight: String(d.contentWeight), styleWeight: String(d.styleWeight), tvWeight: String(d.tvWeight) };
}

/** neural-style's defaults (the schema's), in transfer mode. */
export const DEFAULT_FORM: StyleForm = {
  ...modeFields('transfer'),
  contentPhotoId: '', styles: [], contentLayers: [], styleLayers: [],
  optimizer: 'lbfgs', lr: '10', iterations: '500', size: String(DEFAULT_STYLE_SIZE), styleScale: '1',
  originalColors: false, multires: '', normalizeGradients: false, seed: '',
};

function number(label: string, v: string, o: { integer?: boolean; optional?: boolean } = {}): number | undefined {
  const t = v.trim();
  if (!t && o.optional) return undefined;
  const n = Number(t);
  if (!t || !Number.isFinite(n) || (o.integer && !Number.isInteger(n))) throw new Error(`${label} must be ${o.integer ? 'a whole number' : 'a number'} (got "${v}")`);
  return n;
}

/** "256, 512 → 1024" or "256 512": the stages' long sides; empty: none. */
export function parseStages(text: string): number[] | undefined {
  const parts = text.split(/[\s,;→>-]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  return parts.map((p) => number('Stages', p, { integer: true })!);
}

/** Form → the settings a style job sends. Errors name the field; cross-field rules come from the engine's own parser. */
export function formSettings(f: StyleForm): StyleSettingsInput {
  const stages = parseStages(f.multires);
  const styles = f.mode === 'inversion' ? [] : f.styles.map((s, i) => ({ photoId: s.photoId, weight: number(`Blend weight of style image ${i + 1}`, s.weight)! }));
  const seed = number('Seed', f.seed, { integer: true, optional: true });
  const settings: StyleSettingsInput = {
    mode: f.mode,
    styles,
    // feature inversion reconstructs from one layer: the first of a list kept from another mode
    ...(f.contentLayers.length ? { contentLayers: f.mode === 'inversion' ? f.contentLayers.slice(0, 1) : f.contentLayers } : {}),
    ...(f.styleLayers.length && f.mode !== 'inversion' ? { styleLayers: f.styleLayers } : {}),
    contentWeight: number('Content weight', f.contentWeight)!,
    styleWeight: number('Style weight', f.styleWeight)!,
    tvWeight: number('TV weight', f.tvWeight)!,
    optimizer: f.optimizer,
    ...(f.optimizer === 'adam' ? { lr: number('Learning rate', f.lr)! } : {}),
    iterations: number('Iterations', f.iterations, { integer: true })!,
    init: f.init,
    // with stages the last one is the output size; sending Size too could only disagree with it
    ...(stages ? { multires: stages } : { size: number('Size', f.size, { integer: true })! }),
    styleScale: number('Style scale', f.styleScale)!,
    originalColors: f.originalColors,
    normalizeGradients: f.normalizeGradients,
    ...(seed !== undefined ? { seed } : {}),
  };
  // the engine's own rules (ranges, "texture synthesis needs a style image", increasing stages…), said now
  parseStyleSettings(settings);
  return settings;
}

/** A saved run's settings back in the form ("Use these settings"): layers stay explicit only where they were given. */
export function runForm(s: StyleRunSettings, photoId: string | undefined): StyleForm {
  return {
    mode: s.mode,
    contentPhotoId: photoId ?? '',
    styles: s.styles.map((x) => ({ photoId: x.photoId, weight: String(x.weight) })),
    contentLayers: s.layerChoice.content === 'given' ? [...s.contentLayers] : [],
    styleLayers: s.layerChoice.style === 'given' ? [...s.styleLayers] : [],
    contentWeight: String(s.contentWeight), styleWeight: String(s.styleWeight), tvWeight: String(s.tvWeight),
    optimizer: s.optimizer, lr: String(s.lr),
    iterations: String(s.iterations),
    init: s.init,
    size: String(s.size),
    styleScale: String(s.styleScale),
    originalColors: s.originalColors,
    multires: s.multires ? s.multires.join(', ') : '',
    normalizeGradients: s.normalizeGradients,
    seed: String(s.seed),
  };
}

/**
 * "Continue from this result": the run's own settings (its layers as they were resolved, so the losses go on
 * from where they were), one stage at the result's size, for `iterations` more.
 */
export function continueSettings(s: StyleRunSettings, iterations: number): StyleSettingsInput {
  return {
    mode: s.mode, styles: s.styles.map((x) => ({ ...x })),
    contentLayers: [...s.contentLayers], ...(s.mode !== 'inversion' ? { styleLayers: [...s.styleLayers] } : {}),
    contentWeight: s.contentWeight, styleWeight: s.styleWeight, tvWeight: s.tvWeight,
    optimizer: s.optimizer, lbfgsHistory: s.lbfgsHistory, lr: s.lr, iterations, init: s.init,
    size: s.size, styleScale: s.styleScale, originalColors: s.originalColors, normalizeGradients: s.normalizeGradients, seed: s.seed,
  };
}

/** Layers a content or style loss can read: the model's 4-D feature maps, in graph order. */
export function featureMapLayers(model: ModelRecord | undefined): LayerInfo[] {
  return (model?.description.layers ?? []).filter((l) => l.shape.length === 4).sort((a, b) => a.order - b.order);
}

/**
 * An image-to-image network (a fast-style model: one colour image in, one colour image out) rather than a
 * loss network. Its output must say 3 channels: a feature extractor's outputs (e.g. vgg19_to_block3's
 * `[N,C,h,w]`) are 4-D too but are not pictures.
 */
export function isImageToImage(model: ModelRecord | undefined): boolean {
  if (!model) return false;
  const d = model.description;
  if (d.isClassifier || d.inputs.length !== 1 || d.outputs.length !== 1) return false;
  const ins = d.inputs[0]!.shape, out = d.outputs[0]!.shape;
  const colour = (shape: (number | string | null)[]) => shape.length === 4 && shape[1] === 3;
  return colour(out) && (colour(ins) || (ins.length === 4 && typeof ins[1] !== 'number'));
}

/** The fixed input a fast-style network declares (it is tiled over a photo), or undefined: any size. */
export function fixedInput(model: ModelRecord): { width: number; height: number } | undefined {
  const s = model.description.inputs[0]?.shape;
  return s && typeof s[2] === 'number' && typeof s[3] === 'number' && s[2] > 0 && s[3] > 0 ? { width: s[3], height: s[2] } : undefined;
}
