// Searching a model's layer list (pure, so node:test covers it): by name or op type, case-insensitive,
// names that start with the query first, keeping graph order within each group.
import type { LayerInfo } from '../../shared/contract';

export function filterLayers(layers: readonly LayerInfo[], query: string, accept?: (l: LayerInfo) => boolean): LayerInfo[] {
  const q = query.trim().toLowerCase();
  const ok = accept ? layers.filter(accept) : layers.slice();
  if (!q) return ok;
  const starts: LayerInfo[] = [];
  const contains: LayerInfo[] = [];
  for (const l of ok) {
    const name = l.name.toLowerCase();
    if (name.startsWith(q)) starts.push(l);
    else if (name.includes(q) || l.opType.toLowerCase().includes(q)) contains.push(l);
  }
  return [...starts, ...contains];
}

/** A feature map a person can look at or dream on: [1, C, H, W] with at least one spatial position. */
export function isFeatureMap(l: LayerInfo): boolean {
  return l.shape.length === 4 && l.shape.every((d) => typeof d === 'number' && d > 0);
}
