// The layer-type corpus: small seeded TF.js models, saved in memory like `model.save` (float32 and
// uint8/uint16/float16-quantized), converted to ONNX, run in onnxruntime-node, compared with
// tfjs `predict` on the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTfjsArtifacts, TfjsImportError } from './index';
import { initTfjs, loadTfjs, relErr, runOnnx, saveToArtifacts, tf, toNchw } from './testing/reference';
import type { TfjsArtifacts } from './tfjs/artifacts';

let seed = 1;
const init = () => tf.initializers.glorotUniform({ seed: seed++ });
const bias = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: seed++ });
const uni = (minval: number, maxval: number) => tf.initializers.randomUniform({ minval, maxval, seed: seed++ });
const conv = { kernelInitializer: init(), biasInitializer: bias() };
const bn = (name: string) => tf.layers.batchNormalization({
  name, gammaInitializer: uni(0.5, 1.5), betaInitializer: uni(-0.5, 0.5), movingMeanInitializer: uni(-0.5, 0.5), movingVarianceInitializer: uni(0.5, 2),
});

function rand(n: number, s: number): Float32Array {
  // small deterministic LCG; inputs in [-1, 1]
  const out = new Float32Array(n);
  let x = s >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = (x / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Converts `a`, runs both implementations on an input of keras shape `shape`, returns max rel error per output. */
async function compare(a: TfjsArtifacts, shape: number[], outputs?: string[]): Promise<number> {
  const ref = await loadTfjs(a);
  const { bytes, model } = await importTfjsArtifacts(a);
  const x = rand(shape.reduce((p, q) => p * q, 1), 7);
  const y = ref.predict(tf.tensor(x, shape)) as tf.Tensor;
  const exp = toNchw(y.dataSync() as Float32Array, y.shape as number[]);
  const onnxIn = shape.length === 4 ? toNchw(x, shape) : x;
  const onnxDims = shape.length === 4 ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape;
  const got = await runOnnx(bytes, { [model.graph.inputs[0]!.name]: { data: onnxIn, dims: onnxDims } });
  const out = got[outputs?.[0] ?? model.graph.outputs[0]!.name]!;
  y.dispose();
  ref.dispose();
  return relErr(out.data, exp);
}

type Build = () => tf.LayersModel;

const CORPUS: Record<string, { build: Build; input: number[] }> = {
  'Conv2D same/valid, strides, dilation, BatchNormalization, Activation': {
    input: [2, 12, 11, 3],
    build: () => tf.sequential({ name: 'convs', layers: [
      tf.layers.conv2d({ name: 'c1', inputShape: [12, 11, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...conv }),
      bn('c1_bn'),
      tf.layers.conv2d({ name: 'c2', filters: 6, kernelSize: [3, 2], dilationRate: 2, padding: 'valid', ...conv }),
      tf.layers.conv2d({ name: 'c3', filters: 5, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() }),
      tf.layers.activation({ name: 'c3_tanh', activation: 'tanh' }),
    ] }),
  },
  'DepthwiseConv2D, SeparableConv2D, ReLU(max_value), ZeroPadding2D': {
    input: [1, 15, 12, 4],
    build: () => tf.sequential({ name: 'dw', layers: [
      tf.layers.zeroPadding2d({ name: 'pad', inputShape: [15, 12, 4], padding: [[0, 1], [2, 1]] }),
      tf.layers.depthwiseConv2d({ name: 'dw1', kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'valid', depthwiseInitializer: init(), biasInitializer: bias() }),
      tf.layers.reLU({ name: 'dw1_relu6', maxValue: 6 }),
      tf.layers.depthwiseConv2d({ name: 'dw2', kernelSize: 3, padding: 'same', activation: 'relu6', depthwiseInitializer: init(), biasInitializer: bias() }),
      tf.layers.separableConv2d({ name: 'sep', filters: 7, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', depthwiseInitializer: init(), pointwiseInitializer: init(), biasInitializer: bias() }),
      tf.layers.reLU({ name: 'plain_relu' }),
      tf.layers.activation({ name: 'channel_softmax', activation: 'softmax' }),
    ] }),
  },
  'MaxPooling2D, AveragePooling2D (same, valid), GlobalMaxPooling2D, Dense, softmax': {
    input: [2, 17, 14, 3],
    build: () => tf.sequential({ name: 'pools', layers: [
      tf.layers.maxPooling2d({ name: 'mp', inputShape: [17, 14, 3], poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ name: 'ap_same', poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.averagePooling2d({ name: 'ap_valid', poolSize: 2, strides: 1, padding: 'valid' }),
      tf.layers.globalMaxPooling2d({ name: 'gmp' }),
      tf.layers.dense({ name: 'fc', units: 5, activation: 'softmax', ...conv }),
    ] }),
  },
  'Flatten (NHWC order), Dense, Dropout, Reshape, Rescaling, swish, elu': {
    input: [3, 5, 4, 2],
    build: () => tf.sequential({ name: 'dense', layers: [
      tf.layers.rescaling({ name: 'scale', inputShape: [5, 4, 2], scale: 1 / 127.5, offset: -1 }),
      tf.layers.conv2d({ name: 'c', filters: 3, kernelSize: 3, strides: 2, padding: 'same', ...conv }), // fixed size: explicit pads, odd total on W
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'fc1', units: 24, activation: 'swish', ...conv }),
      bn('fc1_bn'),
      tf.layers.dropout({ name: 'drop', rate: 0.5 }),
      tf.layers.reshape({ name: 'rs', targetShape: [2, 3, 4] }),
      tf.layers.conv2d({ name: 'c_after', filters: 4, kernelSize: 2, padding: 'same', activation: 'elu', ...conv }),
      tf.layers.reshape({ name: 'rs2', targetShape: [24] }),
      tf.layers.dense({ name: 'fc2', units: 3, activation: 'linear', ...conv }),
    ] }),
  },
  'functional: Concatenate, Add, Multiply, GlobalAveragePooling2D, Dense on 4-D': {
    input: [2, 9, 9, 3],
    build: () => {
      const inp = tf.input({ name: 'img', shape: [9, 9, 3] });
      const a = tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', ...conv }).apply(inp) as tf.SymbolicTensor;
      const b = tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 1, padding: 'same', ...conv }).apply(inp) as tf.SymbolicTensor;
      const c = tf.layers.dense({ name: 'pixel_dense', units: 4, ...conv }).apply(inp) as tf.SymbolicTensor;
      const sum = tf.layers.add({ name: 'sum' }).apply([a, b, c]) as tf.SymbolicTensor;
      const prod = tf.layers.multiply({ name: 'prod' }).apply([a, b]) as tf.SymbolicTensor;
      const cat = tf.layers.concatenate({ name: 'cat', axis: -1 }).apply([sum, prod, inp]) as tf.SymbolicTensor;
      const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(cat) as tf.SymbolicTensor;
      const out = tf.layers.dense({ name: 'logits', units: 3, ...conv }).apply(gap) as tf.SymbolicTensor;
      return tf.model({ name: 'func', inputs: inp, outputs: out });
    },
  },
  'nested: Teachable-Machine-style Sequential holding a functional MobileNet-like base': {
    input: [1, 16, 16, 3],
    build: () => {
      const inp = tf.input({ name: 'base_in', shape: [16, 16, 3] });
      let x = tf.layers.zeroPadding2d({ name: 'Conv1_pad', padding: [[0, 1], [0, 1]] }).apply(inp) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ name: 'Conv1', filters: 8, kernelSize: 3, strides: 2, useBias: false, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      x = bn('bn_Conv1').apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ name: 'Conv1_relu', maxValue: 6 }).apply(x) as tf.SymbolicTensor;
      const base = tf.model({ name: 'mobilenet_like', inputs: inp, outputs: x });
      const head = tf.sequential({ name: 'head', layers: [
        tf.layers.globalAveragePooling2d({ name: 'head_gap', inputShape: [8, 8, 8] }),
        tf.layers.dense({ name: 'head_fc', units: 4, activation: 'softmax', ...conv }),
      ] });
      return tf.sequential({ name: 'tm', layers: [base, head] });
    },
  },
};

for (const [title, { build, input }] of Object.entries(CORPUS)) {
  test(`corpus: ${title}`, async () => {
    await initTfjs();
    const model = build();
    for (const q of [undefined, 'uint8', 'uint16', 'float16'] as const) {
      const a = await saveToArtifacts(model, `${model.name}${q ? `-${q}` : ''}/model.json`, q);
      const e = await compare(a, input);
      assert.ok(e <= 1e-4, `${title} (${q ?? 'float32'}): max relative error ${e}`);
    }
    model.dispose();
  });
}

test('corpus: a fully convolutional model accepts other input sizes (SAME stride 2 → SAME_UPPER)', async () => {
  await initTfjs();
  const m = tf.sequential({ name: 'anysize', layers: [
    tf.layers.conv2d({ name: 'k1', inputShape: [null, null, 3] as unknown as number[], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...conv }),
    tf.layers.maxPooling2d({ name: 'k2', poolSize: 3, strides: 2, padding: 'same' }),
  ] });
  const a = await saveToArtifacts(m, 'anysize/model.json');
  const { model, warnings } = await importTfjsArtifacts(a);
  assert.deepEqual(model.graph.inputs[0]!.shape, ['N', 3, 'H', 'W']);
  assert.ok(warnings.some((w) => w.includes('SAME_UPPER')));
  for (const [h, w] of [[10, 10], [13, 7], [32, 21]] as const) {
    assert.ok((await compare(a, [1, h, w, 3])) <= 1e-4, `size ${h}×${w}`);
  }
  m.dispose();
});

test('unsupported layers and broken weights are named in the error', async () => {
  await initTfjs();
  const m = tf.sequential({ name: 'lstm', layers: [
    tf.layers.conv2d({ name: 'ok_conv', inputShape: [6, 6, 1], filters: 2, kernelSize: 3, ...conv }),
    tf.layers.upSampling2d({ name: 'upsample_here', size: [2, 2] }),
  ] });
  const a = await saveToArtifacts(m, 'lstm/model.json');
  await assert.rejects(importTfjsArtifacts(a), (e: Error) => e instanceof TfjsImportError && /"UpSampling2D".*"upsample_here"/.test(e.message));
  const short = { ...a, weightData: a.weightData.slice(0, 10) };
  await assert.rejects(importTfjsArtifacts(short, { outputs: ['ok_conv'] }), /too short.*ok_conv\/kernel/);
  await assert.rejects(importTfjsArtifacts(a, { outputs: ['nope'] }), /no layer "nope"/);
  m.dispose();
});
