// Drawing one attribution map (pure pixels; the canvas code in AttributionCanvas only composites). The
// map is scaled with the shared percentile clipping (normalizeForDisplay, like Captum's `outlier_perc`)
// and coloured with the engine's own colormaps, so the screen, the sheet and the exported PNG agree.
import { colorize, normalizeForDisplay, type ColormapName, type SignMode } from '../../../shared/colormap';
import type { MapView } from './atoms';

/** RGBA of the map for a view: `overlay` alpha ∝ |v|·opacity; `blend` a constant opacity; `map` opaque. */
export function mapPixels(data: Float32Array, mode: SignMode, cmap: ColormapName, view: MapView, opacity: number, clip: number): { rgba: Uint8ClampedArray; scale: number } {
  const { values, scale } = normalizeForDisplay(data, mode, clip);
  const rgba = colorize(values, mode, cmap, view === 'overlay' ? opacity : 1);
  if (view !== 'overlay') {
    const a = Math.round(255 * (view === 'map' ? 1 : opacity));
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = a;
  }
  return { rgba, scale };
}

/** Luma of RGBA pixels in place (the photo under a `blend` view is grey, as in Captum). */
export function toGrey(rgba: Uint8ClampedArray): void {
  for (let i = 0; i < rgba.length; i += 4) {
    const y = Math.round(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!);
    rgba[i] = rgba[i + 1] = rgba[i + 2] = y;
  }
}

/** The file name of a comparison sheet: `dog-gradcam-ig-comparison.png` (methods in sheet order). */
export function sheetFileName(photoStem: string, methods: readonly string[]): string {
  const unique = [...new Set(methods)];
  return `${photoStem}-${unique.join('-')}-comparison.png`;
}
