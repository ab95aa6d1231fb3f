// encodeModel frames the weights by hand ([Note: encoding weights]): what it writes must read back as the
// same model, onnxruntime must take it, and tensors inside attributes and subgraphs keep their bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, makeTensor, type Model } from './model';

const shared = path.resolve(__dirname, '../../../../../shared');
const files = ['squeezenet1.1.onnx', 'bvlc_googlenet.onnx'].map((f) => path.join(shared, 'models', f));
const missing = files.find((f) => !fs.existsSync(f));

test('real models read back unchanged after encoding, and onnxruntime runs the encoded bytes alike', { skip: missing ? `needs ${missing}` : false }, async () => {
  for (const f of files) {
    const bytes = new Uint8Array(fs.readFileSync(f));
    const m = decodeModel(bytes);
    const again = decodeModel(encodeModel(m));
    assert.deepEqual(again, m, path.basename(f));
  }
  const bytes = new Uint8Array(fs.readFileSync(files[0]!));
  const x = new Float32Array(3 * 224 * 224).map((_, i) => (i % 255) - 120);
  const run = async (b: Uint8Array) => {
    const s = await ort.InferenceSession.create(b, { intraOpNumThreads: 1 });
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
    await s.release();
    return out[s.outputNames[0]!]!.data as Float32Array;
  };
  assert.deepEqual(await run(encodeModel(decodeModel(bytes))), await run(bytes));
});

test('tensors in Constant attributes and If branches keep their bytes; empty and large initializers frame right', () => {
  const big = makeTensor('big', 'float32', [70_000], new Float32Array(70_000).map((_, i) => i * 0.5)); // a length past two varint bytes
  const empty = makeTensor('empty', 'float32', [0], new Float32Array(0));
  const branch = (v: number): Model['graph'] => ({
    name: `b${v}`, nodes: [{ name: `c${v}`, opType: 'Constant', domain: '', inputs: [], outputs: [`y${v}`], attrs: { value: { type: 'tensor', value: makeTensor(`k${v}`, 'float32', [2], new Float32Array([v, v + 1])) } } }],
    initializers: [makeTensor(`init${v}`, 'float32', [1], new Float32Array([v * 10]))], inputs: [], outputs: [{ name: `y${v}`, dtype: 'float32', shape: [2] }], valueInfo: [],
  });
  const m: Model = {
    irVersion: 8, opsetImports: [{ domain: '', version: 17 }], producerName: 'test', producerVersion: '1', docString: 'doc', metadata: { a: 'b' },
    graph: {
      name: 'g',
      nodes: [{ name: 'if', opType: 'If', domain: '', inputs: ['cond'], outputs: ['y'], attrs: { then_branch: { type: 'graph', value: branch(1) }, else_branch: { type: 'graph', value: branch(2) } } }],
      initializers: [big, empty, makeTensor('cond', 'bool', [], new Uint8Array([1]))],
      inputs: [], outputs: [{ name: 'y', dtype: 'float32', shape: [2] }], valueInfo: [],
    },
  };
  assert.deepEqual(decodeModel(encodeModel(m)), decodeModel(encodeModel(decodeModel(encodeModel(m)))));
  const back = decodeModel(encodeModel(m));
  assert.deepEqual(back.graph.initializers.map((t) => [t.name, t.dims, t.raw.length]), [['big', [70_000], 280_000], ['empty', [0], 0], ['cond', [], 1]]);
  assert.deepEqual(new Float32Array(back.graph.initializers[0]!.raw.slice().buffer).subarray(0, 3), new Float32Array([0, 0.5, 1]));
  const then = back.graph.nodes[0]!.attrs.then_branch!;
  assert.equal(then.type, 'graph');
  const g = then.value as Model['graph'];
  assert.deepEqual(new Float32Array(g.initializers[0]!.raw.slice().buffer), new Float32Array([10]));
  const k = g.nodes[0]!.attrs.value!;
  assert.deepEqual(new Float32Array((k.value as { raw: Uint8Array }).raw.slice().buffer), new Float32Array([1, 2]));
  assert.deepEqual(back.metadata, { a: 'b' });
});
