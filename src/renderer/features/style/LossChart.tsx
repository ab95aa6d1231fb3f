// The loss curve: total, content, style and TV (and each style layer's share while a run is live) against
// the iterations of all stages, on a log scale (the terms differ by decades), as an inline SVG. Stage
// boundaries of a multi-resolution run are marked: the loss jumps there, since a larger image has more to match.
import { curveLength, curveSeries, decades, formatLoss, stageBreaks, thin, type LossCurve, type Series } from './curve';

const W = 360, H = 170, PAD = { l: 42, r: 8, t: 8, b: 20 };
const MAX_POINTS = 360;

/**
 * `finals`: the run's final losses for the legend. The curve's last point is the loss before the optimizer's
 * last step; a finished run measured the image it ended with once more, and that is the number to show.
 */
export function LossChart({ curve, styleLayers, finals, testId }: { curve: LossCurve; styleLayers?: readonly string[]; finals?: Partial<Record<Series['kind'], number>>; testId: string }) {
  const series = curveSeries(curve, styleLayers);
  const range = decades(series);
  if (!range) return <div className="style-chart empty small" data-testid={testId} data-points={0}>The loss curve appears with the first iteration.</div>;
  const n = curveLength(curve);
  const x = (v: number) => PAD.l + ((W - PAD.l - PAD.r) * v) / n;
  const y = (v: number) => PAD.t + ((H - PAD.t - PAD.b) * (range.hi - Math.max(range.lo, Math.log10(v)))) / (range.hi - range.lo);
  const path = (s: Series) => thin(s.points, MAX_POINTS).map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  const ticks = Array.from({ length: range.hi - range.lo + 1 }, (_, i) => range.lo + i);
  // with many decades, label every other one so the labels do not collide
  const labelled = (d: number) => ticks.length <= 6 || (d - range.lo) % 2 === 0;
  const layers = series.filter((s) => s.kind === 'layer');
  return (
    <figure className="style-chart" data-testid={testId} data-points={curve.points.length}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label="losses along the iterations, log scale">
        {ticks.map((d) => (
          <g key={d}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(10 ** d)} y2={y(10 ** d)} className="style-grid" />
            {labelled(d) && <text x={PAD.l - 4} y={y(10 ** d) + 3} textAnchor="end" className="style-axis">1e{d}</text>}
          </g>
        ))}
        {stageBreaks(curve).map((b) => <line key={b} x1={x(b)} x2={x(b)} y1={PAD.t} y2={H - PAD.b} className="style-stage" />)}
        <text x={PAD.l} y={H - 5} className="style-axis">0</text>
        <text x={W - PAD.r} y={H - 5} textAnchor="end" className="style-axis">{n} iterations</text>
        {series.map((s, i) => (
          <polyline key={s.key} points={path(s)} className={`style-line style-line-${s.kind}`} style={s.kind === 'layer' ? { stroke: layerColour(i - (series.length - layers.length), layers.length) } : undefined} data-series={s.key} />
        ))}
      </svg>
      <figcaption className="style-legend small">
        {series.map((s, i) => (
          <span key={s.key} className="style-legend-item" title={s.kind === 'layer' ? `style loss at ${s.label} (weighted)` : `${s.label} loss (weighted)`}>
            <span className={`style-key style-line-${s.kind}`} style={s.kind === 'layer' ? { borderColor: layerColour(i - (series.length - layers.length), layers.length) } : undefined} />
            <span className={s.kind === 'layer' ? 'mono muted' : ''}>{s.label}</span> <span className="mono">{formatLoss(finals?.[s.kind] ?? s.last)}</span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** Style layers from shallow (light) to deep (dark) in the style line's hue. */
function layerColour(i: number, n: number): string {
  const t = n > 1 ? i / (n - 1) : 0;
  return `hsl(28 85% ${Math.round(78 - 40 * t)}%)`;
}
