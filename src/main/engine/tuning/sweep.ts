// A tuning sweep: which stimuli a kind of stimulus draws (its axes and series), and running them through
// the model in batches, reading the unit's activation at its position and the channel's max over the map.
// The forward pass is the caller's (the recipe's: a cut forward session of the gradient runtime), so the
// sweep itself is plain code over typed arrays.
import type { TuningAxis, TuningResult, TuningStimulus } from '../../../shared/tuning';
import type { JobControl } from '../jobs/control';
import { colourDisk, curve, edge, grating, line, rotate, type Canvas, type Place } from './stimuli';

export interface SweepPlan {
  x: TuningAxis;
  y?: TuningAxis;
  series: string[];
  /** images per cell whose responses are maxed (a grating's phases); 1 otherwise */
  per: number;
  draw(series: number, xi: number, yi: number, k: number): Canvas;
}

const range = (n: number, span: number) => Array.from({ length: n }, (_, i) => (i * span) / n);
const round2 = (v: number) => Math.round(v * 100) / 100;
export const GRATING_PHASES = [0, 90, 180, 270];
export const SATURATIONS = [0.25, 0.5, 0.75, 1];

/** The stimuli of one kind, for an input of w×h with the unit's centre and stimulus size at `at`. */
export function sweepPlan(stimulus: TuningStimulus, w: number, h: number, at: Place, steps: number, source?: Canvas): SweepPlan {
  const angles = range(steps, 360);
  switch (stimulus) {
    case 'orientation':
      return {
        x: { name: 'orientation', unit: '°', values: angles }, series: ['line', 'edge'], per: 1,
        draw: (s, xi) => (s === 0 ? line : edge)(w, h, at, angles[xi]!),
      };
    case 'grating': {
      // a grating at θ and θ+180° is the same up to phase: half a turn, max over four phases
      const thetas = range(Math.max(2, Math.round(steps / 2)), 180);
      const periods = [1, 1.5, 2, 3, 4, 6, 8].map((cycles) => round2(at.size / cycles)).filter((p) => p >= 3);
      if (!periods.length) throw new Error(`grating: a stimulus of ${at.size} px is too small for a period of 3 px or more`);
      return {
        x: { name: 'orientation', unit: '°', values: thetas }, y: { name: 'period', unit: 'px', values: periods }, series: ['grating'], per: GRATING_PHASES.length,
        draw: (_s, xi, yi, k) => grating(w, h, at, thetas[xi]!, periods[yi]!, GRATING_PHASES[k]!),
      };
    }
    case 'curvature': {
      const radii = [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 4].map((f) => round2(Math.max(2, f * at.size)));
      return {
        x: { name: 'orientation', unit: '°', values: angles }, y: { name: 'radius', unit: 'px', values: radii }, series: ['curve'], per: 1,
        draw: (_s, xi, yi) => curve(w, h, at, angles[xi]!, radii[yi]!),
      };
    }
    case 'colour':
      return {
        x: { name: 'hue', unit: '°', values: angles }, y: { name: 'saturation', unit: '', values: SATURATIONS }, series: ['colour'], per: 1,
        draw: (_s, xi, yi) => colourDisk(w, h, at, angles[xi]!, SATURATIONS[yi]!),
      };
    case 'rotate': {
      if (!source) throw new Error('rotate: no image to rotate (a photo or a feature visualization)');
      if (source.width !== w || source.height !== h) throw new Error(`rotate: the image is ${source.width}×${source.height}, the model input ${w}×${h}`);
      return {
        x: { name: 'rotation', unit: '°', values: angles }, series: ['rotation'], per: 1,
        draw: (_s, xi) => rotate(source, at, angles[xi]!),
      };
    }
  }
}

export interface SweepRun {
  channel: number;
  /** the unit's position on the map; undefined: the map's centre (known after the first batch) */
  position?: { x: number; y: number };
  batch: number;
  /** the canvas → the model's input values, written at `offset` of `out` */
  toInput(c: Canvas, out: Float32Array, offset: number): void;
  /** floats per image of the model input */
  inputSize: number;
  /** one forward pass over `n` images → the layer's [n, C, H, W] map */
  forward(data: Float32Array, n: number): Promise<{ data: Float32Array; dims: readonly number[] }>;
  ctl?: JobControl;
}

export interface SweepOutcome {
  series: TuningResult['series'];
  map: { height: number; width: number };
  position: { x: number; y: number };
  images: number;
  drawMs: number;
  runMs: number;
}

/** Run every stimulus of `plan` through the model; the response of a cell is the max over its `per` images. */
export async function runSweep(plan: SweepPlan, r: SweepRun): Promise<SweepOutcome> {
  const nx = plan.x.values.length, ny = plan.y?.values.length ?? 1;
  const jobs: { s: number; cell: number; xi: number; yi: number; k: number }[] = [];
  plan.series.forEach((_, s) => {
    for (let yi = 0; yi < ny; yi++) for (let xi = 0; xi < nx; xi++) for (let k = 0; k < plan.per; k++) jobs.push({ s, cell: yi * nx + xi, xi, yi, k });
  });
  const series = plan.series.map((label) => ({ label, centre: new Array<number>(nx * ny).fill(-Infinity), max: new Array<number>(nx * ny).fill(-Infinity) }));
  let map: { height: number; width: number } | undefined;
  let position = r.position;
  let drawMs = 0, runMs = 0, done = 0;
  const t0 = performance.now();
  for (let start = 0; start < jobs.length; start += r.batch) {
    // a cancel throws here: half a curve is not kept (a sweep takes seconds)
    await r.ctl?.check();
    const part = jobs.slice(start, start + r.batch);
    const td = performance.now();
    const data = new Float32Array(part.length * r.inputSize);
    part.forEach((j, i) => r.toInput(plan.draw(j.s, j.xi, j.yi, j.k), data, i * r.inputSize));
    const tr = performance.now();
    drawMs += tr - td;
    const out = await r.forward(data, part.length);
    runMs += performance.now() - tr;
    const [, c, hh, ww] = out.dims as [number, number, number, number];
    if (out.dims.length !== 4) throw new Error(`the layer's output is [${out.dims.join(',')}], not a [N,C,H,W] feature map`);
    if (r.channel >= c) throw new Error(`channel ${r.channel} is out of range: the layer has ${c} channels`);
    map = { height: hh, width: ww };
    position ??= { x: Math.floor(ww / 2), y: Math.floor(hh / 2) };
    if (position.x >= ww || position.y >= hh) throw new Error(`position (${position.x}, ${position.y}) is outside the layer's ${ww}×${hh} map`);
    const plane = hh * ww;
    part.forEach((j, i) => {
      const base = (i * c + r.channel) * plane;
      let m = -Infinity;
      for (let p = 0; p < plane; p++) m = Math.max(m, out.data[base + p]!);
      const v = out.data[base + position!.y * ww + position!.x]!;
      const sr = series[j.s]!;
      sr.centre[j.cell] = Math.max(sr.centre[j.cell]!, v);
      sr.max[j.cell] = Math.max(sr.max[j.cell]!, m);
    });
    done += part.length;
    const elapsed = performance.now() - t0;
    r.ctl?.progress(done / jobs.length, `${done} of ${jobs.length} stimuli`, (elapsed / done) * (jobs.length - done));
  }
  if (!map || !position) throw new Error('the sweep drew no stimuli');
  return { series, map, position, images: done, drawMs, runMs };
}

/** The largest centre response: which series and which cell. */
export function peakOf(plan: SweepPlan, series: TuningResult['series']): TuningResult['peak'] {
  const nx = plan.x.values.length;
  let best = { series: series[0]!.label, x: plan.x.values[0]!, ...(plan.y ? { y: plan.y.values[0]! } : {}), value: -Infinity };
  for (const s of series) {
    s.centre.forEach((v, i) => {
      if (v > best.value) best = { series: s.label, x: plan.x.values[i % nx]!, ...(plan.y ? { y: plan.y.values[Math.floor(i / nx)]! } : {}), value: v };
    });
  }
  return best;
}
