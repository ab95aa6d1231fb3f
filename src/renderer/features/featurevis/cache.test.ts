import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featurevisRunSettingsSchema, type FeatureItem } from '../../../shared/jobs/featurevis';
import { classifyItem, gridTiles, indexRuns, layerVariants, unitImages, type FvRunLike } from './cache';
import { DEFAULT_FORM, formFromSettings, formKey, settingsKey, type FvForm } from './form';

const CAFFE = { preset: 'caffe', channelOrder: 'BGR' as const, rangeMin: 0, rangeMax: 255, mean: [104, 117, 123], std: [1, 1, 1] };
const L = 'inception_4c/output';
const channel = (c: number, weight = 1): FeatureItem => ({ terms: [{ target: { kind: 'channel', layer: L, channel: c }, weight }] });
const neuron = (c: number): FeatureItem => ({ terms: [{ target: { kind: 'neuron', layer: L, channel: c }, weight: 1 }] });

let n = 0;
function run(items: FeatureItem[], o: { steps?: number; seed?: number; diversity?: boolean; createdAt?: string; status?: 'done' | 'cancelled'; done?: number[]; modelId?: string; preprocess?: typeof CAFFE } = {}): FvRunLike {
  const id = `run${++n}`;
  const settings = featurevisRunSettingsSchema.parse({
    items, preset: 'quick', size: 64, steps: o.steps ?? 64, batch: 16, seed: o.seed ?? 7, preprocess: o.preprocess ?? CAFFE,
    modelInput: { name: 'data_0', width: 64, height: 64, channels: 3, layout: 'NCHW' },
    ...(o.diversity ? { diversity: { weight: 100 } } : {}),
  });
  const done = o.done ?? items.map((_, i) => i);
  return {
    id, modelId: o.modelId ?? 'm1', status: o.status ?? 'done', createdAt: o.createdAt ?? `2025-01-01T00:00:${String(n).padStart(2, '0')}Z`,
    artifacts: done.map((i) => ({ id: `${id}-a${i}`, name: `item-${i}.png`, mime: 'image/png' })),
    settings,
    result: {
      status: o.status ?? 'done', stepsDone: o.steps ?? 64, timings: { totalMs: 1, compileMs: 1, msPerImageStep: 1 },
      items: done.map((i) => ({ item: i, label: `item ${i}`, objective: i + 0.5, objectiveStart: 0.1, image: `item-${i}.png` })),
    },
  };
}

const quick: FvForm = { ...DEFAULT_FORM };
const key = formKey(quick, CAFFE);

test('classifyItem: channel, negative, centre neuron, diversity; other objectives are not unit images', () => {
  assert.deepEqual(classifyItem(channel(3), false), { variant: 'channel', layer: L, channel: 3 });
  assert.deepEqual(classifyItem(channel(3), true), { variant: 'diversity', layer: L, channel: 3 });
  assert.deepEqual(classifyItem(channel(3, -1), false), { variant: 'negative', layer: L, channel: 3 });
  assert.deepEqual(classifyItem(neuron(3), false), { variant: 'neuron', layer: L, channel: 3 });
  assert.equal(classifyItem(channel(3, 2), false), null);
  assert.equal(classifyItem({ terms: [{ target: { kind: 'neuron', layer: L, channel: 3, x: 1, y: 1 }, weight: 1 }] }, false), null);
  assert.equal(classifyItem({ terms: [{ target: { kind: 'class', index: 1 }, weight: 1 }] }, false), null);
  assert.equal(classifyItem({ terms: [channel(1).terms[0]!, channel(2).terms[0]!] }, false), null);
});

test('a run matches the form it was rendered from; another step count or preprocessing does not', () => {
  const r = run([channel(0)]);
  assert.equal(settingsKey(r.settings), key);
  assert.notEqual(settingsKey(run([channel(0)], { steps: 8 }).settings), key);
  assert.notEqual(settingsKey(run([channel(0)], { preprocess: { ...CAFFE, preset: 'torch', rangeMax: 1 } }).settings), key);
  // batch and seed are not part of the key
  assert.equal(formKey({ ...quick, batch: '4', seed: '3' }, CAFFE), key);
});

test('gridTiles: newest image per channel, by model, layer, settings and seed; cancelled runs keep what they finished', () => {
  const old = run([channel(0), channel(1)], { createdAt: '2025-01-01T00:00:00Z' });
  const newer = run([channel(1), channel(2), channel(3)], { createdAt: '2025-01-02T00:00:00Z', status: 'cancelled', done: [0, 1], seed: 9 });
  const other = run([channel(0)], { steps: 8, createdAt: '2025-01-03T00:00:00Z' });
  const otherModel = run([channel(5)], { modelId: 'm2' });
  const index = indexRuns([old, newer, other, otherModel]);
  const tiles = gridTiles(index, { modelId: 'm1', layer: L, key });
  assert.deepEqual([...tiles.keys()].sort(), [0, 1, 2]);
  assert.equal(tiles.get(1)!.runId, newer.id);
  assert.equal(tiles.get(1)!.artifactId, `${newer.id}-a0`);
  assert.equal(tiles.get(0)!.runId, old.id);
  assert.equal(tiles.get(2)!.item, 1);
  // a typed seed narrows to that seed's runs
  assert.deepEqual([...gridTiles(index, { modelId: 'm1', layer: L, key, seed: 7 }).keys()].sort(), [0, 1]);
  assert.equal(gridTiles(index, { modelId: 'm1', layer: 'other', key }).size, 0);
});

test('unitImages: the newest set of a variant; diversity facets in item order; failed runs ignored', () => {
  const div1 = run([channel(4), channel(4), channel(4), channel(4)], { diversity: true, createdAt: '2025-01-01T00:00:00Z' });
  const div2 = run([channel(4), channel(4), channel(4), channel(4)], { diversity: true, createdAt: '2025-01-02T00:00:00Z' });
  const neg = run([channel(4, -1)]);
  const failed = { ...run([neuron(4)]), status: 'failed' as const };
  const index = indexRuns([div1, neg, div2, failed]);
  const q = { modelId: 'm1', layer: L, key, channel: 4 };
  assert.deepEqual(unitImages(index, { ...q, variant: 'diversity' }).map((i) => [i.runId, i.item]), [[div2.id, 0], [div2.id, 1], [div2.id, 2], [div2.id, 3]]);
  const [negative] = unitImages(index, { ...q, variant: 'negative' });
  assert.equal(negative!.runId, neg.id);
  // the unit's own value: the objective without the −1 weight
  assert.deepEqual([negative!.objective, negative!.value, negative!.objectiveStart, negative!.valueStart], [0.5, -0.5, 0.1, -0.1]);
  assert.deepEqual(unitImages(index, { ...q, variant: 'neuron' }), []);
  // diversity facets are not grid tiles
  assert.equal(gridTiles(index, { modelId: 'm1', layer: L, key }).size, 0);
});

test('layerVariants: one entry per settings key, with its channel count, newest first; the form loads back', () => {
  const a = run([channel(0), channel(1)], { createdAt: '2025-01-01T00:00:00Z' });
  const b = run([channel(0)], { steps: 8, createdAt: '2025-01-02T00:00:00Z' });
  const v = layerVariants([a, b], 'm1', L);
  assert.deepEqual(v.map((x) => [x.label, x.channels]), [['quick · 64 px · 8 steps', 1], ['quick · 64 px · 64 steps', 2]]);
  const form = formFromSettings(v[0]!.settings, { ...quick, channels: '0-7', seed: '5' });
  assert.ok(form);
  assert.equal(form.steps, '8');
  assert.equal(form.channels, '0-7');
  assert.equal(form.seed, '');
  assert.equal(formKey(form, CAFFE), v[0]!.key);
});

test('formFromSettings refuses settings the form cannot express', () => {
  const r = run([channel(0)]);
  assert.equal(formFromSettings({ ...r.settings, tv: 1 }, quick), null);
  assert.equal(formFromSettings({ ...r.settings, transforms: { ...r.settings.transforms, pad: 3 } }, quick), null);
});
