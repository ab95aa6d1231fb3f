// The hostile-input corpus: every bad model, photo and project file the engine must survive, generated from
// real bytes into a folder (nothing large is committed). test/hostile/corpus.test.ts builds it into a temp
// folder and runs each file through the engine host; `npm run`-free use:
//   node --import tsx scripts/build-hostile-corpus.ts [folder]      (default: tmp/hostile-corpus, gitignored)
// Models built from GoogLeNet need ../shared; the rest (int8 nets, JSON, links, photos, projects) do not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import * as protobuf from 'protobufjs';
import { ONNX_PROTO } from '../src/main/engine/onnx/onnx.proto';
import { decodeModel, encodeModel, type Model, type Node, type Tensor } from '../src/main/engine/onnx/model';
import { ProjectStore } from '../src/main/store/project';

export const SHARED = path.resolve(__dirname, '../../shared');
export const GOOGLENET = path.join(SHARED, 'models/bvlc_googlenet.onnx');
export const CANDY = path.join(SHARED, 'models/style/candy.onnx');

/** Every generated path, by role. Paths under `googlenet` exist only when ../shared does. */
export interface HostileCorpus {
  dir: string;
  models: {
    json: string; jsonArray: string; qdq: string; qlinear: string; convInteger: string;
    extShadow: string; extFolderLink: string; fifo: string;
    /** TF.js model.json files whose weight manifests name hostile shards */
    tfjsEscape: string; tfjsDevZero: string; tfjsFifo: string;
    googlenet?: { fixed4096: string; fixed60000: string; candy2048: string };
  };
  photos: { onePixel: string; threePixel: string; big: string; bigHeaderOnly: string; ok: string };
  projects: {
    fifo: string; folder: string; empty: string; text: string; damaged: string; damagedBig: string; otherProgram: string;
    newer: string; devZero: string; good: string;
  };
}

// ---- small ONNX graphs -------------------------------------------------------------------------------

const f32 = (name: string, dims: number[], values: number[]): Tensor => ({ name, dtype: 'float32', dims, raw: new Uint8Array(new Float32Array(values).buffer) });
const i8 = (name: string, dims: number[], values: number[]): Tensor => ({ name, dtype: 'int8', dims, raw: new Uint8Array(new Int8Array(values).buffer) });
const u8 = (name: string, dims: number[], values: number[]): Tensor => ({ name, dtype: 'uint8', dims, raw: new Uint8Array(values) });
const i32 = (name: string, dims: number[], values: number[]): Tensor => ({ name, dtype: 'int32', dims, raw: new Uint8Array(new Int32Array(values).buffer) });
const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, name = outputs[0]!): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
/** Deterministic small weights (a seeded LCG): the same corpus on every machine. */
function weights(n: number, seed: number, scale: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => { s = (s * 1664525 + 1013904223) >>> 0; return Math.round(((s / 2 ** 32) * 2 - 1) * scale); });
}

function graph(name: string, nodes: Node[], initializers: Tensor[], opset = 13): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: opset }], producerName: 'hostile-corpus', producerVersion: '', docString: '', metadata: {},
    graph: {
      name, nodes, initializers,
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 32, 32] }],
      outputs: [{ name: 'prob', dtype: 'float32', shape: [1, 8] }], valueInfo: [],
    },
  };
}

const CONV = { kernel_shape: { type: 'ints' as const, value: [3, 3] }, pads: { type: 'ints' as const, value: [1, 1, 1, 1] } };
const FLAT = { axis: { type: 'int' as const, value: 1 } };

/** QDQ format (what onnxruntime's static quantizer writes by default): int8 weights, Q/DQ pairs around float ops. */
function qdqModel(): Model {
  return graph('qdq', [
    node('QuantizeLinear', ['x', 's_in', 'zp'], ['x_q']),
    node('DequantizeLinear', ['x_q', 's_in', 'zp'], ['x_dq']),
    node('DequantizeLinear', ['w1_q', 's_w', 'zp'], ['w1']),
    node('Conv', ['x_dq', 'w1', 'b1'], ['conv1'], CONV),
    node('Relu', ['conv1'], ['relu1']),
    node('QuantizeLinear', ['relu1', 's_act', 'zp'], ['relu1_q']),
    node('DequantizeLinear', ['relu1_q', 's_act', 'zp'], ['relu1_dq']),
    node('DequantizeLinear', ['w2_q', 's_w', 'zp'], ['w2']),
    node('Conv', ['relu1_dq', 'w2'], ['conv2'], CONV),
    node('Relu', ['conv2'], ['relu2']),
    node('GlobalAveragePool', ['relu2'], ['gap']),
    node('Flatten', ['gap'], ['flat'], FLAT),
    node('Softmax', ['flat'], ['prob'], FLAT),
  ], [
    f32('s_in', [], [1 / 127]), f32('s_act', [], [0.05]), f32('s_w', [], [0.01]), i8('zp', [], [0]),
    i8('w1_q', [8, 3, 3, 3], weights(216, 1, 100)), f32('b1', [8], weights(8, 2, 1).map((v) => v * 0.1)),
    i8('w2_q', [8, 8, 3, 3], weights(576, 3, 100)),
  ]);
}

/** QOperator format: the convolution itself is int8 (QLinearConv); the only float tensors are at the ends. */
function qlinearModel(): Model {
  return graph('qlinear', [
    node('QuantizeLinear', ['x', 's_in', 'zp'], ['x_q']),
    node('QLinearConv', ['x_q', 's_in', 'zp', 'w_q', 's_w', 'zpw', 's_act', 'zp', 'b_q'], ['conv_q'], CONV),
    node('DequantizeLinear', ['conv_q', 's_act', 'zp'], ['conv']),
    node('GlobalAveragePool', ['conv'], ['gap']),
    node('Flatten', ['gap'], ['flat'], FLAT),
    node('Softmax', ['flat'], ['prob'], FLAT),
  ], [
    f32('s_in', [], [1 / 255]), f32('s_act', [], [0.05]), f32('s_w', [], [0.01]), u8('zp', [], [0]), i8('zpw', [], [0]),
    i8('w_q', [8, 3, 3, 3], weights(216, 4, 100)), i32('b_q', [8], weights(8, 5, 50)),
  ]);
}

/** Dynamic quantization (onnxruntime's quantize_dynamic): DynamicQuantizeLinear + ConvInteger, then float again. */
function convIntegerModel(): Model {
  return graph('convinteger', [
    node('DynamicQuantizeLinear', ['x'], ['x_q', 'x_s', 'x_zp']),
    node('ConvInteger', ['x_q', 'w_q', 'x_zp'], ['conv_i32'], CONV),
    node('Cast', ['conv_i32'], ['conv_f'], { to: { type: 'int', value: 1 } }),
    node('Mul', ['x_s', 's_w'], ['scale']),
    node('Mul', ['conv_f', 'scale'], ['conv']),
    node('Relu', ['conv'], ['relu']),
    node('GlobalAveragePool', ['relu'], ['gap']),
    node('Flatten', ['gap'], ['flat'], FLAT),
    node('Softmax', ['flat'], ['prob'], FLAT),
  ], [f32('s_w', [], [0.01]), u8('w_q', [8, 3, 3, 3], weights(216, 6, 100).map((v) => v + 128))]);
}

/**
 * x + w with w in an external file `location` (relative to the model's folder), written as raw protobuf:
 * encodeModel inlines weights, and this file must carry the reference as given.
 */
function externalBytes(location: string): Uint8Array {
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: [1, 3, 32, 32].map((d) => ({ dim_value: d })) } } } });
  return T.encode(T.fromObject({
    ir_version: 8, opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: 'external', node: [{ name: 'add', op_type: 'Add', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dims: [1], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: location }, { key: 'length', value: '4' }] }],
      input: [vi('x')], output: [vi('y')],
    },
  })).finish();
}

/** A copy of a model whose image input declares a fixed side×side size. */
function declaredAt(m: Model, input: string, side: number): Model {
  return { ...m, graph: { ...m.graph, inputs: m.graph.inputs.map((i) => (i.name === input ? { ...i, shape: [1, 3, side, side] } : i)) } };
}
const googlenetAt = (g: Model, side: number) => declaredAt(g, 'data', side);

// ---- writing ------------------------------------------------------------------------------------------

export async function buildHostileCorpus(dir: string): Promise<HostileCorpus> {
  fs.mkdirSync(dir, { recursive: true });
  const at = (...p: string[]) => path.join(dir, ...p);
  const put = (p: string, b: Uint8Array | string) => { fs.mkdirSync(path.dirname(p), { recursive: true }); fs.writeFileSync(p, b); return p; };

  // models
  const models: HostileCorpus['models'] = {
    json: put(at('models/settings.onnx'), JSON.stringify({ name: 'not a model', layers: [1, 2, 3] }, null, 2)),
    jsonArray: put(at('models/labels.onnx'), JSON.stringify(['cat', 'dog', 'hummingbird'])),
    qdq: put(at('models/int8-qdq.onnx'), encodeModel(qdqModel())),
    qlinear: put(at('models/int8-qlinearconv.onnx'), encodeModel(qlinearModel())),
    convInteger: put(at('models/int8-convinteger.onnx'), encodeModel(convIntegerModel())),
    extShadow: put(at('models/ext-shadow/model.onnx'), externalBytes('weights.bin')),
    extFolderLink: put(at('models/ext-folder/model.onnx'), externalBytes('etc/passwd')),
    fifo: at('models/pipe.onnx'),
    tfjsEscape: '', tfjsDevZero: '', tfjsFifo: '',
  };
  fs.mkdirSync(at('projects'), { recursive: true });
  fs.symlinkSync('/etc/shadow', at('models/ext-shadow/weights.bin'));
  fs.symlinkSync('/etc', at('models/ext-folder/etc'));
  execFileSync('mkfifo', [models.fifo]);
  // TF.js: a manifest may name any path — "../" out of the folder, a link to /dev/zero, a FIFO
  const modelJson = (shard: string) => JSON.stringify({
    format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] } },
    weightsManifest: [{ paths: [shard], weights: [{ name: 'dense/kernel', shape: [2, 2], dtype: 'float32' }] }],
  });
  models.tfjsEscape = put(at('models/tfjs-escape/model.json'), modelJson('../../../../../../../../etc/passwd'));
  models.tfjsDevZero = put(at('models/tfjs-zero/model.json'), modelJson('group1-shard1of1.bin'));
  fs.symlinkSync('/dev/zero', at('models/tfjs-zero/group1-shard1of1.bin'));
  models.tfjsFifo = put(at('models/tfjs-fifo/model.json'), modelJson('group1-shard1of1.bin'));
  execFileSync('mkfifo', [at('models/tfjs-fifo/group1-shard1of1.bin')]);
  if (fs.existsSync(GOOGLENET)) {
    const g = decodeModel(fs.readFileSync(GOOGLENET));
    models.googlenet = {
      fixed4096: put(at('models/googlenet-4096.onnx'), encodeModel(googlenetAt(g, 4096))),
      fixed60000: put(at('models/googlenet-60000.onnx'), encodeModel(googlenetAt(g, 60000))),
      // a net that runs only at its declared size (ConvTranspose output_shape), declared at 2048²
      candy2048: put(at('models/candy-2048.onnx'), encodeModel(declaredAt(decodeModel(fs.readFileSync(CANDY)), 'inputImage', 2048))),
    };
  }

  // photos
  const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
  const big = at('photos/big-108mp.jpg');
  fs.mkdirSync(path.dirname(big), { recursive: true });
  // a real 12000×9000 JPEG (108 MP, over the 100-MP limit): one flat colour keeps it small and quick to make
  await sharp({ create: { width: 12000, height: 9000, channels: 3, background: { r: 90, g: 140, b: 200 } } }).jpeg({ quality: 50 }).toFile(big);
  const photos: HostileCorpus['photos'] = {
    onePixel: put(at('photos/one-pixel.png'), await png(1, 1)),
    threePixel: put(at('photos/three-pixels.png'), await png(3, 3)),
    big,
    // a decompression bomb: a 64×64 JPEG whose header says 30000×30000 (900 MP)
    bigHeaderOnly: put(at('photos/bomb-900mp.jpg'), withJpegSize(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer(), 30000, 30000)),
    ok: put(at('photos/ok.png'), await png(64, 48)),
  };

  // project files
  const projects: HostileCorpus['projects'] = {
    fifo: at('projects/pipe.fscope'),
    folder: at('projects/folder.fscope'),
    empty: put(at('projects/empty.fscope'), ''),
    text: put(at('projects/notes.fscope'), 'These are my notes, not a project.\n'.repeat(10)),
    damaged: at('projects/damaged.fscope'),
    damagedBig: at('projects/damaged-24mb.fscope'),
    otherProgram: at('projects/other.fscope'),
    newer: at('projects/newer.fscope'),
    devZero: '/dev/zero',
    good: at('projects/good.fscope'),
  };
  execFileSync('mkfifo', [projects.fifo]);
  fs.mkdirSync(projects.folder);
  // a real project with a few photos, then pages 2–5 overwritten: SQLite's integrity check finds the damage
  // (and one over 16 MiB, which is checked through a read-only connection instead of an in-memory copy)
  for (const [file, photoBytes] of [[projects.damaged, 16000], [projects.damagedBig, 1.2 * 2 ** 20]] as const) {
    const store = ProjectStore.create(file);
    for (let i = 0; i < 20; i++) store.addPhoto({ name: `p${i}.png`, mime: 'image/png', width: 1, height: 1, sha256: `sha${i}` }, Buffer.alloc(Math.round(photoBytes), i));
    store.close();
    const bytes = fs.readFileSync(file);
    const page = bytes.readUInt16BE(16);
    for (let p = 2; p < 6; p++) bytes.fill(0x41, p * page + 8, p * page + 200);
    fs.writeFileSync(file, bytes);
  }
  // another program's database, in WAL mode (a read-only open of it would leave -wal/-shm behind)
  const other = new Database(projects.otherProgram);
  other.pragma('journal_mode = WAL');
  other.exec('CREATE TABLE notes(text); INSERT INTO notes VALUES (\'hello\')');
  other.close();
  // a project from a future version
  ProjectStore.create(projects.newer).close();
  const newer = new Database(projects.newer);
  newer.pragma('user_version = 999');
  newer.close();
  ProjectStore.create(projects.good).close();
  return { dir, models, photos, projects };
}

/** Patch a baseline JPEG's SOF0 frame header to declare another size (the scan data stays 64×64). */
function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let i = 2; i < b.length - 9;) {
    if (b[i] !== 0xff) throw new Error('not a JPEG marker');
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc2) {
      b.writeUInt16BE(height, i + 5);
      b.writeUInt16BE(width, i + 7);
      return b;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '../tmp/hostile-corpus'));
  fs.rmSync(out, { recursive: true, force: true });
  buildHostileCorpus(out).then((c) => console.log(JSON.stringify(c, null, 2)), (e) => { console.error(e); process.exit(1); });
}
