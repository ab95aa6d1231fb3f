// Converted models are differentiable by our gradient compiler: d(output[k]) / d(input) from the
// compiled ONNX matches TF.js autodiff (tf.grad) on the same converted-from model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGradient } from '../autodiff/index';
import { importTfjsArtifacts } from './index';
import { initTfjs, loadTfjs, relErr, runOnnx, saveToArtifacts, tf, toNchw } from './testing/reference';

let seed = 100;
const k = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }), biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: seed++ }) });

const MODELS: Record<string, { build: () => tf.LayersModel; input: number[]; output: string }> = {
  'Rescaling, SAME conv, relu6, Flatten (Transpose), Dense swish, Dropout, Reshape, Dense': {
    input: [1, 6, 5, 3],
    output: 'g_out',
    build: () => tf.sequential({ layers: [
      tf.layers.rescaling({ name: 'g_scale', inputShape: [6, 5, 3], scale: 2, offset: -0.5 }),
      tf.layers.conv2d({ name: 'g_conv', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6', ...k() }),
      tf.layers.flatten({ name: 'g_flat' }),
      tf.layers.dense({ name: 'g_fc', units: 12, activation: 'swish', ...k() }),
      tf.layers.dropout({ name: 'g_drop', rate: 0.3 }),
      tf.layers.reshape({ name: 'g_rs', targetShape: [12] }),
      tf.layers.dense({ name: 'g_out', units: 3, ...k() }),
    ] }),
  },
  'ZeroPadding2D, DepthwiseConv2D, BatchNormalization, ReLU(6), Add, GlobalAveragePooling2D, softmax': {
    input: [1, 9, 9, 3],
    output: 'h_probs',
    build: () => {
      const inp = tf.input({ name: 'h_in', shape: [9, 9, 3] });
      const p = tf.layers.zeroPadding2d({ name: 'h_pad', padding: [[0, 1], [0, 1]] }).apply(inp) as tf.SymbolicTensor;
      const d = tf.layers.depthwiseConv2d({ name: 'h_dw', kernelSize: 3, strides: 2, depthwiseInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }).apply(p) as tf.SymbolicTensor;
      const b = tf.layers.batchNormalization({ name: 'h_bn', movingVarianceInitializer: tf.initializers.constant({ value: 0.7 }), betaInitializer: tf.initializers.constant({ value: 0.1 }) }).apply(d) as tf.SymbolicTensor;
      const r = tf.layers.reLU({ name: 'h_relu', maxValue: 6 }).apply(b) as tf.SymbolicTensor;
      const c = tf.layers.conv2d({ name: 'h_pw', filters: 3, kernelSize: 1, ...k() }).apply(r) as tf.SymbolicTensor;
      const sum = tf.layers.add({ name: 'h_add' }).apply([c, tf.layers.conv2d({ name: 'h_skip', filters: 3, kernelSize: 3, strides: 2, ...k() }).apply(p) as tf.SymbolicTensor]) as tf.SymbolicTensor;
      const g = tf.layers.globalAveragePooling2d({ name: 'h_gap' }).apply(sum) as tf.SymbolicTensor;
      const out = tf.layers.dense({ name: 'h_probs', units: 4, activation: 'softmax', ...k() }).apply(g) as tf.SymbolicTensor;
      return tf.model({ inputs: inp, outputs: out });
    },
  },
};

for (const [title, { build, input, output }] of Object.entries(MODELS)) {
  test(`gradient through converted model: ${title}`, async () => {
    await initTfjs();
    // The WASM backend lacks some gradient kernels; these models are tiny, so the CPU backend is fine.
    await tf.setBackend('cpu');
    const m = build();
    const a = await saveToArtifacts(m, `grad-${output}`);
    const ref = await loadTfjs(a);
    const n = input.reduce((p, q) => p * q, 1);
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.8);
    const index = 1;
    const g = tf.grad((t: tf.Tensor) => {
      const y = ref.predict(t) as tf.Tensor;
      return y.mul(tf.oneHot([index], y.shape[1]!).toFloat()).sum();
    })(tf.tensor(x, input));
    const expected = toNchw(g.dataSync() as Float32Array, input);
    assert.ok(expected.some((v) => Math.abs(v) > 1e-3), 'reference gradient is not all zero');

    const { model } = await importTfjsArtifacts(a);
    const inputName = model.graph.inputs[0]!.name;
    const nchw = [input[0]!, input[3]!, input[1]!, input[2]!];
    const compiled = await compileGradient(model, { input: inputName, shape: nchw, objective: { kind: 'logit', layer: output, index } });
    const out = await runOnnx(compiled.bytes, { [inputName]: { data: toNchw(x, input), dims: nchw } });
    const got = out[compiled.outputs.inputGrad]!.data;
    const e = relErr(got, expected);
    console.log(`${output}: max rel err of d out[${index}] / d input = ${e.toExponential(2)}`);
    assert.ok(e <= 1e-4, `gradient max relative error ${e}`);
    g.dispose();
    ref.dispose();
    m.dispose();
  });
}
