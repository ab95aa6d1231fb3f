// Reading a RunRecord's `result` (small JSON the engine stores with the run). The contract types it as a
// record, so the UI checks the shape instead of trusting it.
import type { ActivationChannel, ClassScore, RunRecord } from '../../../shared/contract';

function isScore(x: unknown): x is ClassScore {
  const s = x as ClassScore;
  return !!s && typeof s.index === 'number' && typeof s.probability === 'number';
}

export function topClasses(run: RunRecord): ClassScore[] {
  for (const key of ['top', 'topK', 'classes', 'scores']) {
    const v = run.result[key];
    if (Array.isArray(v) && v.every(isScore)) return v;
  }
  for (const v of Object.values(run.result)) if (Array.isArray(v) && v.length > 0 && v.every(isScore)) return v;
  return [];
}

function isChannel(x: unknown): x is ActivationChannel {
  const c = x as ActivationChannel;
  return !!c && typeof c.channel === 'number' && typeof c.mean === 'number';
}

export function channelRanking(run: RunRecord): ActivationChannel[] {
  for (const key of ['channels', 'ranking', 'topChannels']) {
    const v = run.result[key];
    if (Array.isArray(v) && v.every(isChannel)) return v;
  }
  for (const v of Object.values(run.result)) if (Array.isArray(v) && v.length > 0 && v.every(isChannel)) return v;
  return [];
}

export function runLayer(run: RunRecord): string | undefined {
  const l = run.settings.layer ?? run.result.layer;
  return typeof l === 'string' ? l : undefined;
}

export function runTitle(run: RunRecord, modelName: string | undefined, photoName: string | undefined): string {
  const what = run.kind === 'classify' ? 'Classify' : run.kind === 'activations' ? `Activations ${runLayer(run) ?? ''}` : run.kind;
  return [what, modelName, photoName].filter(Boolean).join(' · ');
}

export function runSummary(run: RunRecord): string {
  if (run.status !== 'done') return run.status === 'failed' ? `failed: ${run.error ?? 'unknown error'}` : run.status;
  if (run.kind === 'classify') {
    const top = topClasses(run)[0];
    return top ? `${top.label || `class ${top.index}`} ${(top.probability * 100).toFixed(1)}%` : 'done';
  }
  if (run.kind === 'activations') {
    const top = channelRanking(run)[0];
    return top ? `strongest channel ${top.channel} (mean ${top.mean.toPrecision(3)})` : 'done';
  }
  return 'done';
}

/** How the engine laid out the activation grid image (cells in ranking order), when it says so. */
export function gridLayout(run: RunRecord): { cols: number; rows: number } | undefined {
  const g = run.result.grid as { cols?: unknown; rows?: unknown } | undefined;
  if (!g || typeof g.cols !== 'number' || typeof g.rows !== 'number' || g.cols < 1 || g.rows < 1) return undefined;
  return { cols: g.cols, rows: g.rows };
}
