// Keras 3 writes a functional model's topology differently (class "Functional", `batch_shape`,
// inbound nodes as {args: [keras tensors]}, single output refs without the outer list). The same
// model in that form converts to the same ONNX function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTfjsArtifacts } from './index';
import { initTfjs, relErr, runOnnx, saveToArtifacts, tf } from './testing/reference';

function toKeras3(topology: any): any {
  const cfg = structuredClone(topology.model_config ?? topology);
  const kt = (ref: any[]) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [ref[0], ref[1], ref[2]] } });
  cfg.class_name = 'Functional';
  for (const l of cfg.config.layers) {
    if (l.class_name === 'InputLayer') {
      l.config.batch_shape = l.config.batch_input_shape;
      delete l.config.batch_input_shape;
    }
    l.inbound_nodes = (l.inbound_nodes ?? []).map((node: any[]) => ({
      args: node.length === 1 ? [kt(node[0])] : [node.map(kt)],
      kwargs: {},
    }));
  }
  cfg.config.output_layers = cfg.config.output_layers[0];
  return cfg;
}

test('a Keras 3 functional topology converts like its Keras 2 form', async () => {
  await initTfjs();
  const inp = tf.input({ name: 'k3_in', shape: [7, 7, 2] });
  const a = tf.layers.conv2d({ name: 'k3_a', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(inp) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ name: 'k3_b', filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }).apply(inp) as tf.SymbolicTensor;
  const s = tf.layers.add({ name: 'k3_add' }).apply([a, b]) as tf.SymbolicTensor;
  const m = tf.model({ inputs: inp, outputs: tf.layers.globalAveragePooling2d({ name: 'k3_gap' }).apply(s) as tf.SymbolicTensor });
  const k2 = await saveToArtifacts(m, 'keras2');
  const k3 = { ...k2, label: 'keras3', modelJson: { ...k2.modelJson, modelTopology: toKeras3(k2.modelJson.modelTopology) } };
  assert.equal((k3.modelJson.modelTopology as any).config.layers[3].inbound_nodes[0].args[0].length, 2, 'Add reads a list of two tensors');

  const x = Float32Array.from({ length: 2 * 7 * 7 }, (_, i) => Math.cos(i));
  const run = async (art: typeof k2) => {
    const { bytes, model } = await importTfjsArtifacts(art);
    return (await runOnnx(bytes, { [model.graph.inputs[0]!.name]: { data: x, dims: [1, 2, 7, 7] } })).k3_gap!.data;
  };
  const y2 = await run(k2), y3 = await run(k3);
  assert.equal(y3.length, 3);
  assert.ok(relErr(y3, y2) === 0, 'identical outputs');
  m.dispose();
});
