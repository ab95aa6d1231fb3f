// Feature visualization on tiny hand-built models, through the recipe's own halves (prepare's checks, the
// worker half under a JobControl) and the real onnxruntime: the diversity term's gradient against central
// differences, the one-hot direction form of a channel, Lucid's redirected ReLU, an oriented edge detector
// whose visualization is made of that edge, a negative visualization, and every refusal of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelRecord } from '../../../shared/contract';
import { preset, presetSpace } from '../../../shared/pixels';
import { channel, diversity, perItem } from '../../../shared/objectives';
import type { FeaturevisSettingsInput } from '../../../shared/jobs/featurevis';
import { GradientRuntime, runtimeModel } from '../gradients/index';
import { JobControl } from '../jobs/control';
import type { LoadedModel } from '../onnx/inspect';
import { fileModelRecord, localEnv, runFeaturevisLocally } from './local';
import { prepareFeaturevis } from '../recipes/featurevis';
import { batchObjective, diversityPerItem } from './targets';
import { rgbWeights } from './input';
import { edgeModel, loaded, transpose, vectorModel, verticalEdge } from './testing';
import { seededRandom } from '../../../shared/random';

const SIZE = 32;
/**
 * small transforms for 32 px images (Lucid's are sized for 128 px), without rotations: their zero-filled
 * corners are edges of their own, which would excite an edge detector that no image pixel does
 */
const SMALL_TRANSFORMS = { pad: 2, jitter: 2, jitterAfter: 1, scales: [0.95, 1, 1.05], angles: [] };
const base = (o: Partial<FeaturevisSettingsInput>): FeaturevisSettingsInput =>
  ({ items: [], size: SIZE, steps: 48, batch: 4, seed: 3, transforms: SMALL_TRANSFORMS, ...o } as FeaturevisSettingsInput);
const ch = (c: number, weight = 1, layer = 'edges') => ({ terms: [{ target: { kind: 'channel' as const, layer, channel: c }, weight }] });

const edge = verticalEdge(5);
const lm = loaded(edgeModel(edge), 'edges.onnx');
let rec: ModelRecord | undefined;
const record = async (m: LoadedModel = lm): Promise<ModelRecord> => {
  if (m === lm && rec) return rec;
  const r = await fileModelRecord(m, preset('raw01', SIZE));
  if (m === lm) rec = r;
  return r;
};

async function render(settings: FeaturevisSettingsInput, m: LoadedModel = lm) {
  const env = localEnv(m, 'cpu', 1);
  try {
    return (await runFeaturevisLocally({ lm: m, rec: await record(m), settings, env, control: new JobControl() })).outcome;
  } finally {
    await env.dispose();
  }
}

/** luma of an RGB byte image */
function luma(rgb: Uint8Array, size: number): Float64Array {
  return Float64Array.from({ length: size * size }, (_, p) => 0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!);
}

/** how strongly an image (luma, 0..1) holds a pattern: the mean of relu(correlation with it) over valid positions */
function response(y: Float64Array, size: number, pattern: number[][]): number {
  const k = pattern.length;
  let sum = 0, n = 0;
  for (let r = 0; r + k <= size; r++) {
    for (let c = 0; c + k <= size; c++) {
      let v = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) v += pattern[i]![j]! * y[(r + i) * size + c + j]!;
      sum += Math.max(0, v);
      n++;
    }
  }
  return sum / n;
}

test('the diversity term: the compiled per-item value is Lucid\'s (our JS reading of it), its input gradient matches central differences', async () => {
  const rt = new GradientRuntime();
  const N = 3, H = 8;
  const s = await rt.gradient({ model: runtimeModel(lm.model, lm.sha256), input: 'image', shape: [N, 3, H, H], objective: diversity('edges'), activations: ['edges'] });
  try {
    const rand = seededRandom(7);
    const x = Float32Array.from({ length: N * 3 * H * H }, () => rand());
    const r = await s.run(x);
    const grad = r.inputGrad.slice();
    const js = diversityPerItem(r.activations.edges!.data, r.activations.edges!.dims);
    js.forEach((v, i) => assert.ok(Math.abs(v - r.perItem[i]!) < 1e-5, `item ${i}: compiled ${r.perItem[i]} vs JS ${v}`));
    assert.ok(js.every((v) => v < 0 && v > -1), `each item's term is −Σ cos / N: ${js}`);
    const total = async (v: Float32Array) => {
      const a = (await s.run(v)).activations.edges!;
      return diversityPerItem(a.data, a.dims).reduce((p, q) => p + q, 0);
    };
    const h = 1e-2;
    let worst = 0, scale = 0;
    for (let k = 0; k < 16; k++) {
      const i = Math.floor(rand() * x.length);
      const keep = x[i]!;
      x[i] = keep + h; const up = await total(x);
      x[i] = keep - h; const down = await total(x);
      x[i] = keep;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grad[i]!));
      scale = Math.max(scale, Math.abs(numeric));
    }
    assert.ok(scale > 1e-4, `the sampled gradient is not all zero (${scale})`);
    assert.ok(worst < 0.02 * scale + 1e-5, `max |analytic − numeric| ${worst} against a scale of ${scale}`);
  } finally {
    await s.release();
    await rt.release();
  }
});

test('a channel written as a one-hot direction fed at run time gives the channel objective and its gradient', async () => {
  const rt = new GradientRuntime();
  const N = 2, H = 8;
  const items = [{ terms: [{ kind: 'linear' as const, layer: 'edges', index: 0, weight: 1 }], label: 'a' }, { terms: [{ kind: 'linear' as const, layer: 'edges', index: 1, weight: -2 }], label: 'b' }];
  const plan = batchObjective(items, N);
  const viaDirection = await rt.gradient({ model: runtimeModel(lm.model, lm.sha256), input: 'image', shape: [N, 3, H, H], objective: plan.objective });
  const direct = await rt.gradient({ model: runtimeModel(lm.model, lm.sha256), input: 'image', shape: [N, 3, H, H], objective: perItem([channel('edges', 0), { kind: 'scale', factor: -2, of: channel('edges', 1) }]) });
  try {
    const rand = seededRandom(1);
    const x = Float32Array.from({ length: N * 3 * H * H }, () => rand());
    const a = await viaDirection.run(x, plan.targets((name) => viaDirection.targetInputs.find((t) => t.name === name)!.shape[0]!));
    const aItems = Array.from(a.perItem), aGrad = a.inputGrad.slice();
    const b = await direct.run(x);
    aItems.forEach((v, i) => assert.ok(Math.abs(v - b.perItem[i]!) < 1e-5, `item ${i}: ${v} vs ${b.perItem[i]}`));
    let err = 0;
    aGrad.forEach((g, i) => (err = Math.max(err, Math.abs(g - b.inputGrad[i]!))));
    assert.ok(err < 1e-6, `gradients differ by ${err}`);
  } finally {
    await viaDirection.release();
    await direct.release();
    await rt.release();
  }
});

test('redirected ReLU: a unit dead on the starting image gets a gradient only through it, and only for the item that needs it', async () => {
  const rt = new GradientRuntime();
  const H = 8;
  const model = runtimeModel(lm.model, lm.sha256);
  const objective = perItem([channel('edges', 2), channel('edges', 0)]);
  const plain = await rt.gradient({ model, input: 'image', shape: [2, 3, H, H], objective });
  const redirected = await rt.gradient({ model, input: 'image', shape: [2, 3, H, H], objective, rules: 'redirected-relu' });
  try {
    // item 0: grey, where unit 2 (bias −2) is dead; item 1: a vertical edge, where unit 0 is alive
    const x = new Float32Array(2 * 3 * H * H).fill(0.5);
    for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < H; xx++) x[(3 + c) * H * H + y * H + xx] = xx < H / 2 ? 0 : 1;
    const p = await plain.run(x);
    const pg = p.inputGrad.slice();
    const r = await redirected.run(x);
    const item = (g: Float32Array, i: number) => g.subarray(i * 3 * H * H, (i + 1) * 3 * H * H);
    const norm = (g: Float32Array) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    assert.equal(norm(item(pg, 0)), 0, 'the plain gradient of a dead unit is zero');
    assert.ok(norm(item(r.inputGrad, 0)) > 1e-3, 'the redirected gradient reaches the image');
    // it points where the unit's pre-activation rises: a step along it raises the conv response
    const g0 = item(r.inputGrad, 0);
    let rise = 0;
    for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < H; xx++) rise += g0[c * H * H + y * H + xx]! * (xx < H / 2 ? -1 : 1);
    assert.ok(rise > 0, 'the redirected gradient darkens the left and brightens the right, as the edge detector wants');
    assert.deepEqual(Array.from(item(r.inputGrad, 1)), Array.from(item(pg, 1)), 'an item with a live ReLU keeps the ordinary gradient');
  } finally {
    await plain.release();
    await redirected.release();
    await rt.release();
  }
});

test('redirected ReLU in the render: a unit dead on grey stays at 0 without it and comes alive with it', async () => {
  const settings = { steps: 40, items: [ch(2)], batch: 1 };
  const without = await render(base({ ...settings, redirectedReluSteps: 0 }));
  const withIt = await render(base({ ...settings, redirectedReluSteps: 16 }));
  assert.equal(without.items[0]!.objectiveStart, 0);
  assert.equal(without.items[0]!.objective, 0, 'the plain gradient never leaves a dead start');
  assert.ok(withIt.items[0]!.objective > 0.5, `with the redirected warm-up the unit fires: ${withIt.items[0]!.objective}`);
});

test('an oriented edge detector\'s visualization is made of its edge: vertical edges for it, horizontal ones for its transpose', async () => {
  const r = await render(base({ items: [ch(0), ch(1)], steps: 96 }));
  const [v, h] = r.items.map((it) => {
    const y = luma(it.rgb, SIZE).map((p) => p / 255);
    return { vertical: response(y, SIZE, edge), horizontal: response(y, SIZE, transpose(edge)) };
  });
  assert.ok(v!.vertical > 2 * v!.horizontal, `vertical-edge unit's image: vertical edges ${v!.vertical.toFixed(2)}, horizontal ${v!.horizontal.toFixed(2)}`);
  assert.ok(h!.horizontal > 2 * h!.vertical, `horizontal-edge unit's image: horizontal edges ${h!.horizontal.toFixed(2)}, vertical ${h!.vertical.toFixed(2)}`);
  // (noise holds both about equally; each image holds at least twice as much of its own edge as of the crossing one)
  // the image correlates with the detector: the mean response to it is high, far above the start
  for (const it of r.items) assert.ok(it.objective > 10 * Math.max(0.05, it.objectiveStart), `${it.label}: ${it.objectiveStart} → ${it.objective}`);
});

test('a negative visualization ends with the unit below its value on the starting image (pixel and fourier)', async () => {
  // bias 1: the edge units fire on grey, so there is something to lower
  const firing = loaded(edgeModel(edge, 1), 'edges-bias.onnx');
  for (const param of ['fourier', 'pixel'] as const) {
    const r = await render(base({ items: [ch(0, -1)], batch: 1, param, steps: 32 }), firing);
    const it = r.items[0]!;
    // the item's objective is −activation: it rose, so the unit fell
    assert.ok(-it.objectiveStart > 0, `${param}: the unit fires on the starting image (${-it.objectiveStart})`);
    assert.ok(-it.objective < 0.8 * -it.objectiveStart, `${param}: activation ${-it.objectiveStart} → ${-it.objective}`);
  }
});

test('a class target, a layer target and a neuron render; a grid\'s short last batch reuses the batch size', async () => {
  const r = await render(base({
    items: [
      { terms: [{ target: { kind: 'class', index: 1 } }] },
      { terms: [{ target: { kind: 'layer', layer: 'edges' } }] },
      { terms: [{ target: { kind: 'neuron', layer: 'edges', channel: 0, x: 3, y: 4 } }] },
      ch(0), ch(1),
    ],
    batch: 2, steps: 16,
  }));
  assert.equal(r.items.length, 5);
  assert.deepEqual(r.items.map((i) => i.item), [0, 1, 2, 3, 4]);
  assert.deepEqual(r.items.map((i) => i.label), ['class(1)', 'deepdream(edges)', 'neuron(edges, 0, x=3, y=4)', 'channel(edges, 0)', 'channel(edges, 1)']);
  for (const it of r.items) assert.ok(it.objective > it.objectiveStart, `${it.label}: ${it.objectiveStart} → ${it.objective}`);
});

test('grey (1-channel) and NHWC models: the image reaches them through the in-graph preprocessing', async () => {
  const grey = loaded(edgeModel(edge, 0, -0.5, { channels: 1 }), 'grey.onnx');
  const nhwc = loaded(edgeModel(edge, 0, -0.5, { layout: 'NHWC' }), 'nhwc.onnx');
  for (const m of [grey, nhwc]) {
    const env = localEnv(m, 'cpu', 1);
    try {
      const { input, outcome } = await runFeaturevisLocally({ lm: m, rec: await record(m), settings: base({ items: [ch(0)], batch: 1, steps: 96 }), env, control: new JobControl() });
      assert.deepEqual(input.settings.modelInput, { name: 'image', width: SIZE, height: SIZE, channels: m === grey ? 1 : 3, layout: m === grey ? 'NCHW' : 'NHWC' });
      const it = outcome.items[0]!;
      assert.ok(it.objective > 10 * Math.max(0.05, it.objectiveStart), `${m.fileName}: ${it.objectiveStart} → ${it.objective}`);
      const y = luma(it.rgb, SIZE).map((p) => p / 255);
      assert.ok(response(y, SIZE, edge) > 2 * response(y, SIZE, transpose(edge)), `${m.fileName}: the image holds vertical edges (${response(y, SIZE, edge)} vs ${response(y, SIZE, transpose(edge))})`);
      if (m === grey) assert.ok(it.rgb.every((v, i) => i % 3 !== 0 || (v === it.rgb[i + 1] && v === it.rgb[i + 2])), 'a grey model\'s image is shown as the luma it saw');
    } finally {
      await env.dispose();
    }
  }
});

test('the in-graph preprocessing: RGB [0, 1] to the model\'s channels (Caffe BGR·255 − mean, luma, N channels)', () => {
  const caffe = rgbWeights(presetSpace('caffe'), 3);
  // model channel 0 is B: it reads RGB channel 2, ×255, minus 104
  assert.deepEqual(Array.from(caffe.weight), [0, 0, 255, 0, 255, 0, 255, 0, 0]);
  assert.deepEqual(Array.from(caffe.bias), [-104, -117, -123]);
  const torch = rgbWeights(presetSpace('torch'), 1);
  const s = 1 / 0.229;
  [0.299, 0.587, 0.114].forEach((l, j) => assert.ok(Math.abs(torch.weight[j]! - s * l) < 1e-5));
  assert.ok(Math.abs(torch.bias[0]! + 0.485 / 0.229) < 1e-6);
  const four = rgbWeights(presetSpace('raw01'), 4);
  assert.deepEqual(Array.from(four.weight), [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0], 'a 4th channel repeats R');
});

test('bad input is refused before anything runs, naming the setting', async () => {
  const r = await record();
  const prep = (settings: FeaturevisSettingsInput, o: { rec?: ModelRecord; m?: LoadedModel } = {}) =>
    prepareFeaturevis({ rec: o.rec ?? r, model: (o.m ?? lm).model, modelRef: { sha: lm.sha256, fileName: lm.fileName }, settings });
  const cases: [FeaturevisSettingsInput, RegExp][] = [
    [base({ items: [ch(0, 1, 'logits')] }), /^items\[0\]\.terms\[0\]\.target\.layer: "logits" has shape \[1,3\], no spatial axes: a channel target needs a feature map/],
    [base({ items: [ch(0), ch(7)] }), /^items\[1\]\.terms\[0\]\.target\.channel: 7 is out of range: edges has 3 channels \(0–2\)/],
    [base({ items: [{ terms: [{ target: { kind: 'neuron', layer: 'edges', channel: 0, x: 40 } }] }] }), /^items\[0\]\.terms\[0\]\.target\.x: 40 is out of range: at 32×32 px edges is 28 wide \(x 0–27\)/],
    [base({ items: [{ terms: [{ target: { kind: 'neuron', layer: 'edges', channel: 0, y: 32 } }] }] }), /^items\[0\]\.terms\[0\]\.target\.y: 32 is out of range/],
    [base({ items: [{ terms: [{ target: { kind: 'class', index: 3 } }] }] }), /^items\[0\]\.terms\[0\]\.target\.index: class 3 is beyond the classifier: edges\.onnx has 3 classes \(0–2\)/],
    [base({ items: [ch(0, 1, 'argmax_scaled')] }), /^items\[0\]\.terms\[0\]\.target\.layer: no gradient flows from "argmax_scaled" back to the image/],
    [base({ items: [ch(0, 1, 'nope')] }), /^items\[0\]\.terms\[0\]\.target\.layer: edges\.onnx has no tensor named "nope"/],
    [base({ items: [{ terms: [{ target: { kind: 'direction', layer: 'edges', vector: [1, 2] } }] }] }), /^items\[0\]\.terms\[0\]\.target\.vector: the direction has 2 values but edges has 3 channels/],
    [base({ items: [ch(0)], diversity: { weight: 1 } }), /^diversity: the diversity term compares the items of one batch: give at least 2 items/],
    [base({ items: [ch(0), ch(0)], diversity: { weight: 1, layer: 'logits' } }), /^diversity\.layer: "logits" has shape \[1,3\]/],
    [base({ items: [ch(0)], stayClose: 1 }), /^stayClose: feature accentuation stays close to a photo/],
    [base({ items: [ch(0)], spectrumPhotoIds: ['p1'] }), /^spectrumPhotoIds: only MACO/],
    [base({ items: [ch(0)], lr: -1 }), /^bad feature visualization setting lr:/],
  ];
  for (const [settings, message] of cases) {
    await assert.rejects(prep(settings), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'bad-args');
      assert.match(e.message, message);
      return true;
    });
  }
  // a model whose input is not an image
  const vec = loaded(vectorModel(), 'vector.onnx');
  await assert.rejects(prep(base({ items: [ch(0, 1, 'y')] }), { m: vec, rec: { ...r, name: 'vector.onnx' } }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'bad-args');
    assert.match(e.message, /^modelId: vector\.onnx cannot be visualized: feature visualization optimizes an image, and vector\.onnx has no image-like input/);
    return true;
  });
});
