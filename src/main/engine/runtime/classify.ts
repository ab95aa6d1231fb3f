// Turning a classifier's output row into top-K classes, and reading label files.
import type { ClassScore } from '../../../shared/contract';

/**
 * Probabilities from a score row: the row as-is when it already is a distribution (non-negative,
 * sums to 1 — the model ends in Softmax), else softmax of the logits.
 */
export function toProbabilities(row: ArrayLike<number>): { probs: Float64Array; appliedSoftmax: boolean } {
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < row.length; i++) { sum += row[i]!; min = Math.min(min, row[i]!); max = Math.max(max, row[i]!); }
  const probs = new Float64Array(row.length);
  if (min >= 0 && Math.abs(sum - 1) < 1e-3) {
    for (let i = 0; i < row.length; i++) probs[i] = row[i]!;
    return { probs, appliedSoftmax: false };
  }
  let z = 0;
  for (let i = 0; i < row.length; i++) { probs[i] = Math.exp(row[i]! - max); z += probs[i]!; }
  for (let i = 0; i < row.length; i++) probs[i]! /= z;
  return { probs, appliedSoftmax: true };
}

export function topK(row: ArrayLike<number>, k: number, labels?: string[]): { top: ClassScore[]; appliedSoftmax: boolean } {
  const { probs, appliedSoftmax } = toProbabilities(row);
  const idx = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!).slice(0, k);
  return { top: idx.map((i) => ({ index: i, label: labels?.[i] ?? `class ${i}`, probability: probs[i]! })), appliedSoftmax };
}

/**
 * Labels, one class per line. Caffe synset files (`n01440764 tench, Tinca tinca`) become the first
 * common name ('tench'). Blank trailing lines are ignored.
 */
export function parseLabels(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines.map((l) => {
    const t = l.trim();
    const m = /^n\d{8}\s+(.*)$/.exec(t);
    return m ? m[1]!.split(',')[0]!.trim() : t;
  });
}
