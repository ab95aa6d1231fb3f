// Hostile and too-small photos: photo:add, then dreams on photos smaller than the model's pooling.
import assert from 'node:assert/strict';
import type { PhotoRecord } from '../../src/shared/contract';
import type { HostileCase, HostileEnv } from './case';

const add = (env: HostileEnv, path: string) => env.call('photo:add', { source: { kind: 'path', path } });
async function addKept(env: HostileEnv, path: string): Promise<PhotoRecord> {
  const rec = await add(env, path);
  env.ids.set(path, rec.id);
  return rec;
}
/** a dream's failure as an error (code job-<state>), so the table's error check applies */
async function dream(env: HostileEnv, photo: string, model: string, octaves = 1): Promise<never> {
  const d = await env.job(env.call('run:dream', { modelId: env.ids.get(model)!, photoId: env.ids.get(photo)!, settings: { octaves, iterations: 1 } }));
  throw Object.assign(new Error(d.job.error ?? `the dream ended ${d.job.state}`), { code: `job-${d.job.state}` });
}

export const PHOTO_CASES: HostileCase[] = [
  { name: 'a 64×48 PNG (the photo the int8 cases use)', kind: 'photo', run: (env) => addKept(env, env.corpus.photos.ok), ok: (v) => assert.equal((v as PhotoRecord).width, 64) },
  { name: 'a 1×1 PNG is a photo', kind: 'photo', run: (env) => addKept(env, env.corpus.photos.onePixel), ok: (v) => assert.equal((v as PhotoRecord).width, 1) },
  { name: 'a 3×3 PNG is a photo', kind: 'photo', run: (env) => addKept(env, env.corpus.photos.threePixel), ok: (v) => assert.equal((v as PhotoRecord).width, 3) },
  {
    name: 'a real 108-MP JPEG (12000×9000)', kind: 'photo', run: (env) => add(env, env.corpus.photos.big),
    error: { code: 'too-large', message: /big-108mp\.jpg is 12000×9000 \(108\.0 megapixels\); images above 100 megapixels are refused/ },
  },
  {
    name: 'a decompression bomb (64×64 data, header says 30000×30000)', kind: 'photo', run: (env) => add(env, env.corpus.photos.bigHeaderOnly),
    error: { code: 'too-large', message: /bomb-900mp\.jpg is 30000×30000 \(900\.0 megapixels\)/ },
  },
  {
    name: 'a dream on a 1×1 photo (GoogLeNet)', kind: 'photo', needsGooglenet: true,
    run: async (env) => dream(env, env.corpus.photos.onePixel, 'googlenet'),
    error: { code: 'job-failed', message: /one-pixel\.png is 1×1: too small for bvlc_googlenet\.onnx's layer inception_4c\/output — its MaxPool node "pool1\/3x3_s2" would have no pixels left \(0×0\)\. Dream at least 15×15 pixels/ },
  },
  {
    name: 'a dream on a 3×3 photo (GoogLeNet)', kind: 'photo', needsGooglenet: true,
    run: async (env) => dream(env, env.corpus.photos.threePixel, 'googlenet'),
    error: { code: 'job-failed', message: /three-pixels\.png is 3×3: too small for bvlc_googlenet\.onnx's layer inception_4c\/output — its MaxPool node "pool\d\/3x3_s2"/ },
  },
  {
    name: 'a dream whose smallest octave is too small (64×48, 6 octaves)', kind: 'photo', needsGooglenet: true,
    run: async (env) => dream(env, env.corpus.photos.ok, 'googlenet', 6),
    error: { code: 'job-failed', message: /ok\.png is 64×48 \(its smallest octave is 12×9\): too small for bvlc_googlenet\.onnx's layer/ },
  },
];
