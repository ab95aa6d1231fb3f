// The corpus of broken and hostile model files: each is generated here from real bytes, and each must
// give its stable InspectError code and a message that names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { decodeModel, encodeModel, type Model } from './model';
import { ONNX_PROTO } from './onnx.proto';
import { inspectModel, loadModelFile, match, InspectError, type InspectErrorCode } from './inspect';

const shared = path.resolve(__dirname, '../../../../../shared');
const googlenet = path.join(shared, 'models/bvlc_googlenet.onnx');
const dog = path.join(shared, 'images/content/dog.jpg');
const have = fs.existsSync(googlenet) && fs.existsSync(dog);

function tiny(over: Partial<Model['graph']> & { opset?: number; op?: string } = {}): Model {
  const { opset = 13, op = 'Relu', ...g } = over;
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: opset }], producerName: 'corpus', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'g', nodes: [{ name: 'node0', opType: op, domain: '', inputs: ['x'], outputs: ['y'], attrs: {} }], initializers: [],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 3, 8, 8] }], valueInfo: [],
      ...g,
    },
  };
}

/**
 * x[1,3,8,8] + w, written as raw protobuf with `weight` as the initializer exactly as given — encodeModel
 * would inline external data and refuse inconsistent tensors, which is what these files must contain.
 */
function addModelWithWeight(weight: object): Uint8Array {
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 1 }, { dim_value: 3 }, { dim_value: 8 }, { dim_value: 8 }] } } } });
  return T.encode(T.fromObject({
    ir_version: 8, opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'g', node: [{ name: 'add', op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', ...weight }],
      input: [vi('x')], output: [vi('y')],
    },
  })).finish();
}

/** A model whose single weight lives in an external file. */
function externalModel(location: string): Uint8Array {
  return addModelWithWeight({ dims: [1], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: location }, { key: 'length', value: '4' }] });
}

/** A weight whose declared shape needs more bytes than it carries. */
function shortWeight(): Uint8Array {
  return addModelWithWeight({ dims: [1000], data_type: 1, raw_data: new Uint8Array(4) });
}

interface Case { name: string; make(dir: string, g: Uint8Array): string; code: InspectErrorCode; fragment: RegExp }

const write = (dir: string, name: string, bytes: Uint8Array | string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
};

const CASES: Case[] = [
  { name: 'zero-byte file', make: (d) => write(d, 'empty.onnx', ''), code: 'empty', fragment: /empty\.onnx is empty \(0 bytes\)/ },
  { name: 'a PNG renamed .onnx', make: (d) => write(d, 'photo.onnx', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), code: 'not-onnx', fragment: /photo\.onnx is an image \(PNG\)/ },
  { name: 'a JPEG renamed .onnx', make: (d) => write(d, 'dog.onnx', fs.readFileSync(dog)), code: 'not-onnx', fragment: /dog\.onnx is an image \(JPEG\)/ },
  { name: 'a text file', make: (d) => write(d, 'readme.onnx', 'This is not a model, just words.\n'.repeat(20)), code: 'not-onnx', fragment: /readme\.onnx is not an ONNX model/ },
  { name: 'GoogLeNet truncated to 60%', make: (d, g) => write(d, 'cut.onnx', g.subarray(0, Math.floor(g.length * 0.6))), code: 'truncated', fragment: /cut\.onnx is truncated/ },
  { name: 'GoogLeNet truncated to 100 bytes', make: (d, g) => write(d, 'cut100.onnx', g.subarray(0, 100)), code: 'truncated', fragment: /cut100\.onnx is truncated/ },
  { name: 'GoogLeNet with its first 16 bytes flipped', make: (d, g) => { const b = Buffer.from(g); for (let i = 0; i < 16; i++) b[i] = b[i]! ^ 0xff; return write(d, 'flipped.onnx', b); }, code: 'not-onnx', fragment: /flipped\.onnx is not an ONNX model/ },
  { name: 'GoogLeNet with the opset stripped', make: (d, g) => { const m = decodeModel(g); m.opsetImports = []; return write(d, 'noopset.onnx', encodeModel(m)); }, code: 'not-onnx', fragment: /noopset\.onnx .*declares no opset/ },
  { name: 'opset 30 (too new)', make: (d) => write(d, 'opset30.onnx', encodeModel(tiny({ opset: 30 }))), code: 'unsupported-opset', fragment: /opset30\.onnx uses ONNX opset 30; Featurescope supports opsets 7 to 25/ },
  { name: 'opset 3 (too old)', make: (d) => write(d, 'opset3.onnx', encodeModel(tiny({ opset: 3 }))), code: 'unsupported-opset', fragment: /uses ONNX opset 3;/ },
  { name: 'external data file missing', make: (d) => write(d, 'ext.onnx', externalModel('weights.bin')), code: 'external-data-missing', fragment: /ext\.onnx: external data file "weights\.bin" for tensor "w" is missing/ },
  { name: 'external data pointing outside the folder', make: (d) => write(d, 'escape.onnx', externalModel('../../../etc/passwd')), code: 'external-data-outside', fragment: /points outside the model's folder/ },
  { name: 'no graph nodes', make: (d) => write(d, 'nograph.onnx', encodeModel(tiny({ nodes: [] }))), code: 'no-graph', fragment: /nograph\.onnx is not an ONNX model: it has no graph/ },
  { name: 'no image-like input', make: (d) => write(d, 'vector.onnx', encodeModel(tiny({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 10] }] }))), code: 'no-image-input', fragment: /vector\.onnx has no image-like input .* "x" float32 \[1,10\]/ },
  { name: 'huge declared dims', make: (d) => write(d, 'huge.onnx', encodeModel(tiny({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 100000000, 224] }] }))), code: 'huge-dims', fragment: /huge\.onnx: tensor "x" declares a dimension of 100000000/ },
  { name: 'a weight shorter than its shape', make: (d) => write(d, 'short.onnx', shortWeight()), code: 'bad-tensor', fragment: /short\.onnx: tensor "w" holds 4 bytes but its shape \[1000\] needs 4000/ },
  { name: 'a float16 image input', make: (d) => write(d, 'half.onnx', encodeModel(tiny({ inputs: [{ name: 'x', dtype: 'float16', shape: [1, 3, 8, 8] }] }))), code: 'no-image-input', fragment: /rank-4 float32 input .* "x" float16 \[1,3,8,8\]/ },
  { name: 'an op onnxruntime does not know', make: (d) => write(d, 'fancy.onnx', encodeModel(tiny({ op: 'FancyOp' }))), code: 'ort-load-failed', fragment: /onnxruntime cannot load fancy\.onnx: .*FancyOp/ },
  { name: 'a directory named like a model', make: (d) => { const f = path.join(d, 'folder.onnx'); fs.mkdirSync(f); return f; }, code: 'is-directory', fragment: /folder\.onnx is a folder/ },
  { name: 'a path that does not exist', make: (d) => path.join(d, 'missing.onnx'), code: 'not-found', fragment: /missing\.onnx does not exist/ },
];

test('corpus of broken and hostile model files', { skip: have ? false : `${googlenet} or dog.jpg absent (../shared not checked out)` }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fscope-corpus-'));
  const g = fs.readFileSync(googlenet);
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const file = c.make(dir, g);
      await assert.rejects(
        (async () => inspectModel(loadModelFile(file)))(),
        (e: unknown) => {
          assert.ok(e instanceof InspectError, `expected InspectError, got ${(e as Error).name}: ${(e as Error).message}`);
          assert.equal(e.code, c.code, e.message);
          assert.match(e.message, c.fragment);
          return true;
        },
      );
    });
  }
  assert.equal(match(path.join(dir, 'photo.onnx')), false);
  assert.equal(match(path.join(dir, 'empty.onnx')), false);
  assert.equal(match(path.join(dir, 'dog.onnx')), false);
});
