// The target's softmax confidence along the steps (and the original class's, dashed): an inline SVG, no
// charting library. The step whose image was kept and the first step that fooled the model are marked.
import type { RunOf } from '../../../shared/contract';

const W = 300, H = 120, PAD = { l: 30, r: 8, t: 8, b: 20 };

export function ConfidenceChart({ run }: { run: RunOf<'adversarial'> }) {
  const { curve, keptStep, fooledAtStep } = run.result;
  if (curve.length === 0) return null;
  const last = Math.max(1, curve[curve.length - 1]!.step);
  const x = (step: number) => PAD.l + ((W - PAD.l - PAD.r) * step) / last;
  const y = (p: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - p);
  const line = (pick: (c: (typeof curve)[number]) => number) => curve.map((c) => `${x(c.step).toFixed(1)},${y(pick(c)).toFixed(1)}`).join(' ');
  const target = run.result.target.kind === 'class' ? run.result.target.label : 'top other class';
  return (
    <figure className="adv-chart" data-testid="adv-chart" data-points={curve.length}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`confidence of ${target} along the steps`}>
        {[0, 0.5, 1].map((p) => (
          <g key={p}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(p)} y2={y(p)} className="adv-grid" />
            <text x={PAD.l - 4} y={y(p) + 3} textAnchor="end" className="adv-axis">{p * 100}%</text>
          </g>
        ))}
        <text x={PAD.l} y={H - 4} className="adv-axis">0</text>
        <text x={W - PAD.r} y={H - 4} textAnchor="end" className="adv-axis">step {last}</text>
        {fooledAtStep !== undefined && <line x1={x(fooledAtStep)} x2={x(fooledAtStep)} y1={PAD.t} y2={H - PAD.b} className="adv-fooled" />}
        <polyline points={line((c) => c.original)} className="adv-original" data-testid="adv-chart-original" />
        <polyline points={line((c) => c.target)} className="adv-target" data-testid="adv-chart-target" />
        <circle cx={x(keptStep)} cy={y(curve.find((c) => c.step === keptStep)?.target ?? 0)} r={3.5} className="adv-kept" />
      </svg>
      <figcaption className="small muted">
        <span className="adv-key adv-key-target" /> {target} · <span className="adv-key adv-key-original" /> {run.result.original.label}
        {fooledAtStep !== undefined ? ` · fooled from step ${fooledAtStep}` : ''} · kept step {keptStep}
      </figcaption>
    </figure>
  );
}
