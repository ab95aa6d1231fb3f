// One saved adversarial example: the original (as the model saw it), the adversarial image and the
// difference amplified, side by side at the model's input size; top-5 before and after; the target's
// confidence along the steps; the 8-bit check (the saved PNG classified again) with "continue in 8-bit
// space" when rounding undid it; PNG exports.
import { useEffect } from 'react';
import type { ClassScore, RunOf } from '../../../shared/contract';
import { formatDuration } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { artifactsAtom } from '../run/atoms';
import { loadArtifact } from '../run/service';
import { ConfidenceChart } from './ConfidenceChart';
import { continueIn8bit, exportAdversarial } from './service';

type AdvRun = RunOf<'adversarial'>;

const pct = (p: number) => `${(100 * p).toFixed(p > 0.999 || p < 0.001 ? 2 : 1)}%`;

export function adversarialSummary(run: AdvRun): string {
  const r = run.result, s = run.settings.adversarial;
  const what = r.target.kind === 'class' ? r.target.label : 'any other class';
  const how = s.method === 'pgd' ? `PGD ε ${+r.epsUsed.toPrecision(3)}${s.minEps ? ' (smallest)' : ''}` : 'fool';
  return `${how} → ${what} · ${r.fooled ? 'fooled' : 'not fooled'}${s.space === '8bit' ? ' · 8-bit' : ''}${run.status === 'cancelled' ? ' · cancelled' : ''}`;
}

function Picture({ run, name, caption, testId }: { run: AdvRun; name: string; caption: string; testId: string }) {
  const artifacts = useAtomValue(artifactsAtom);
  const a = run.artifacts.find((x) => x.name === name);
  useEffect(() => {
    if (a) void loadArtifact(a.id);
  }, [a?.id]);
  const src = a ? artifacts[a.id] : undefined;
  return (
    <figure className="adv-picture">
      {src ? <img src={src} alt={caption} data-testid={testId} width={run.result.width} height={run.result.height} /> : <div className="adv-placeholder empty">{a ? 'Loading…' : 'not stored'}</div>}
      <figcaption className="small muted">{caption}</figcaption>
    </figure>
  );
}

function Top5({ title, classes, mark, testId }: { title: string; classes: ClassScore[]; mark: Set<number>; testId: string }) {
  return (
    <div className="adv-top5" data-testid={testId}>
      <h3>{title}</h3>
      {classes.map((c) => (
        <div key={c.index} className={`adv-class ${mark.has(c.index) ? 'marked' : ''}`} data-class={c.index}>
          <span className="adv-bar" style={{ width: `${Math.max(1, 100 * c.probability)}%` }} />
          <span className="adv-label">{c.label} <span className="muted">({c.index})</span></span>
          <span className="mono">{pct(c.probability)}</span>
        </div>
      ))}
    </div>
  );
}

export function AdversarialResult({ run }: { run: AdvRun }) {
  const r = run.result, s = run.settings.adversarial;
  const mark = new Set([r.original.index, ...(r.target.kind === 'class' ? [r.target.index] : [])]);
  const top8 = r.eightBit.top5[0]!;
  return (
    <div className="adv-result" data-testid="adv-result" data-run-id={run.id} data-fooled={r.fooled} data-eight-bit-fooled={r.eightBit.fooled}>
      <div className="adv-pictures" data-testid="adv-side-by-side">
        <Picture run={run} name="original.png" caption={`original · ${r.original.label} ${pct(r.original.probability)}`} testId="adv-original" />
        <Picture run={run} name="adversarial.png" caption={`adversarial · ${r.top5After[0]!.label} ${pct(r.top5After[0]!.probability)}`} testId="adv-adversarial" />
        <Picture run={run} name="difference.png" caption={`difference ×${+r.diffGain.toPrecision(3)} (grey = unchanged)`} testId="adv-difference" />
      </div>
      <div className="small muted">
        Kept at the model's input size, {r.width}×{r.height}: the photo was resized like Classify does, and the attack works on those pixels.
      </div>
      <div className="adv-facts" data-testid="adv-summary">
        <strong>{adversarialSummary(run)}</strong>
        <span className="muted small">
          L∞ {r.linf.toFixed(2)} · L2 {r.l2.toFixed(1)} pixel levels · {r.stepsDone} steps of {+r.stepSizeUsed.toPrecision(3)}
          {r.search ? ` · ${r.search.runs.length} PGD runs searched ε (${r.search.runs.map((x) => `${+x.eps.toPrecision(3)}${x.fooled ? '✓' : '✗'}`).join(' ')})` : ''}
          {' · '}{run.provider.toUpperCase()} · {formatDuration(r.timings.totalMs)} ({r.timings.msPerStep.toFixed(0)} ms/step, {r.timings.reused ? 'compiled gradient reused' : `gradient compiled in ${formatDuration(r.timings.compileMs)}`})
        </span>
      </div>
      <div className={`adv-check ${r.eightBit.fooled ? 'ok' : 'undone'}`} data-testid="adv-8bit" data-fooled={r.eightBit.fooled}>
        {r.eightBit.fooled ? (
          <span>8-bit check: the saved PNG, decoded and classified again, still says <strong>{top8.label}</strong> ({pct(top8.probability)}).</span>
        ) : (
          <>
            <span>
              8-bit check: rounding to whole pixel levels undid it — the saved PNG is classified as <strong>{top8.label}</strong> ({pct(top8.probability)}
              {r.target.kind === 'class' ? `; ${r.target.label} ${pct(r.eightBit.targetProbability)}` : ''}).
            </span>
            <button className="button small primary" data-testid="adv-continue-8bit" onClick={() => void continueIn8bit(run)}>
              Continue in 8-bit space
            </button>
          </>
        )}
      </div>
      <div className="row adv-actions">
        <button className="button small" data-testid="adv-export-png" onClick={() => void exportAdversarial(run.id, 'adversarial')}>Export PNG</button>
        <button className="button small" data-testid="adv-export-diff" onClick={() => void exportAdversarial(run.id, 'difference')}>Export difference</button>
        <span className="muted small">
          {s.method === 'pgd' ? `ε ${+s.eps.toPrecision(3)}${s.minEps ? ' (search top)' : ''} · step ${s.stepSize} · ${s.steps} steps` : `fool · step ${s.stepSize} (L2) · up to ${s.steps} steps`} · {s.loss} · {s.space}
          {run.settings.fromRunId ? ' · continued' : ''}
        </span>
      </div>
      <div className="adv-columns">
        <Top5 title="Top-5 before" classes={r.top5Before} mark={mark} testId="adv-top5-before" />
        <Top5 title="Top-5 after" classes={r.top5After} mark={mark} testId="adv-top5-after" />
        <ConfidenceChart run={run} />
      </div>
    </div>
  );
}
