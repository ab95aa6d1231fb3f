// One-line texts for a saved run (History, the Run tab's heading). Runs are typed by kind, so each
// branch reads its kind's own result fields.
import type { RunRecord } from '../../../shared/contract';

export function runTitle(run: RunRecord, modelName: string | undefined, photoName: string | undefined): string {
  const what = run.kind === 'classify' ? 'Classify' : run.kind === 'activations' ? `Activations ${run.settings.layer}` : run.kind;
  return [what, modelName, photoName].filter(Boolean).join(' · ');
}

export function runSummary(run: RunRecord): string {
  if (run.status !== 'done') return run.status === 'failed' ? `failed: ${run.error ?? 'unknown error'}` : run.status;
  if (run.kind === 'classify') {
    const top = run.result.top[0];
    return top ? `${top.label || `class ${top.index}`} ${(top.probability * 100).toFixed(1)}%` : 'done';
  }
  if (run.kind === 'activations') {
    const top = run.result.channels[0];
    return top ? `strongest channel ${top.channel} (mean ${top.mean.toPrecision(3)})` : 'done';
  }
  return 'done';
}
