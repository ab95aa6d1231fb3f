// A tuning curve as a picture, for the CLI and the run's artifact: a line chart for a one-parameter sweep
// (each series' response at the unit's position, solid, and its map's max, dashed) or a heat map for a
// two-parameter one, written as SVG and rasterized by sharp. Plain and readable, no chart library: the
// app's own charts are drawn by the renderer.
import sharp from 'sharp';
import { colorAt } from '../../../shared/colormap';
import type { TuningResult } from '../../../shared/tuning';

const W = 720, H = 420, L = 70, R = 130, T = 50, B = 56;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2));

function text(x: number, y: number, s: string, o: { anchor?: string; size?: number; weight?: string } = {}): string {
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? 'middle'}"${o.weight ? ` font-weight="${o.weight}"` : ''}>${esc(s)}</text>`;
}

export function tuningSvg(r: TuningResult, title: string): string {
  const pw = W - L - R, ph = H - T - B;
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`, text(W / 2, 24, title, { size: 15, weight: 'bold' })];
  const xs = r.x.values;
  const xAt = (i: number) => L + (xs.length === 1 ? pw / 2 : (i / (xs.length - 1)) * pw);
  const xLabel = `${r.x.name}${r.x.unit ? ` (${r.x.unit})` : ''}`;
  parts.push(text(L + pw / 2, H - 14, xLabel, { size: 13 }));
  if (!r.y) {
    const all = r.series.flatMap((s) => [...s.centre, ...s.max]).filter(Number.isFinite);
    let lo = Math.min(0, ...all), hi = Math.max(...all);
    if (!(hi > lo)) hi = lo + 1;
    const yAt = (v: number) => T + ph - ((v - lo) / (hi - lo)) * ph;
    parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = lo + ((hi - lo) * k) / 4;
      parts.push(`<line x1="${L}" x2="${L + pw}" y1="${yAt(v)}" y2="${yAt(v)}" stroke="#eee"/>`, text(L - 8, yAt(v) + 4, fmt(v), { anchor: 'end' }));
    }
    const every = Math.max(1, Math.ceil(xs.length / 12));
    xs.forEach((v, i) => { if (i % every === 0) parts.push(text(xAt(i), T + ph + 18, fmt(v))); });
    parts.push(`<g transform="translate(18 ${T + ph / 2}) rotate(-90)">${text(0, 0, 'activation', { size: 13 })}</g>`);
    r.series.forEach((s, si) => {
      const col = COLOURS[si % COLOURS.length]!;
      for (const [vals, dash] of [[s.max, '5 4'], [s.centre, '']] as const) {
        const pts = vals.map((v, i) => `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`).join(' ');
        parts.push(`<polyline points="${pts}" fill="none" stroke="${col}" stroke-width="${dash ? 1.2 : 2.2}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      }
      parts.push(`<line x1="${L + pw + 12}" x2="${L + pw + 36}" y1="${T + 10 + si * 40}" y2="${T + 10 + si * 40}" stroke="${col}" stroke-width="2.2"/>`,
        text(L + pw + 42, T + 14 + si * 40, `${s.label}`, { anchor: 'start' }),
        `<line x1="${L + pw + 12}" x2="${L + pw + 36}" y1="${T + 26 + si * 40}" y2="${T + 26 + si * 40}" stroke="${col}" stroke-dasharray="5 4"/>`,
        text(L + pw + 42, T + 30 + si * 40, 'max of map', { anchor: 'start', size: 10 }));
    });
  } else {
    // heat map of the first series' centre response: x across, y down
    const ys = r.y.values, vals = r.series[0]!.centre;
    const finite = vals.filter(Number.isFinite);
    const lo = Math.min(...finite), hi = Math.max(...finite);
    const cw = pw / xs.length, chh = ph / ys.length;
    ys.forEach((_, yi) => xs.forEach((_, xi) => {
      const t = hi > lo ? (vals[yi * xs.length + xi]! - lo) / (hi - lo) : 0;
      const [cr, cg, cb] = colorAt('viridis', t);
      parts.push(`<rect x="${(L + xi * cw).toFixed(1)}" y="${(T + yi * chh).toFixed(1)}" width="${(cw + 0.5).toFixed(1)}" height="${(chh + 0.5).toFixed(1)}" fill="rgb(${cr},${cg},${cb})"/>`);
    }));
    const every = Math.max(1, Math.ceil(xs.length / 12));
    xs.forEach((v, i) => { if (i % every === 0) parts.push(text(L + (i + 0.5) * cw, T + ph + 18, fmt(v))); });
    ys.forEach((v, i) => parts.push(text(L - 8, T + (i + 0.5) * chh + 4, fmt(v), { anchor: 'end' })));
    parts.push(`<g transform="translate(18 ${T + ph / 2}) rotate(-90)">${text(0, 0, `${r.y.name}${r.y.unit ? ` (${r.y.unit})` : ''}`, { size: 13 })}</g>`);
    for (let k = 0; k <= 10; k++) {
      const [cr, cg, cb] = colorAt('viridis', 1 - k / 10);
      parts.push(`<rect x="${L + pw + 16}" y="${T + (k * ph) / 11}" width="18" height="${ph / 11 + 0.5}" fill="rgb(${cr},${cg},${cb})"/>`);
    }
    parts.push(text(L + pw + 40, T + 10, fmt(hi), { anchor: 'start' }), text(L + pw + 40, T + ph, fmt(lo), { anchor: 'start' }));
  }
  const p = r.peak;
  parts.push(text(L, T - 10, `peak ${fmt(p.value)} (${p.series}) at ${r.x.name} ${fmt(p.x)}${r.x.unit}${r.y && p.y !== undefined ? `, ${r.y.name} ${fmt(p.y)}${r.y.unit}` : ''}`, { anchor: 'start', size: 11 }));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

export async function tuningPng(r: TuningResult, title: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(tuningSvg(r, title))).png().toBuffer());
}
