// Prints how long the TF.js → ONNX import takes for the nsfwjs models, and the forward time of the
// converted default model in onnxruntime-node vs the TF.js WASM reference (informational).
//   npx tsx scripts/bench-import.ts
import * as ort from 'onnxruntime-node';
import { readNsfwjsArtifacts } from '../src/main/engine/importers/nsfwjs';
import { convertTfjs } from '../src/main/engine/importers/tfjs/convert';
import { encodeModel } from '../src/main/engine/onnx/model';
import { initTfjs, loadTfjs, tf } from '../src/main/engine/importers/testing/reference';

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

async function run(): Promise<void> {
  for (const name of ['inception_v3', 'mobilenet_v2'] as const) {
    let t0 = performance.now();
    const a = readNsfwjsArtifacts(name);
    const tRead = ms(t0);
    t0 = performance.now();
    const { model } = convertTfjs(a, name === 'inception_v3' ? { outputs: ['mixed5'] } : {});
    const tConv = ms(t0);
    t0 = performance.now();
    const bytes = encodeModel(model);
    console.log(`${name}: read ${tRead}, convert ${tConv}, encode ${ms(t0)}; ${model.graph.nodes.length} nodes, ${(bytes.length / 1e6).toFixed(1)} MB`);
  }
  const a = readNsfwjsArtifacts('inception_v3');
  const bytes = encodeModel(convertTfjs(a, { outputs: ['mixed5'] }).model);
  const s = await ort.InferenceSession.create(bytes);
  const x = new ort.Tensor('float32', new Float32Array(3 * 299 * 299).fill(0.1), [1, 3, 299, 299]);
  await s.run({ input_1: x });
  let t0 = performance.now();
  for (let i = 0; i < 3; i++) await s.run({ input_1: x });
  console.log(`InceptionV3→mixed5 forward 299×299, onnxruntime-node CPU: ${((performance.now() - t0) / 3).toFixed(0)} ms`);
  await initTfjs();
  const ref = await loadTfjs(a);
  const sub = tf.model({ inputs: ref.inputs, outputs: ref.getLayer('mixed5').output as tf.SymbolicTensor });
  const xt = tf.fill([1, 299, 299, 3], 0.1);
  (sub.predict(xt) as tf.Tensor).dispose();
  t0 = performance.now();
  for (let i = 0; i < 3; i++) (sub.predict(xt) as tf.Tensor).dataSync();
  console.log(`same in TF.js (${tf.getBackend()}): ${((performance.now() - t0) / 3).toFixed(0)} ms`);
}

run().catch((e) => { console.error(e); process.exitCode = 1; });
