// Tuning curves of hand-built units whose answer can be written down: a Conv with a fixed oriented-edge
// kernel (built with the project's ONNX writer, run by the real onnxruntime). Its orientation tuning peaks
// at its orientation; rotating a photo of its preferred edge gives a curve of period 360° (the kernel is
// antisymmetric: turning the image by 180° negates the pre-activation, and the ReLU zeroes that half),
// while a dark-line detector (a kernel symmetric under a half turn) gives period 180°.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preset } from '../../../shared/pixels';
import { tuningValue, type TuningResult } from '../../../shared/tuning';
import { JobControl } from '../jobs/control';
import { encodePng } from '../image/image';
import { fileModelRecord, localEnv } from '../featurevis/local';
import { edgeModel, loaded, verticalEdge } from '../featurevis/testing';
import { runTuningLocally } from './local';
import { tuningPng } from './chart';

const SIZE = 64;
const edges = loaded(edgeModel(verticalEdge(5)), 'edges.onnx');
// a vertical dark-line detector: bright flanks, dark middle column (zero sum, so grey and white give 0)
const lineKernel = Array.from({ length: 5 }, () => [1, 1, -4, 1, 1]);
const lines = loaded(edgeModel(lineKernel), 'lines.onnx');

async function sweep(lm: typeof edges, settings: Record<string, unknown>, source?: Uint8Array): Promise<TuningResult> {
  const rec = await fileModelRecord(lm, preset('raw01', SIZE));
  const env = localEnv(lm, 'cpu', 1);
  try {
    const r = await runTuningLocally({ lm, rec, env, control: new JobControl(), settings, ...(source ? { source: { bytes: source, name: 'src.png' } } : {}) });
    return r.output.result;
  } finally {
    await env.dispose();
  }
}

/** argmax of series s's centre response (1-D sweeps) */
const argmax = (r: TuningResult, s: number) => r.series[s]!.centre.reduce((b, v, i, a) => (v > a[b]! ? i : b), 0);

/** the smallest circular shift (in steps) under which the curve matches itself (Pearson ≥ 0.98) */
function period(curve: number[]): number {
  const n = curve.length, mean = curve.reduce((a, b) => a + b, 0) / n;
  const d = curve.map((v) => v - mean), norm = d.reduce((a, v) => a + v * v, 0);
  for (let s = 1; s < n; s++) {
    let c = 0;
    for (let i = 0; i < n; i++) c += d[i]! * d[(i + s) % n]!;
    if (c / norm >= 0.98) return s;
  }
  return n;
}

/** a 64×64 PNG: `f(x, y)` in [0, 1] grey, with faint texture so the photo is not a pure pattern */
async function photo(f: (x: number, y: number) => number): Promise<Uint8Array> {
  const data = new Float32Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const v = 255 * f(x, y);
    data.set([v, v, v], (y * SIZE + x) * 3);
  }
  return encodePng({ width: SIZE, height: SIZE, data });
}

test('an oriented-edge detector’s orientation tuning peaks at its orientation (± one step), for both of its channels', async () => {
  const step = 360 / 24;
  // channel 0: dark left, bright right → brightness rising towards 0°; channel 1 (its transpose): rising downwards, 270°
  for (const [channel, want] of [[0, 0], [1, 270]] as const) {
    const r = await sweep(edges, { layer: 'edges', channel, stimulus: 'orientation', steps: 24, size: 24 });
    assert.deepEqual(r.series.map((s) => s.label), ['line', 'edge']);
    assert.equal(r.x.values.length, 24);
    const peak = r.x.values[argmax(r, 1)]!;
    const off = Math.min(Math.abs(peak - want), 360 - Math.abs(peak - want));
    assert.ok(off <= step, `channel ${channel}: the edge curve peaks at ${peak}°, want ${want}° ± ${step}°`);
    // the opposite polarity is silent: the ReLU of a negated response
    const opposite = r.series[1]!.centre[(r.x.values.indexOf(want) + 12) % 24]!;
    assert.ok(opposite <= 1e-6, `channel ${channel}: the edge at ${want + 180}° gives ${opposite}`);
    assert.ok(r.peak.value > 0.5, `peak ${r.peak.value}`);
    // the map's max is never below the centre's value
    r.series.forEach((s) => s.centre.forEach((v, i) => assert.ok(s.max[i]! >= v - 1e-6)));
  }
});

test('rotation tuning: 360° period for the edge detector on its edge, 180° for a line detector on a line', async () => {
  const c = 32; // the 60×60 map's centre (30, 30) sits at input pixel 32 (5×5 kernel, no pad)
  const edgePhoto = await photo((x, y) => (x < c ? 0.2 : x > c ? 0.8 : 0.5) + 0.03 * Math.sin(x * 0.7 + y * 1.3));
  const e = await sweep(edges, { layer: 'edges', channel: 0, stimulus: 'rotate', steps: 24 }, edgePhoto);
  const ec = e.series[0]!.centre;
  assert.equal(argmax(e, 0), 0, `the edge's own angle gives the peak: ${ec.map((v) => v.toFixed(2)).join(' ')}`);
  assert.equal(period(ec), 24, 'the edge detector repeats only after a full turn');
  for (let i = 0; i < 12; i++) assert.ok(Math.min(ec[i]!, ec[i + 12]!) <= 0.05 * ec[0]!, `α=${i * 15}°: both halves fire (${ec[i]}, ${ec[i + 12]})`);

  const linePhoto = await photo((x, y) => (Math.abs(x - c) <= 1 ? 0.1 : 0.9) + 0.03 * Math.sin(x * 0.9 + y * 0.4));
  const l = await sweep(lines, { layer: 'edges', channel: 0, stimulus: 'rotate', steps: 24 }, linePhoto);
  const lc = l.series[0]!.centre;
  assert.equal(period(lc), 12, `the line detector repeats every half turn: ${lc.map((v) => v.toFixed(2)).join(' ')}`);
  assert.ok(lc[0]! > 2 * lc[6]!, 'and prefers the line upright to the line across');
});

test('two-parameter sweeps: a grating heat map over orientation × period, curves over orientation × radius, colours; the chart renders', async () => {
  const g = await sweep(edges, { layer: 'edges', channel: 0, stimulus: 'grating', steps: 12, size: 32 });
  assert.ok(g.y && g.y.name === 'period');
  assert.equal(g.series[0]!.centre.length, g.x.values.length * g.y.values.length);
  assert.equal(g.images, g.x.values.length * g.y.values.length * 4);
  // a vertical-edge unit likes stripes whose normal is horizontal: orientation 0° (of 0..180)
  assert.equal(g.peak.x, 0, `grating peak at ${g.peak.x}°`);
  const cv = await sweep(edges, { layer: 'edges', channel: 1, stimulus: 'curvature', steps: 8, size: 24 });
  assert.equal(cv.y?.name, 'radius');
  const col = await sweep(edges, { layer: 'edges', channel: 0, stimulus: 'colour', steps: 6, size: 24 });
  // a luma edge detector on a uniform disk centred on it sees no edge at the centre
  assert.ok(Math.abs(tuningValue(col, 0, 0, 3)) < 1e-4);
  const png = await tuningPng(g, 'edges:0 grating');
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('bad settings name the setting', async () => {
  await assert.rejects(sweep(edges, { layer: 'pooled', channel: 0, stimulus: 'orientation' }), /layer: .*not (a )?spatial/);
  await assert.rejects(sweep(edges, { layer: 'edges', channel: 7, stimulus: 'orientation' }), /channel: 7 is out of range/);
  await assert.rejects(sweep(edges, { layer: 'nope', channel: 0, stimulus: 'orientation' }), /no layer "nope"/);
  await assert.rejects(sweep(edges, { layer: 'edges', channel: 0, stimulus: 'rotate' }), /rotate: give the image/);
  await assert.rejects(sweep(edges, { layer: 'edges', channel: 0, stimulus: 'orientation', position: { x: 99, y: 0 } }), /position: \(99, 0\) is outside/);
});
