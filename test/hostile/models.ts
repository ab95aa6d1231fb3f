// Hostile and unusual model files through model:add (the engine worker inspects them) and the features.
import assert from 'node:assert/strict';
import type { ModelDescription, ModelRecord } from '../../src/shared/contract';
import { CANDY } from '../../scripts/build-hostile-corpus';
import type { HostileCase, HostileEnv } from './case';

const add = (env: HostileEnv, path: string) => env.call('model:add', { source: { kind: 'path', path } });
const layersOf = (v: unknown) => (v as ModelRecord).description.layers.map((l) => l.name);

/** add a model and remember its id for later cases */
async function addKept(env: HostileEnv, path: string): Promise<ModelRecord> {
  const rec = await add(env, path);
  env.ids.set(path, rec.id);
  return rec;
}

/** a dream on the 64×48 photo; its failure as an error (code job-<state>) so the table's error check applies */
async function dreamOn(env: HostileEnv, model: string, layer: string): Promise<unknown> {
  const d = await env.job(env.call('run:dream', { modelId: env.ids.get(model)!, photoId: env.ids.get(env.corpus.photos.ok)!, settings: { octaves: 1, iterations: 2, layers: [{ name: layer, weight: 1 }] } }));
  if (d.job.state !== 'done') throw Object.assign(new Error(d.job.error ?? `the dream ended ${d.job.state}`), { code: `job-${d.job.state}` });
  return d;
}

export const MODEL_CASES: HostileCase[] = [
  {
    name: 'JSON renamed .onnx', kind: 'model', run: (env) => add(env, env.corpus.models.json),
    error: { code: 'not-onnx', message: /settings\.onnx is JSON, not an ONNX model/ },
  },
  {
    name: 'a JSON array renamed .onnx', kind: 'model', run: (env) => add(env, env.corpus.models.jsonArray),
    error: { code: 'not-onnx', message: /labels\.onnx is JSON, not an ONNX model/ },
  },
  {
    name: 'external data: a symlink to /etc/shadow', kind: 'model', run: (env) => add(env, env.corpus.models.extShadow),
    error: { code: 'external-data-outside', message: /model\.onnx: tensor "w" points outside the model's folder \("weights\.bin"\)/ },
  },
  {
    name: 'external data: through a symlinked folder to /etc/passwd', kind: 'model', run: (env) => add(env, env.corpus.models.extFolderLink),
    error: { code: 'external-data-outside', message: /model\.onnx: tensor "w" points outside the model's folder \("etc\/passwd"\)/ },
  },
  {
    name: 'a FIFO named .onnx', kind: 'model', run: (env) => add(env, env.corpus.models.fifo),
    error: { code: 'not-found', message: /pipe\.onnx is not a regular file/ },
  },
  {
    name: 'TF.js model.json whose shard is "../../…/etc/passwd"', kind: 'model', run: (env) => add(env, env.corpus.models.tfjsEscape),
    error: { code: 'shard-outside', message: /tfjs-escape\/model\.json: weight shard "\.\.\/.*etc\/passwd" points outside the model's folder/ },
  },
  {
    name: 'TF.js model.json whose shard is a symlink to /dev/zero', kind: 'model', run: (env) => add(env, env.corpus.models.tfjsDevZero),
    error: { code: 'shard-outside', message: /tfjs-zero\/model\.json: weight shard "group1-shard1of1\.bin" points outside the model's folder/ },
  },
  {
    name: 'TF.js model.json whose shard is a FIFO', kind: 'model', run: (env) => add(env, env.corpus.models.tfjsFifo),
    error: { code: 'shard-not-file', message: /tfjs-fifo\/model\.json: weight shard "group1-shard1of1\.bin" is not a regular file/ },
  },
  {
    name: 'int8 QDQ model: layers listed', kind: 'model', run: (env) => addKept(env, env.corpus.models.qdq),
    ok: (v) => {
      const d = (v as ModelRecord).description;
      assert.deepEqual(layersOf(v), ['x_dq', 'conv1', 'relu1', 'relu1_dq', 'conv2', 'relu2', 'gap', 'prob'].filter((n) => layersOf(v).includes(n)));
      assert.ok(layersOf(v).includes('relu1_dq') && layersOf(v).includes('conv2'), `layers: ${layersOf(v).join(', ')}`);
      assert.ok(!layersOf(v).includes('w1'), 'a dequantized weight is not a layer');
      assert.equal(d.parameterCount, 216 + 8 + 576 + 4, 'int8 weights count as parameters');
      assert.equal(d.isClassifier, true);
    },
  },
  {
    name: 'int8 QLinearConv model: its float layers listed', kind: 'model', run: (env) => addKept(env, env.corpus.models.qlinear),
    ok: (v) => assert.ok(layersOf(v).includes('conv'), `layers: ${layersOf(v).join(', ')}`),
  },
  {
    name: 'int8 ConvInteger model: its float layers listed', kind: 'model', run: (env) => addKept(env, env.corpus.models.convInteger),
    ok: (v) => assert.ok(layersOf(v).includes('conv') && layersOf(v).includes('relu'), `layers: ${layersOf(v).join(', ')}`),
  },
  {
    name: 'int8 QDQ model classifies', kind: 'model',
    run: (env) => env.call('run:classify', { modelId: env.ids.get(env.corpus.models.qdq)!, photoId: env.ids.get(env.corpus.photos.ok)!, top: 3 }),
    ok: (v) => assert.equal((v as { result: { top: unknown[] } }).result.top.length, 3),
  },
  {
    name: 'int8 QDQ model: a dream names the op that stops the gradient', kind: 'model',
    run: (env) => dreamOn(env, env.corpus.models.qdq, 'relu2'),
    error: { code: 'job-failed', message: /no gradient rule for QuantizeLinear on the path from the input to the objective \(2 nodes: QuantizeLinear "x_q", QuantizeLinear "relu1_q"\)\. The model still works for forward-only features/ },
  },
  {
    name: 'int8 QLinearConv model: a dream names the op that stops the gradient', kind: 'model',
    run: (env) => dreamOn(env, env.corpus.models.qlinear, 'conv'),
    error: { code: 'job-failed', message: /no gradient rule for QuantizeLinear .*QuantizeLinear "x_q"/ },
  },
  {
    name: 'int8 ConvInteger model: a dream names the op that stops the gradient', kind: 'model',
    run: (env) => dreamOn(env, env.corpus.models.convInteger, 'relu'),
    error: { code: 'job-failed', message: /no gradient rule for DynamicQuantizeLinear .*DynamicQuantizeLinear "x_q"/ },
  },
  {
    name: 'int8 QLinearConv model: its layer in the activations view', kind: 'model',
    run: (env) => env.job(env.call('run:activations', { modelId: env.ids.get(env.corpus.models.qlinear)!, photoId: env.ids.get(env.corpus.photos.ok)!, layer: 'conv' })),
    ok: (v) => { const d = v as { job: { state: string; error?: string } }; assert.equal(d.job.state, 'done', d.job.error); },
  },
  {
    name: 'GoogLeNet declaring a fixed 4096² input: inspected at a capped size', kind: 'model', needsGooglenet: true,
    run: (env) => add(env, env.corpus.models.googlenet!.fixed4096),
    ok: (v) => {
      const d: ModelDescription = (v as ModelRecord).description;
      assert.ok(d.cappedFrom, 'the description says the size was capped');
      assert.deepEqual([d.cappedFrom.width, d.cappedFrom.height], [4096, 4096]);
      assert.ok(d.inspectedSize.width < 4096 && d.layers.length > 50, `${d.inspectedSize.width}, ${d.layers.length} layers`);
    },
  },
  {
    name: 'candy.onnx declaring 720² (a real fast-style net) is still inspected at its own size', kind: 'model', needsGooglenet: true,
    run: (env) => add(env, CANDY),
    ok: (v) => {
      const d: ModelDescription = (v as ModelRecord).description;
      assert.deepEqual(d.inspectedSize, { width: 720, height: 720 });
      assert.equal(d.cappedFrom, undefined);
    },
    // every layer of a 720² image-to-image net at once (measured ~1.4 GB over the process's ~450 MB)
    maxPeakMiB: 2560,
  },
  {
    name: 'candy.onnx re-declared at 2048² (it runs only at its declared size)', kind: 'model', needsGooglenet: true,
    run: (env) => add(env, env.corpus.models.googlenet!.candy2048),
    error: { code: 'ort-run-failed', message: /candy-2048\.onnx declares its input "inputImage" as 2048×2048, too big to inspect at that size \(above 1024²\), and it cannot run at a smaller one: .*ConvTranspose/ },
  },
  {
    name: 'GoogLeNet declaring a fixed 60000² input', kind: 'model', needsGooglenet: true,
    run: (env) => add(env, env.corpus.models.googlenet!.fixed60000),
    error: { code: 'over-budget', message: /googlenet-60000\.onnx's input "data" at 60000×60000 needs 40\.2 GiB, more than the engine's memory budget of 4\.0 GiB \(the default; set FEATURESCOPE_MEMORY_BUDGET/ },
  },
];
