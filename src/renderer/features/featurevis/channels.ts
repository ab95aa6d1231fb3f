// The "Channels" field: which channels of a layer to render, as a person types them ("0-7", "12, 40-47";
// empty: the whole layer), and the split of a layer into jobs of `batch` channels each.

/** Sorted, distinct channel numbers for `text`, each below `count`. Throws an Error that names the field. */
export function parseChannels(text: string, count: number): number[] {
  const t = text.trim();
  if (!t) return Array.from({ length: count }, (_, i) => i);
  const out = new Set<number>();
  for (const raw of t.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^(\d+)\s*(?:[-–]\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`Channels: "${part}" is not a channel number or a range like 0-7`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`Channels: the range "${part}" runs backwards`);
    if (to >= count) throw new Error(`Channels: ${to} is out of range (this layer has channels 0–${count - 1})`);
    for (let c = from; c <= to; c++) out.add(c);
  }
  if (out.size === 0) throw new Error('Channels: no channel given');
  return [...out].sort((a, b) => a - b);
}

/** The shortest text for a channel list: consecutive runs as ranges ("0-7,12"). */
export function formatChannels(channels: readonly number[]): string {
  const sorted = [...new Set(channels)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `items` in consecutive groups of at most `size` (the last may be shorter). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error(`chunk size must be at least 1 (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
