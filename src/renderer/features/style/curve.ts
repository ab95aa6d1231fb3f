// The loss curve of a style run, from either source: live, the job's progress messages (one per iteration,
// in the format of src/shared/jobs/style.ts, carrying every term and every layer's loss), and saved, the
// run's result.curve (total, content, style, TV every few iterations). Iterations count within a stage; the
// chart's x axis runs over all stages, so each point is placed after the iterations of the stages before it.
// Plus the chart's geometry: losses span decades (a TV term of 1e3 beside a content term of 1e6), so y is log10.
import { parseStyleProgress, type StyleLosses } from '../../../shared/jobs/style';

export interface CurvePoint {
  /** iterations run over all stages when this loss was measured */
  x: number;
  stage: number;
  losses: Pick<StyleLosses, 'total' | 'content' | 'style' | 'tv'> & Partial<Pick<StyleLosses, 'contentLayers' | 'styleLayers'>>;
}

export interface LossCurve {
  /** iterations of each stage, as far as known */
  stageIterations: number[];
  points: CurvePoint[];
}

export const EMPTY_CURVE: LossCurve = { stageIterations: [], points: [] };

function offset(stageIterations: readonly number[], stage: number): number {
  let x = 0;
  for (let s = 0; s < stage; s++) x += stageIterations[s] ?? 0;
  return x;
}

/**
 * The curve with one more progress message: the same object when the message carries no new point (a phase
 * message such as "compiling the gradient", a repeat, or an older iteration arriving late).
 */
export function addProgress(curve: LossCurve, message: string | undefined): LossCurve {
  const p = parseStyleProgress(message);
  if (!p) return curve;
  const stageIterations = curve.stageIterations.slice();
  for (let s = stageIterations.length; s < p.stages; s++) stageIterations.push(0);
  // a tiled stage runs its iterations once per tile: its length on the curve is iterations × tiles
  stageIterations[p.stage] = p.iterations * (p.tiles ?? 1);
  const x = offset(stageIterations, p.stage) + ((p.tile ?? 1) - 1) * p.iterations + p.iteration;
  const last = curve.points[curve.points.length - 1];
  if (last && x <= last.x) return curve;
  return { stageIterations, points: [...curve.points, { x, stage: p.stage, losses: p.losses }] };
}

/** A saved run's curve: [stage, iteration within the stage, total, content, style, tv] rows and the stages as they ran. */
export function savedCurve(rows: readonly (readonly [number, number, number, number, number, number])[], stages: readonly { iterations: number; tile?: { count: number } }[]): LossCurve {
  // a tiled stage's rows count its iterations over all its tiles
  const stageIterations = stages.map((s) => s.iterations * (s.tile?.count ?? 1));
  return {
    stageIterations,
    points: rows.map(([stage, it, total, content, style, tv]) => ({ x: offset(stageIterations, stage) + it, stage, losses: { total, content, style, tv } })),
  };
}

export interface Series {
  key: string;
  label: string;
  /** total, the three terms, or one style layer's share */
  kind: 'total' | 'content' | 'style' | 'tv' | 'layer';
  points: { x: number; y: number }[];
  last: number;
}

/**
 * The lines to draw: total, content, style and TV, and each style layer's weighted loss when the points carry
 * them (live). A term that is 0 all along (no content in texture synthesis, TV weight 0) is left out: it has
 * no place on a log scale and nothing to say.
 */
export function curveSeries(curve: LossCurve, styleLayerNames: readonly string[] = []): Series[] {
  const pts = curve.points;
  const line = (key: string, label: string, kind: Series['kind'], pick: (p: CurvePoint) => number | undefined): Series | undefined => {
    const points = pts.map((p) => ({ x: p.x, y: pick(p) })).filter((p): p is { x: number; y: number } => p.y !== undefined && Number.isFinite(p.y) && p.y > 0);
    return points.length ? { key, label, kind, points, last: points[points.length - 1]!.y } : undefined;
  };
  const layers = Math.max(0, ...pts.map((p) => p.losses.styleLayers?.length ?? 0));
  return [
    line('total', 'total', 'total', (p) => p.losses.total),
    line('content', 'content', 'content', (p) => p.losses.content),
    line('style', 'style', 'style', (p) => p.losses.style),
    line('tv', 'TV', 'tv', (p) => p.losses.tv),
    ...Array.from({ length: layers > 1 ? layers : 0 }, (_, i) => line(`layer-${i}`, styleLayerNames[i] ?? `style layer ${i + 1}`, 'layer', (p) => p.losses.styleLayers?.[i])),
  ].filter((s): s is Series => !!s);
}

/**
 * The log10 y range of the series, widened to whole decades (ticks at each power of 10), at most `span`
 * decades deep: a term that starts at almost nothing (the content loss of a run that starts from the content
 * photo is ~0 at first) would otherwise squash every other line into the top of the chart. Values below the
 * range sit on its floor.
 */
export function decades(series: readonly Series[], span = 6): { lo: number; hi: number } | undefined {
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  if (ys.length === 0) return undefined;
  const hi = Math.ceil(Math.log10(Math.max(...ys)));
  const lo = Math.max(Math.floor(Math.log10(Math.min(...ys))), hi - span);
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

/** x of the ends of the stages before the last: where the chart marks a new, larger stage starting. */
export function stageBreaks(curve: LossCurve): number[] {
  return curve.stageIterations.slice(0, -1).map((_, i) => offset(curve.stageIterations, i + 1));
}

/** The full x extent: every stage's iterations (so a live chart fills from the left as the run goes). */
export function curveLength(curve: LossCurve): number {
  return Math.max(1, offset(curve.stageIterations, curve.stageIterations.length), ...curve.points.map((p) => p.x));
}

/** A loss as people read it: 3 significant digits, exponent past 1e4 (1.98e+6). */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2)) return v.toExponential(2);
  return String(+v.toPrecision(3));
}

/**
 * At most `max` points of a line, evenly spread, always with its first and last: a 20 000-iteration run
 * draws as well from a few hundred points as from all of them, and the SVG stays light.
 */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max || max < 2) return points.slice();
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}
