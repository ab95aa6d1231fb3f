// Targets as people type them (CLI --target, the UI's target box) → plain TargetSpec data.
//   (nothing) | top1              the top-1 class
//   207 | "golden retriever"     a class by index or by name from the labels
//   inception_4c/output:97        channel 97 of a layer (its spatial mean)
//   inception_4c/output:97:6:7    one neuron: channel 97 at y=6, x=7
import type { TargetSpec } from './jobs/attribution';

export function parseTarget(text: string | undefined, labels?: readonly string[]): TargetSpec {
  const t = (text ?? '').trim();
  if (t === '' || t.toLowerCase() === 'top1') return { kind: 'top1' };
  if (/^\d+$/.test(t)) {
    const index = Number(t);
    if (labels && index >= labels.length) throw new Error(`target class ${index} is out of range: the labels list ${labels.length} classes`);
    return { kind: 'class', index, label: labels?.[index] };
  }
  const neuron = /^(.+):(\d+):(\d+):(\d+)$/.exec(t);
  if (neuron) return { kind: 'neuron', layer: neuron[1]!, channel: Number(neuron[2]), y: Number(neuron[3]), x: Number(neuron[4]) };
  const channel = /^(.+):(\d+)$/.exec(t);
  if (channel) return { kind: 'channel', layer: channel[1]!, channel: Number(channel[2]) };
  if (!labels) throw new Error(`target "${t}" is not a class index, LAYER:CHANNEL or LAYER:CHANNEL:Y:X, and no labels are loaded to look up a class name`);
  const index = findClass(t, labels);
  return { kind: 'class', index, label: labels[index] };
}

/** A class by name: a whole label or one of its comma-separated synonyms, else a unique substring. */
export function findClass(name: string, labels: readonly string[]): number {
  const q = name.toLowerCase();
  const exact = labels.findIndex((l) => l.toLowerCase() === q || l.toLowerCase().split(',').some((s) => s.trim() === q));
  if (exact >= 0) return exact;
  const partial = labels.map((l, i) => [l, i] as const).filter(([l]) => l.toLowerCase().includes(q));
  if (partial.length === 1) return partial[0]![1];
  if (partial.length === 0) throw new Error(`no class is named "${name}" in the labels`);
  const shown = partial.slice(0, 6).map(([l, i]) => `${i} "${l}"`).join(', ');
  throw new Error(`class name "${name}" matches ${partial.length} labels (${shown}${partial.length > 6 ? ', …' : ''}); be more specific or give the index`);
}

export function describeTarget(t: TargetSpec): string {
  switch (t.kind) {
    case 'top1': return 'top-1 class';
    case 'class': return `class ${t.index}${t.label ? ` (${t.label})` : ''}`;
    case 'channel': return `${t.layer} channel ${t.channel}`;
    case 'neuron': return `${t.layer}[${t.channel}, ${t.y}, ${t.x}]`;
  }
}
