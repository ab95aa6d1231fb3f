// What the engine's layer preset is for a model, as far as the project knows it. The preset is chosen from
// the ONNX graph itself (a VGG by the shape of its conv chain, whatever the file names it), which the UI
// does not hold; but every style run records the layers it resolved and why (settings.layerChoice), and the
// choice depends on the model alone — so the newest run on the same model says what the preset is.
import type { RunOf } from '../../../shared/contract';

export interface KnownPreset {
  /** undefined where that run gave its own layers of this kind */
  content?: string[];
  style?: string[];
  preset?: string;
  reason: string;
  runId: string;
}

export function knownPreset(runs: readonly RunOf<'style'>[], modelId: string | undefined): KnownPreset | undefined {
  if (!modelId) return undefined;
  const sorted = runs.filter((r) => r.modelId === modelId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  let found: KnownPreset | undefined;
  for (const r of sorted) {
    const c = r.settings.layerChoice;
    // inversion keeps only the first content layer; its content list is not the whole preset
    const content = c.content === 'preset' && r.settings.mode !== 'inversion' ? r.settings.contentLayers : undefined;
    const style = c.style === 'preset' && r.settings.mode !== 'inversion' ? r.settings.styleLayers : undefined;
    if (!content && !style) continue;
    found ??= { reason: c.reason, runId: r.id, ...(c.preset ? { preset: c.preset } : {}) };
    found.content ??= content;
    found.style ??= style;
    if (found.content && found.style) break;
  }
  return found;
}

