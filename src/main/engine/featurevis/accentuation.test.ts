// Feature accentuation: the L2 pull toward the photo (its gradient against central differences), and a
// render that starts from the photo and, with the pull, ends closer to it than without while still raising
// the unit. MACO renders too, from the 1/f model and from a photo's spectrum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preset } from '../../../shared/pixels';
import type { FeaturevisSettingsInput } from '../../../shared/jobs/featurevis';
import { applyRegularizer } from '../optim/index';
import { checkGradient, randomVector } from '../optim/testing';
import { JobControl } from '../jobs/control';
import { encodeFeaturevisPng } from './export';
import { fileModelRecord, localEnv, runFeaturevisLocally } from './local';
import { edgeModel, loaded, verticalEdge } from './testing';
import { seededRandom } from '../../../shared/random';

test('the L2 pull toward the photo: value and gradient (central differences), one photo for every item or one each', () => {
  const dims: [number, number, number, number] = [2, 3, 4, 5];
  const n = 2 * 3 * 4 * 5;
  const x = randomVector(n, 1);
  for (const photo of [Float32Array.from(randomVector(n / 2, 2)), Float32Array.from(randomVector(n, 3))]) {
    const grad = new Float64Array(n);
    const values = applyRegularizer({ kind: 'l2', weight: 0.7, around: 'photo' }, x, dims, grad, photo);
    const p = (i: number) => photo[photo.length === n ? i : i % (n / 2)]!;
    const expect0 = 0.7 * Math.sqrt(1e-6 + Array.from({ length: n / 2 }, (_, i) => (x[i]! - p(i)) ** 2).reduce((a, b) => a + b, 0));
    assert.ok(Math.abs(values[0]! - expect0) < 1e-9, `${values[0]} vs ${expect0}`);
    const total = (v: Float64Array) => applyRegularizer({ kind: 'l2', weight: 0.7, around: 'photo' }, v, dims, new Float64Array(n), photo).reduce((a, b) => a + b, 0);
    const r = checkGradient(total, x, grad);
    assert.ok(r.maxError < 1e-6, `max error ${r.maxError}`);
  }
  assert.throws(() => applyRegularizer({ kind: 'l2', weight: 1, around: 'photo' }, x, dims, new Float64Array(n)), /needs a photo/);
});

test('accentuation starts from the photo, raises the unit, and the pull keeps it closer to the photo', async () => {
  const lm = loaded(edgeModel(verticalEdge(5), 0.2), 'edges.onnx');
  const rec = await fileModelRecord(lm, preset('raw01', 32));
  // a photo: brighter row by row, with faint noise (few vertical edges to start with)
  const rand = seededRandom(2);
  const data = new Uint8Array(32 * 32 * 3).map((_, i) => Math.round(60 + 120 * (Math.floor(i / 96) / 31) + 10 * rand()));
  const photo = { bytes: await encodeFeaturevisPng({ width: 32, height: 32, data }), name: 'photo.png' };
  const settings = (stayClose: number): FeaturevisSettingsInput => ({
    items: [{ terms: [{ target: { kind: 'channel', layer: 'edges', channel: 0 } }] }], size: 32, steps: 48, batch: 1, seed: 1,
    photoId: 'photo', stayClose, param: 'pixel', transforms: { pad: 2, jitter: 2, jitterAfter: 1, scales: [1], angles: [] },
  });
  const env = localEnv(lm, 'cpu', 1);
  try {
    const run = (s: number) => runFeaturevisLocally({ lm, rec, env, control: new JobControl(), settings: settings(s), photo });
    const free = await run(0);
    const held = await run(0.1);
    const distance = (rgb: Uint8Array) => Math.sqrt(rgb.reduce((s, v, i) => s + (v - data[i]!) ** 2, 0) / rgb.length);
    const [f, h] = [free.outcome.items[0]!, held.outcome.items[0]!];
    assert.ok(f.objective > f.objectiveStart && h.objective > h.objectiveStart, `both raise the unit: ${f.objectiveStart} → ${f.objective}, ${h.objectiveStart} → ${h.objective}`);
    assert.ok(Math.abs(f.objectiveStart - h.objectiveStart) < 1e-6, 'both start from the photo');
    assert.ok(distance(h.rgb) < 0.7 * distance(f.rgb), `distance to the photo: ${distance(h.rgb).toFixed(1)} with the pull, ${distance(f.rgb).toFixed(1)} without`);
  } finally {
    await env.dispose();
  }
});

test('MACO renders from the 1/f model and from a photo\'s spectrum, and raises the unit', async () => {
  const lm = loaded(edgeModel(verticalEdge(5)), 'edges.onnx');
  const rec = await fileModelRecord(lm, preset('raw01', 32));
  const rand = seededRandom(5);
  const data = new Uint8Array(32 * 32 * 3).map(() => Math.round(255 * rand()));
  const photo = { bytes: await encodeFeaturevisPng({ width: 32, height: 32, data }), name: 'noise.png' };
  const env = localEnv(lm, 'cpu', 1);
  try {
    for (const spectrumPhotos of [undefined, [photo]]) {
      const { outcome } = await runFeaturevisLocally({
        lm, rec, env, control: new JobControl(), ...(spectrumPhotos ? { spectrumPhotos } : {}),
        settings: {
          items: [{ terms: [{ target: { kind: 'channel', layer: 'edges', channel: 0 } }] }], size: 32, steps: 32, batch: 1, seed: 1, param: 'maco',
          ...(spectrumPhotos ? { spectrumPhotoIds: ['noise'] } : {}), transforms: { pad: 2, jitter: 2, jitterAfter: 1, scales: [1], angles: [] },
        },
      });
      const it = outcome.items[0]!;
      assert.ok(it.objective > it.objectiveStart, `${spectrumPhotos ? 'photo spectrum' : '1/f'}: ${it.objectiveStart} → ${it.objective}`);
    }
  } finally {
    await env.dispose();
  }
});
