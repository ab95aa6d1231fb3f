// A tuning curve on screen. One parameter: a line chart with uPlot (small, canvas-drawn, maintained; it
// does cursors, legends and scales, which hand-drawn SVG would have to re-invent) — each series' response
// at the unit (solid) and its map's max (dashed). Two parameters: a heat map, drawn cell by cell on a
// canvas with the shared viridis colormap (uPlot has no heat map; a canvas grid is all one needs).
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colorAt } from '../../../shared/colormap';
import type { TuningResult } from '../../../shared/tuning';

const COLOURS = ['#4aa3ff', '#ff6b5b', '#6ad07a', '#c08cff'];
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2));

function LineChart({ result }: { result: TuningResult }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const series: uPlot.Series[] = [{ label: `${result.x.name} (${result.x.unit})` }];
    const data: number[][] = [result.x.values];
    result.series.forEach((s, i) => {
      const stroke = COLOURS[i % COLOURS.length]!;
      series.push({ label: `${s.label} (unit)`, stroke, width: 2 }, { label: `${s.label} (max of map)`, stroke, width: 1, dash: [5, 4] });
      data.push(s.centre, s.max);
    });
    const axis = { stroke: '#aab', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } };
    const plot = new uPlot({
      width: 560, height: 260, series, scales: { x: { time: false } }, legend: { live: true },
      axes: [{ ...axis, label: `${result.x.name} (${result.x.unit})` }, { ...axis, label: 'activation', size: 64 }],
    }, data as uPlot.AlignedData, el.current);
    return () => plot.destroy();
  }, [result]);
  return <div ref={el} className="tuning-line" data-testid="tuning-line-chart" />;
}

function HeatMap({ result }: { result: TuningResult }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string>('');
  const y = result.y!;
  const nx = result.x.values.length, ny = y.values.length;
  const vals = result.series[0]!.centre;
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const cell = Math.max(8, Math.floor(480 / nx)), ch = Math.max(14, Math.floor(200 / ny));
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    for (let yi = 0; yi < ny; yi++) for (let xi = 0; xi < nx; xi++) {
      const [r, g, b] = colorAt('viridis', hi > lo ? (vals[yi * nx + xi]! - lo) / (hi - lo) : 0);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(xi * cell, yi * ch, cell, ch);
    }
  }, [result]);
  const every = Math.max(1, Math.ceil(nx / 12));
  return (
    <div className="tuning-heat" data-testid="tuning-heat-map">
      <div className="tuning-heat-body">
        <div className="tuning-heat-y small muted">
          {y.values.map((v) => <div key={v} style={{ height: ch }}>{fmt(v)}</div>)}
        </div>
        <div>
          <canvas
            ref={canvas} width={nx * cell} height={ny * ch}
            onMouseMove={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              const xi = Math.min(nx - 1, Math.floor((e.clientX - r.left) / cell)), yi = Math.min(ny - 1, Math.floor((e.clientY - r.top) / ch));
              setHover(`${result.x.name} ${fmt(result.x.values[xi]!)}${result.x.unit} · ${y.name} ${fmt(y.values[yi]!)}${y.unit} → ${fmt(vals[yi * nx + xi]!)}`);
            }}
            onMouseLeave={() => setHover('')}
          />
          <div className="tuning-heat-x small muted" style={{ width: nx * cell }}>
            {result.x.values.map((v, i) => <span key={v} style={{ width: cell }}>{i % every === 0 ? fmt(v) : ''}</span>)}
          </div>
        </div>
        <div className="tuning-heat-scale small muted">
          <span>{fmt(hi)}</span>
          <div className="tuning-heat-bar" />
          <span>{fmt(lo)}</span>
        </div>
      </div>
      <div className="small muted">
        {result.x.name} ({result.x.unit}) across, {y.name}{y.unit ? ` (${y.unit})` : ''} down · the unit’s response{hover ? ` · ${hover}` : ''}
      </div>
    </div>
  );
}

export function TuningChart({ result }: { result: TuningResult }) {
  return result.y ? <HeatMap result={result} /> : <LineChart result={result} />;
}
