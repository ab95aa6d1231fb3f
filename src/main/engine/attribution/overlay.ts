// Photo in, photo out: the model input for a photo (the image module's decode + preprocessing), and
// the map drawn over the photo at the photo's own size, with an optional legend strip (colour bar with
// the values it stands for).
import sharp from 'sharp';
import type { Preprocess } from '../../../shared/contract';
import { decodeResized } from '../image/image';
import { imageToTensor } from '../pixels/tensor';
import { colorAt, colorize, defaultColormap, normalizeForDisplay, reduceChannels, type ColormapName, type SignMode } from '../../../shared/colormap';
import type { AttributionResult, InputImage } from './types';

export async function photoToInput(bytes: Uint8Array, p: Preprocess, name = 'image'): Promise<InputImage> {
  if (p.layout !== 'NCHW') throw new Error(`${name}: attribution works on NCHW models; this model's preprocessing says ${p.layout}`);
  const img = await decodeResized(bytes, p.width, p.height, p.resize, name);
  const t = imageToTensor(img, p);
  return { data: t.data, shape: [1, 3, p.height, p.width] };
}

export interface OverlayOptions {
  signMode?: SignMode;
  colormap?: ColormapName;
  /** 0..1: how strongly the map covers the photo */
  opacity?: number;
  /** longest side of the output, in pixels (the photo is never enlarged) */
  maxSize?: number;
  /** add a colour bar with the values under the image */
  legend?: boolean;
  /** percent of the largest |values| clipped so one hot pixel does not wash out the rest */
  outlierPercent?: number;
}

/** Default sign mode per method: signed where the sign means something (IG, grad×input, occlusion), magnitude for raw gradients. */
export function defaultSignMode(method: AttributionResult['settings']['method']): SignMode {
  switch (method) {
    case 'ig': case 'gradxinput': case 'occlusion': return 'all';
    case 'gradcam': return 'positive';
    default: return 'absolute';
  }
}

export async function renderOverlay(photo: Uint8Array, result: Pick<AttributionResult, 'map' | 'shape' | 'settings'>, opts: OverlayOptions = {}): Promise<Buffer> {
  const mode = opts.signMode ?? defaultSignMode(result.settings.method);
  const cmap = opts.colormap ?? defaultColormap(mode);
  const opacity = Math.max(0, Math.min(1, opts.opacity ?? 0.7));
  const { data, h, w } = reduceChannels(result.map, result.shape);
  const { values, scale } = normalizeForDisplay(data, mode, opts.outlierPercent ?? 2);
  const rgba = colorize(values, mode, cmap, opacity);

  const base = sharp(photo).rotate().removeAlpha();
  const meta = await sharp(await base.clone().png().toBuffer()).metadata();
  const maxSize = opts.maxSize ?? 1024;
  const k = Math.min(1, maxSize / Math.max(meta.width!, meta.height!));
  const W = Math.max(1, Math.round(meta.width! * k)), H = Math.max(1, Math.round(meta.height! * k));
  const heat = await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width: w, height: h, channels: 4 } })
    .resize(W, H, { fit: 'fill', kernel: 'cubic' }).png().toBuffer();
  const photoPart = await base.resize(W, H, { fit: 'fill' }).composite([{ input: heat, blend: 'over' }]).png().toBuffer();
  if (!opts.legend) return photoPart;
  const legend = await legendStrip(W, mode, cmap, scale);
  return sharp({ create: { width: W, height: H + legend.height, channels: 3, background: '#ffffff' } })
    .composite([{ input: photoPart, top: 0, left: 0 }, { input: legend.png, top: H, left: 0 }])
    .png().toBuffer();
}

/** A colour bar W wide with its end values, drawn as SVG (text needs no font files beyond librsvg's default). */
async function legendStrip(W: number, mode: SignMode, cmap: ColormapName, scale: number): Promise<{ png: Buffer; height: number }> {
  const height = 36, barH = 14, pad = 8;
  const stops = Array.from({ length: 17 }, (_, i) => {
    const t = i / 16;
    const [r, g, b] = colorAt(cmap, t);
    return `<stop offset="${t}" stop-color="rgb(${r},${g},${b})"/>`;
  }).join('');
  const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));
  const lo = mode === 'all' ? fmt(-scale) : '0';
  const hi = (mode === 'negative' ? '−' : '') + fmt(scale);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}">
<defs><linearGradient id="g" x1="0" x2="1" y1="0" y2="0">${stops}</linearGradient></defs>
<rect width="${W}" height="${height}" fill="#fff"/>
<rect x="${pad}" y="4" width="${Math.max(1, W - 2 * pad)}" height="${barH}" fill="url(#g)"/>
<text x="${pad}" y="${height - 4}" font-family="sans-serif" font-size="11" fill="#222">${lo}</text>
<text x="${W - pad}" y="${height - 4}" font-family="sans-serif" font-size="11" fill="#222" text-anchor="end">${hi}</text>
<text x="${W / 2}" y="${height - 4}" font-family="sans-serif" font-size="11" fill="#222" text-anchor="middle">${mode}</text>
</svg>`;
  return { png: await sharp(Buffer.from(svg)).png().toBuffer(), height };
}
