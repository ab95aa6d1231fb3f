// A layer's activation maps as one picture: the strongest channels first (ranked by mean activation),
// each map scaled to its own min..max so its pattern shows, coloured with a perceptual colour map.
import type { ActivationChannel } from '../../../shared/contract';
import type { RgbImage } from './image';

/** viridis, 9 stops: dark blue (low) → yellow (high); readable for colour-blind people */
const STOPS: [number, number, number][] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export function colormap(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!, b = STOPS[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Per-channel mean and max of a [1,C,H,W] tensor, ranked by mean (strongest first). */
export function rankChannels(data: Float32Array, dims: number[]): ActivationChannel[] {
  if (dims.length !== 4) throw new Error(`activation maps need a [1,C,H,W] tensor; got [${dims.join(',')}]`);
  const [, c, h, w] = dims as [number, number, number, number];
  const hw = h * w;
  const out: ActivationChannel[] = [];
  for (let k = 0; k < c; k++) {
    let sum = 0, max = -Infinity;
    for (let i = k * hw; i < (k + 1) * hw; i++) { sum += data[i]!; if (data[i]! > max) max = data[i]!; }
    out.push({ channel: k, mean: sum / hw, max });
  }
  return out.sort((a, b) => b.mean - a.mean || a.channel - b.channel);
}

export interface Grid {
  image: RgbImage;
  channels: ActivationChannel[];
  cols: number;
  rows: number;
  /** pixel size of one cell (map upscaled by nearest neighbour) */
  cell: { width: number; height: number };
}

/** pixels between cells and around the edge */
export const GRID_GAP = 2;
const GAP = GRID_GAP;
const MIN_CELL = 48;

export function activationGrid(data: Float32Array, dims: number[], maxChannels: number): Grid {
  const [, , h, w] = dims as [number, number, number, number];
  const channels = rankChannels(data, dims).slice(0, maxChannels);
  const n = channels.length;
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const scale = Math.max(1, Math.ceil(MIN_CELL / Math.max(h, w)));
  const cw = w * scale, ch = h * scale;
  const width = cols * cw + (cols + 1) * GAP;
  const height = rows * ch + (rows + 1) * GAP;
  const img = new Float32Array(width * height * 3).fill(24);
  const hw = h * w;
  channels.forEach((c, idx) => {
    const base = c.channel * hw;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < hw; i++) { lo = Math.min(lo, data[base + i]!); hi = Math.max(hi, data[base + i]!); }
    const span = hi - lo || 1;
    const x0 = GAP + (idx % cols) * (cw + GAP);
    const y0 = GAP + Math.floor(idx / cols) * (ch + GAP);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const v = data[base + Math.floor(y / scale) * w + Math.floor(x / scale)]!;
        const [r, g, b] = colormap(hi === lo ? 0 : (v - lo) / span);
        const o = ((y0 + y) * width + x0 + x) * 3;
        img[o] = r; img[o + 1] = g; img[o + 2] = b;
      }
    }
  });
  return { image: { width, height, data: img }, channels, cols, rows, cell: { width: cw, height: ch } };
}
