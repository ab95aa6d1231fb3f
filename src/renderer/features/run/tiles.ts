// Geometry of the activation grid the engine draws (engine/image/grid.ts): where each channel's cell is
// in the grid picture, which channels a page shows, and where the model's input lies on the photo (the
// preprocessing's resize), so a cell can be laid over the photo it came from. Pure: node:test covers it.
import type { Preprocess } from '../../../shared/contract';

export interface GridGeometry {
  cols: number;
  rows: number;
  cell: { width: number; height: number };
  gap: number;
}

/** The cell of the channel ranked `index` (0 = strongest), in grid-picture pixels. */
export function cellRect(g: GridGeometry, index: number): { x: number; y: number; width: number; height: number } {
  const col = index % g.cols;
  const row = Math.floor(index / g.cols);
  return { x: g.gap + col * (g.cell.width + g.gap), y: g.gap + row * (g.cell.height + g.gap), width: g.cell.width, height: g.cell.height };
}

export const PAGE_SIZE = 64;

/** Ranks [from, to) shown on `page` (clamped), and how many pages there are. */
export function pageRange(total: number, page: number, size = PAGE_SIZE): { from: number; to: number; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(total / size));
  const p = Math.max(0, Math.min(pages - 1, page));
  return { from: p * size, to: Math.min(total, (p + 1) * size), page: p, pages };
}

/**
 * Where the model's input picture lies on the photo, in photo pixels (sharp's fits): `stretch` is the
 * whole photo; `center-crop` ('cover') the centred part with the input's aspect; `pad` ('contain') a
 * larger area around the photo (negative offsets: the padding).
 */
export function inputRegion(photo: { width: number; height: number }, input: { width: number; height: number }, resize: Preprocess['resize']): { x: number; y: number; width: number; height: number } {
  if (resize === 'stretch') return { x: 0, y: 0, width: photo.width, height: photo.height };
  const k = resize === 'center-crop' ? Math.max(input.width / photo.width, input.height / photo.height) : Math.min(input.width / photo.width, input.height / photo.height);
  const width = input.width / k;
  const height = input.height / k;
  return { x: (photo.width - width) / 2, y: (photo.height - height) / 2, width, height };
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
/** the ends of the engine's viridis (engine/image/grid.ts): value 0 and value 1 */
const LO = luma(68, 1, 84);
const HI = luma(253, 231, 37);

/** 0..1 back from a viridis colour of the activation grid (its luma grows monotonically along the map). */
export function valueOfViridis(r: number, g: number, b: number): number {
  return Math.max(0, Math.min(1, (luma(r, g, b) - LO) / (HI - LO)));
}
