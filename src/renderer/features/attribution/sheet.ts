// The comparison sheet as ONE PNG: the maps exactly as drawn on screen (same view, clipping, colormap and
// opacity), side by side, each with its caption and colour bar, under a title naming the photo and model.
import { colorAt, type ColormapName } from '../../../shared/colormap';

const PAD = 16;
const CAPTION = 38;
const BAR = 10;
const TITLE = 30;

export function composeSheet(canvases: HTMLCanvasElement[], title: string): HTMLCanvasElement {
  if (canvases.length === 0) throw new Error('the comparison has no drawn maps to export');
  const cols = Math.min(3, canvases.length);
  const rows = Math.ceil(canvases.length / cols);
  const cw = Math.max(...canvases.map((c) => c.width));
  const ch = Math.max(...canvases.map((c) => c.height));
  const cellH = ch + BAR + CAPTION + 8;
  const sheet = document.createElement('canvas');
  sheet.width = PAD + cols * (cw + PAD);
  sheet.height = TITLE + PAD + rows * (cellH + PAD);
  const ctx = sheet.getContext('2d')!;
  ctx.fillStyle = '#15171b';
  ctx.fillRect(0, 0, sheet.width, sheet.height);
  ctx.fillStyle = '#e6e8eb';
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText(title, PAD, PAD);
  canvases.forEach((c, i) => {
    const x = PAD + (i % cols) * (cw + PAD);
    const y = TITLE + PAD + Math.floor(i / cols) * (cellH + PAD);
    ctx.drawImage(c, x + (cw - c.width) / 2, y);
    // the colour bar of this map's colormap, as the on-screen legend
    const cmap = (c.dataset.colormap ?? 'inferno') as ColormapName;
    for (let px = 0; px < cw; px++) {
      const [r, g, b] = colorAt(cmap, px / Math.max(1, cw - 1));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(x + px, y + ch + 4, 1, BAR);
    }
    ctx.fillStyle = '#e6e8eb';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText(c.dataset.caption ?? '', x, y + ch + BAR + 8, cw);
    ctx.fillStyle = '#9aa3ad';
    ctx.font = '11px system-ui, sans-serif';
    const scale = Number(c.dataset.scale);
    ctx.fillText(`${c.dataset.mode ?? ''} · ${c.dataset.view ?? ''} · scale ${Number.isFinite(scale) ? scale.toPrecision(3) : '?'}${Number(c.dataset.clip) > 0 ? ` (top ${c.dataset.clip}% clipped)` : ''}`, x, y + ch + BAR + 24, cw);
  });
  return sheet;
}
