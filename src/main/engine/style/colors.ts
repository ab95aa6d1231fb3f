// "Keep the photo's colours" (neural-style's -original_colors 1): the result's luminance with the content
// photo's chroma, recombined in YIQ. YIQ's Y weights sum to 1 and its I and Q weights sum to 0, so keeping
// I and Q while changing Y is exactly "add the change of Y to all three channels": R, G, B each become
// content + ΔY. That makes the chroma exact in 8 bits too (R−G and G−B are the content's), and where the new
// luminance would leave 0..255, ΔY is clamped to the range that keeps every channel in gamut instead of
// clipping the channels one by one (which would shift the hue).
import type { Rgb } from '../pixels/index';

/** NTSC luma weights (R, G, B): YIQ's Y */
export const LUMA = [0.299, 0.587, 0.114] as const;

export function luma(r: number, g: number, b: number): number {
  return LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
}

/** YIQ's chroma of an RGB triple (I, Q), for tests and checks */
export function chromaIQ(r: number, g: number, b: number): [number, number] {
  return [0.596 * r - 0.274 * g - 0.322 * b, 0.211 * r - 0.523 * g + 0.312 * b];
}

/**
 * `styled`'s luminance on `content`'s colours; both RGB 0..255 of the same size. Values of `styled` may
 * be floats beyond 0..255 (a model-space result before rounding); the result is whole 0..255 levels.
 */
export function originalColors(content: Rgb, styled: { width: number; height: number; data: ArrayLike<number> }): Rgb {
  if (content.width !== styled.width || content.height !== styled.height) {
    throw new Error(`original colours: the content is ${content.width}×${content.height} but the result is ${styled.width}×${styled.height}`);
  }
  const n = content.width * content.height;
  const out = new Uint8Array(n * 3);
  const c = content.data, s = styled.data;
  for (let i = 0; i < n; i++) {
    const r = c[i * 3]!, g = c[i * 3 + 1]!, b = c[i * 3 + 2]!;
    let dy = Math.round(luma(s[i * 3]!, s[i * 3 + 1]!, s[i * 3 + 2]!) - luma(r, g, b));
    const lo = -Math.min(r, g, b), hi = 255 - Math.max(r, g, b);
    dy = dy < lo ? lo : dy > hi ? hi : dy;
    out[i * 3] = r + dy; out[i * 3 + 1] = g + dy; out[i * 3 + 2] = b + dy;
  }
  return { width: content.width, height: content.height, data: out };
}
