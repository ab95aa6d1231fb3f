// One-line texts for a saved run (History, the Run tab's heading). Runs are typed by kind, so each
// branch reads its kind's own result fields.
import type { RunRecord } from '../../../shared/contract';

/** What the run did, in a few words. */
function runWhat(run: RunRecord): string {
  switch (run.kind) {
    case 'classify': return 'Classify';
    case 'activations': return `Activations ${run.settings.layer}`;
    case 'dream': return `Dream ${run.settings.layers.map((l) => l.name).join(' + ')}`;
    case 'attribution': return `Attribution ${run.settings.attribution.method}`;
    case 'featurevis': {
      const layers = [...new Set(run.settings.items.flatMap((i) => i.terms.map((t) => ('layer' in t.target && t.target.layer) || t.target.kind)))];
      return `Features ${layers.join(', ')} · ${run.settings.items.length} image${run.settings.items.length === 1 ? '' : 's'}`;
    }
    case 'adversarial': return `Adversarial ${run.settings.adversarial.method}`;
    case 'style': return `Style ${run.settings.mode}`;
    case 'stylize': return 'Fast style';
    case 'datasetIndex': return `Index ${run.settings.folder.split(/[\\/]/).pop()} · ${run.settings.layers.join(', ')}`;
    case 'tuning': return `Tuning ${run.settings.layer}:${run.settings.channel} · ${run.settings.stimulus}`;
  }
}

export function runTitle(run: RunRecord, modelName: string | undefined, photoName: string | undefined): string {
  return [runWhat(run), modelName, photoName].filter(Boolean).join(' · ');
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
  if (run.kind === 'dream' && run.result.objectiveBefore !== undefined && run.result.objectiveAfter !== undefined) {
    return `objective ×${(run.result.objectiveAfter / run.result.objectiveBefore).toFixed(1)} · ${run.result.width}×${run.result.height}`;
  }
  if (run.kind === 'attribution') return `${run.result.targetText} · score ${run.result.targetScore.toPrecision(3)}`;
  if (run.kind === 'featurevis') return `${run.result.items.length} image${run.result.items.length === 1 ? '' : 's'} · ${run.settings.size} px · ${run.result.stepsDone} steps`;
  if (run.kind === 'adversarial') {
    const after = run.result.top5After[0];
    return `${run.result.fooled ? 'fooled' : 'not fooled'}: ${after ? after.label || `class ${after.index}` : '?'} · ε ${run.result.epsUsed}${run.result.eightBit.fooled ? '' : ' (undone by 8-bit rounding)'}`;
  }
  if (run.kind === 'style') return `${run.result.width}×${run.result.height} · loss ${run.result.losses.total.toPrecision(3)} after ${run.result.iterationsDone} iterations`;
  if (run.kind === 'stylize') return `${run.result.items.length} photo${run.result.items.length === 1 ? '' : 's'}`;
  if (run.kind === 'tuning') return `peak ${run.result.peak.value.toPrecision(3)} (${run.result.peak.series}) at ${run.result.x.name} ${run.result.peak.x}${run.result.x.unit}`;
  return 'done';
}
