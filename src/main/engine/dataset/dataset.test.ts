// Indexing a real folder with the real GoogLeNet, real onnxruntime and a real project file, checked against
// a brute force over the full activation maps; a hand-built model whose receptive fields are known puts
// patches on exact photo pixels; bad input and a file vanishing mid-index leave a consistent index.
// (The crash test — the engine process killed mid-index — is in crash.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { preset } from '../../../shared/pixels';
import { errorCode } from '../../../shared/errors';
import { DatasetStore } from '../../store/dataset';
import { fileModelRecord, localEnv } from '../featurevis/local';
import { runtimeModel } from '../gradients/index';
import { decodeResized } from '../image/image';
import { JobControl } from '../jobs/control';
import { encodeModel, makeTensor, type Model } from '../onnx/model';
import { loadModelFile, type LoadedModel } from '../onnx/inspect';
import { imageToTensor } from '../pixels/index';
import { indexLocally, openLocalDataset, type LocalDataset } from './local';
import { examples, histogram, indexedLayer, neighbours } from './queries';
import { checkScan, scanFolder } from './scan';
import { LayerStats } from './stats';
import { ProjectStore } from '../../store/project';

const SHARED = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared');
const GOOGLENET = path.join(SHARED, 'models', 'bvlc_googlenet.onnx');
const skip = !fs.existsSync(GOOGLENET) && `${GOOGLENET} not found (../shared is absent)`;
const LAYERS = ['inception_3b/output', 'inception_5b/output'];
const B = 4, K = 6, BINS = 32;

let tmp: string, folder: string, lm: LoadedModel, d: LocalDataset;

/** the shared photos, in a subfolder too, plus flips and crops of some (made here), a text file and a damaged JPEG */
async function makeFolder(dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'paintings'), { recursive: true });
  const content = fs.readdirSync(path.join(SHARED, 'images', 'content')).filter((f) => f.endsWith('.jpg'));
  for (const f of content) fs.copyFileSync(path.join(SHARED, 'images', 'content', f), path.join(dir, f));
  for (const f of fs.readdirSync(path.join(SHARED, 'images', 'style'))) fs.copyFileSync(path.join(SHARED, 'images', 'style', f), path.join(dir, 'paintings', f));
  for (const f of content.slice(0, 4)) {
    const src = path.join(SHARED, 'images', 'content', f), base = path.parse(f).name;
    await sharp(src).flop().png().toFile(path.join(dir, `${base}-flip.png`));
    const m = await sharp(src).metadata();
    await sharp(src).extract({ left: Math.round(m.width! * 0.2), top: Math.round(m.height! * 0.1), width: Math.round(m.width! * 0.6), height: Math.round(m.height! * 0.7) }).webp().toFile(path.join(dir, `${base}-crop.webp`));
  }
  fs.writeFileSync(path.join(dir, 'readme.txt'), 'not a photo');
  // sorts after every photo, so the readable photos form the same batches in the index and the brute force
  fs.writeFileSync(path.join(dir, 'zz-damaged.jpg'), fs.readFileSync(path.join(SHARED, 'images', 'content', 'dog.jpg')).subarray(0, 600));
}

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-dataset-'));
  folder = path.join(tmp, 'photos');
  await makeFolder(folder);
  lm = loadModelFile(GOOGLENET);
  d = await openLocalDataset({ folder, lm, project: path.join(tmp, 'p.fscope'), create: true });
  await indexLocally(d, lm, { layers: LAYERS, k: K, bins: BINS, batch: B }, new JobControl());
});

after(() => {
  d?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Full { photoId: number; data: Float32Array; dims: number[] }

/** every readable photo's full maps, through the same forward session in the same batches */
async function fullMaps(): Promise<Map<string, Full[]>> {
  const photos = DatasetStore.with(d.store.path, (ds) => ds.photos(d.datasetId, 0, 1000).photos.filter((p) => !p.unreadable));
  const pre = d.rec.preprocess;
  const env = localEnv(lm);
  const s = await env.gradients.forward({ model: runtimeModel(lm.model, lm.sha256), input: d.rec.description.imageInput, shape: [B, 3, pre.height, pre.width], fetch: LAYERS });
  const out = new Map<string, Full[]>(LAYERS.map((l) => [l, []]));
  try {
    for (let i = 0; i < photos.length; i += B) {
      const batch = photos.slice(i, i + B);
      const x = new Float32Array(B * 3 * pre.height * pre.width);
      for (const [j, p] of batch.entries()) {
        const img = await decodeResized(fs.readFileSync(p.file), pre.width, pre.height, pre.resize);
        x.set(imageToTensor(img, pre).data, j * 3 * pre.height * pre.width);
      }
      const r = await s.run(x);
      for (const l of LAYERS) {
        const [, c, h, w] = r[l]!.dims as number[];
        const size = c! * h! * w!;
        batch.forEach((p, j) => out.get(l)!.push({ photoId: p.id, data: r[l]!.data.slice(j * size, (j + 1) * size), dims: [c!, h!, w!] }));
      }
    }
  } finally {
    await s.release();
    await env.dispose();
  }
  return out;
}

test('top-k and bottom-k of every channel equal a brute force over the full maps (photos, order, argmax); histograms count every value', { skip, timeout: 120_000 }, async () => {
  const full = await fullMaps();
  const n = full.get(LAYERS[0]!)!.length;
  assert.equal(n, 18, 'the 10 shared photos and 8 flips and crops are readable');
  DatasetStore.with(d.store.path, (ds) => {
    for (const layer of LAYERS) {
      const { stats } = indexedLayer(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer });
      const maps = full.get(layer)!;
      const [C, H, W] = maps[0]!.dims as [number, number, number];
      assert.equal(stats.photos, n);
      for (let c = 0; c < C; c++) {
        const per = maps.map((m) => {
          let max = -Infinity, min = Infinity, iMax = 0, iMin = 0;
          for (let i = 0; i < H * W; i++) {
            const v = m.data[c * H * W + i]!;
            if (v > max) { max = v; iMax = i; }
            if (v < min) { min = v; iMin = i; }
          }
          return { photoId: m.photoId, max, min, iMax, iMin };
        });
        const top = [...per].sort((a, b) => b.max - a.max || a.photoId - b.photoId).slice(0, K).map((p) => ({ photoId: p.photoId, value: p.max, x: p.iMax % W, y: Math.floor(p.iMax / W) }));
        const bottom = [...per].sort((a, b) => a.min - b.min || a.photoId - b.photoId).slice(0, K).map((p) => ({ photoId: p.photoId, value: p.min, x: p.iMin % W, y: Math.floor(p.iMin / W) }));
        assert.deepEqual(stats.extremes(c), top, `${layer}:${c} top`);
        assert.deepEqual(stats.extremes(c, true), bottom, `${layer}:${c} bottom`);
        const h = stats.histogramOf(c);
        assert.equal(h.counts.reduce((a, b) => a + b, 0), n * H * W, `${layer}:${c} histogram total`);
        assert.equal(h.min, Math.min(...per.map((p) => p.min)));
        assert.equal(h.max, Math.max(...per.map((p) => p.max)));
        assert.ok(h.lo <= h.min && h.max < h.hi, `${layer}:${c} range [${h.lo}, ${h.hi}) holds [${h.min}, ${h.max}]`);
      }
    }
    // the query API answers the same lists, with patches inside the photo
    const ex = examples(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: LAYERS[0]!, channel: 5, k: 3, bottom: false });
    assert.equal(ex.items.length, 3);
    for (const it of ex.items) {
      assert.ok(it.width > 0 && it.height > 0);
      assert.ok(it.patchClipped.x >= 0 && it.patchClipped.x + it.patchClipped.width <= it.width && it.patchClipped.width > 0);
    }
    const hist = histogram(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: LAYERS[1]!, channel: 3 });
    assert.equal(hist.count, n * 7 * 7);
    assert.equal(hist.counts.length, BINS);
  });
});

test('every photo is its own nearest neighbour; its flip is near', { skip }, () => {
  DatasetStore.with(d.store.path, (ds) => {
    const photos = ds.photos(d.datasetId, 0, 1000).photos.filter((p) => !p.unreadable);
    for (const layer of LAYERS) {
      for (const p of photos) {
        const nb = neighbours(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer, photoId: p.id, k: 3 });
        assert.equal(nb[0]!.photoId, p.id, `${p.path} at ${layer}: ${JSON.stringify(nb)}`);
        assert.ok(Math.abs(nb[0]!.similarity - 1) < 1e-6);
        assert.ok(nb[1]!.similarity <= nb[0]!.similarity);
      }
    }
    const dog = photos.find((p) => p.path === 'dog.jpg')!;
    const nb = neighbours(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: LAYERS[1]!, photoId: dog.id, k: 3 });
    assert.ok(nb.slice(1).some((x) => x.path === 'dog-flip.png' || x.path === 'dog-crop.webp'), `dog's neighbours: ${nb.map((x) => x.path).join(', ')}`);
  });
});

test('unreadable files are listed with their reasons, never fatal', { skip }, () => {
  const info = DatasetStore.with(d.store.path, (ds) => ds.info(d.datasetId));
  assert.equal(info.photos, 18);
  const reasons = Object.fromEntries(info.unreadableSample.map((u) => [u.path, u.reason]));
  assert.match(reasons['readme.txt']!, /not a JPEG, PNG or WebP file \(\.txt\)/);
  assert.match(reasons['zz-damaged.jpg']!, /zz-damaged\.jpg/);
  assert.equal(info.indexes[0]!.indexed, 18);
  assert.equal(info.indexes[0]!.pending, 0);
});

test('adding photos later indexes only the new ones', { skip, timeout: 60_000 }, async () => {
  // a second dataset (its own project) so the main one stays as the other tests expect
  const dir = path.join(tmp, 'grow');
  fs.mkdirSync(dir);
  for (const f of ['cat.jpg', 'dog.jpg']) fs.copyFileSync(path.join(SHARED, 'images', 'content', f), path.join(dir, f));
  const settings = { layers: [LAYERS[1]!], k: 2, bins: 8, batch: 2 };
  const g = await openLocalDataset({ folder: dir, lm, project: path.join(tmp, 'grow.fscope'), create: true });
  try {
    const first = await indexLocally(g, lm, settings, new JobControl());
    assert.equal(first.output.indexedNow, 2);
    fs.copyFileSync(path.join(SHARED, 'images', 'content', 'sky.jpg'), path.join(dir, 'sky.jpg'));
    const second = await indexLocally(g, lm, settings, new JobControl());
    assert.equal(second.output.indexedNow, 1, 'only sky.jpg');
    assert.equal(second.output.indexed, 3);
    assert.equal(second.indexId, first.indexId, 'the same index goes on');
    const third = await indexLocally(g, lm, settings, new JobControl());
    assert.equal(third.output.indexedNow, 0);
    const { stats } = DatasetStore.with(g.store.path, (ds) => indexedLayer(ds, { datasetId: g.datasetId, modelId: g.rec.id, layer: LAYERS[1]! }));
    assert.equal(stats.photos, 3);
    assert.equal(stats.histogramOf(0).counts.reduce((a, b) => a + b, 0), 3 * 7 * 7);
  } finally {
    g.close();
  }
});

test('a file vanishing mid-index is listed as vanished; the index stays consistent', { skip, timeout: 60_000 }, async () => {
  const dir = path.join(tmp, 'vanish');
  fs.mkdirSync(dir);
  const names = ['cat.jpg', 'city.jpg', 'dog.jpg', 'hummingbird.jpg', 'sky.jpg', 'stata.jpg'];
  for (const f of names) fs.copyFileSync(path.join(SHARED, 'images', 'content', f), path.join(dir, f));
  const g = await openLocalDataset({ folder: dir, lm, project: path.join(tmp, 'vanish.fscope'), create: true });
  try {
    let removed = false;
    // after the first photo is written (the second is in the model, the third decoding), the last photo goes
    const ctl = new JobControl({ progress: (p) => { if (!removed && /^1 of/.test(p.message ?? '')) { fs.rmSync(path.join(dir, 'stata.jpg')); removed = true; } }, preview: () => undefined }, { progressEveryMs: 0 });
    const r = await indexLocally(g, lm, { layers: [LAYERS[1]!], k: 2, bins: 8, batch: 1 }, ctl);
    assert.ok(removed);
    assert.equal(r.output.indexedNow, 5);
    assert.equal(r.output.unreadableNow, 1);
    const info = DatasetStore.with(g.store.path, (ds) => ds.info(g.datasetId));
    assert.match(info.unreadableSample.find((u) => u.path === 'stata.jpg')!.reason, /vanished: stata\.jpg was removed while the dataset was being indexed/);
    assert.equal(info.indexes[0]!.indexed, 5);
    assert.equal(info.indexes[0]!.pending, 0);
    const { stats } = DatasetStore.with(g.store.path, (ds) => indexedLayer(ds, { datasetId: g.datasetId, modelId: g.rec.id, layer: LAYERS[1]! }));
    assert.equal(stats.photos, 5);
  } finally {
    g.close();
  }
});

test('bad input: an empty folder, a folder of non-images, a layer that is not spatial, an unknown layer', { skip, timeout: 60_000 }, async () => {
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  await assert.rejects(async () => checkScan(await scanFolder(empty)), (e: Error) => errorCode(e) === 'empty-folder' && e.message.includes(empty));
  const texts = path.join(tmp, 'texts');
  fs.mkdirSync(texts);
  fs.writeFileSync(path.join(texts, 'a.txt'), 'x');
  fs.writeFileSync(path.join(texts, 'b.csv'), 'x');
  await assert.rejects(openLocalDataset({ folder: texts, lm, project: path.join(tmp, 'texts.fscope'), create: true }), (e: Error) => errorCode(e) === 'no-photos' && /a\.txt \(not a JPEG, PNG or WebP file \(\.txt\)\)/.test(e.message));
  await assert.rejects(scanFolder(path.join(tmp, 'nope')), (e: Error) => errorCode(e) === 'not-found');
  await assert.rejects(indexLocally(d, lm, { layers: ['loss3/classifier'] }, new JobControl()), (e: Error) => errorCode(e) === 'not-spatial' && /"loss3\/classifier"/.test(e.message));
  await assert.rejects(indexLocally(d, lm, { layers: ['no/such'] }, new JobControl()), (e: Error) => errorCode(e) === 'no-such-layer');
  await assert.rejects(indexLocally(d, lm, { bins: 7 }, new JobControl()), (e: Error) => errorCode(e) === 'bad-args' && /bins/.test(e.message));
  // the index is untouched by the refusals
  assert.equal(DatasetStore.with(d.store.path, (ds) => ds.info(d.datasetId)).indexes.length, 1);
  // queries on what is not indexed say so
  DatasetStore.with(d.store.path, (ds) => {
    assert.throws(() => examples(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: 'inception_4a/output', channel: 0, k: 3, bottom: false }), (e: Error) => errorCode(e) === 'not-indexed' && /inception_3b\/output/.test(e.message));
    assert.throws(() => examples(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: LAYERS[0]!, channel: 480, k: 3, bottom: false }), (e: Error) => errorCode(e) === 'bad-args' && /0 to 479/.test(e.message));
  });
});

/** One conv, kernel 8×8 of ones, stride 8, on a 32×32 input: a 4×4 map whose fields tile the input exactly. */
function blockModel(): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: 'featurescope-tests', producerVersion: '0', docString: '', metadata: {},
    graph: {
      name: 'blocks', initializers: [makeTensor('w', 'float32', [1, 3, 8, 8], new Array(3 * 64).fill(1))],
      nodes: [
        { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['map'], attrs: { kernel_shape: { type: 'ints', value: [8, 8] }, strides: { type: 'ints', value: [8, 8] } } },
        { name: 'relu', opType: 'Relu', domain: '', inputs: ['map'], outputs: ['act'], attrs: {} },
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 32, 32] }], outputs: [{ name: 'act', dtype: 'float32' }], valueInfo: [],
    },
  };
}

test('patches of a hand-built model with known receptive fields are cut at the right photo pixels', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-blocks-'));
  try {
    const modelFile = path.join(dir, 'blocks.onnx');
    fs.writeFileSync(modelFile, encodeModel(blockModel()));
    const blm = loadModelFile(modelFile);
    const photos = path.join(dir, 'photos');
    fs.mkdirSync(photos);
    // 96×64 photos (stretched to 32×32: 3 photo px per model px across, 2 down), black with one white block
    // covering exactly the field of map cell (cx, cy): photo x 24·cx … 24·cx+23, y 16·cy … 16·cy+15
    const cells: [number, number][] = [[2, 1], [0, 3], [3, 0]];
    for (const [i, [cx, cy]] of cells.entries()) {
      const px = Buffer.alloc(96 * 64 * 3);
      for (let y = 16 * cy; y < 16 * cy + 16; y++) for (let x = 24 * cx; x < 24 * cx + 24; x++) px.fill(255, (y * 96 + x) * 3, (y * 96 + x) * 3 + 3);
      await sharp(px, { raw: { width: 96, height: 64, channels: 3 } }).png().toFile(path.join(photos, `block${i}.png`));
    }
    const project = path.join(dir, 'p.fscope');
    const store = ProjectStore.create(project);
    const r = await fileModelRecord(blm, { ...preset('raw255', 32, 32), resize: 'stretch' });
    store.addModel({ name: r.name, path: r.path, sha256: r.sha256, description: r.description, preprocess: r.preprocess }, null);
    store.close();
    const g = await openLocalDataset({ folder: photos, lm: blm, project, create: true });
    try {
      await indexLocally(g, blm, { layers: ['act'], k: 3, batch: 2 }, new JobControl());
      const ex = DatasetStore.with(g.store.path, (ds) => examples(ds, { datasetId: g.datasetId, modelId: g.rec.id, layer: 'act', channel: 0, k: 3, bottom: false }));
      assert.deepEqual(ex.field, { size: [8, 8], stride: [8, 8], offset: [3.5, 3.5] });
      for (const it of ex.items) {
        const [cx, cy] = cells[Number(/block(\d)/.exec(it.path)![1])]!;
        assert.deepEqual(it.map, { x: cx, y: cy }, it.path);
        assert.deepEqual(it.patchClipped, { x: 24 * cx, y: 16 * cy, width: 24, height: 16 }, it.path);
        assert.deepEqual(it.center, { x: 24 * cx + 12, y: 16 * cy + 8 }, it.path);
      }
    } finally {
      g.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('layer statistics survive their blob exactly', () => {
  const s = new LayerStats({ channels: 3, height: 2, width: 2 }, 2, 8);
  const pooled = new Float32Array(3);
  s.add(1, new Float32Array([1, 2, 3, 4, -1, 0, 0, 0, 5, 5, 5, 5]), 0, pooled);
  s.add(2, new Float32Array([9, 2, 3, 4, -3, 0, 0, 0, 5, 5, 5, 50]), 0, pooled);
  assert.deepEqual(Array.from(pooled), [4.5, -0.75, 16.25]);
  const t = LayerStats.fromBlob(s.shape, 2, 8, s.toBlob());
  assert.deepEqual(t.toBlob(), s.toBlob());
  assert.deepEqual(t.extremes(0), [{ photoId: 2, value: 9, x: 0, y: 0 }, { photoId: 1, value: 4, x: 1, y: 1 }]);
  assert.deepEqual(t.extremes(1, true), [{ photoId: 2, value: -3, x: 0, y: 0 }, { photoId: 1, value: -1, x: 0, y: 0 }]);
  // channel 2: a constant first photo, then a value 10× beyond its range: re-binned, every value still counted
  const h = t.histogramOf(2);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 8);
  assert.ok(h.lo <= 5 && h.hi > 50);
  assert.equal(t.photos, 2);
});

/** run a CLI command in this process, capturing what it prints */
async function cli(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    return { code: await run(argv), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('CLI: examples --patches --json writes the grid and answers the index; neighbours --json puts the photo first', { skip, timeout: 60_000 }, async () => {
  const { examplesCommand } = await import('../../../cli/commands/examples');
  const { neighboursCommand } = await import('../../../cli/commands/neighbours');
  const png = path.join(tmp, 'grid.png');
  const common = ['--dataset', folder, '--model', GOOGLENET, '--project', d.store.path, '--layer', LAYERS[0]!];
  const ex = await cli(examplesCommand.run, [...common, '--channel', '5', '-k', '3', '--patches', '--out', png, '--json']);
  assert.equal(ex.code, 0);
  const got = JSON.parse(ex.out) as { items: { photoId: number; value: number }[]; histogram: { count: number } };
  const want = DatasetStore.with(d.store.path, (ds) => examples(ds, { datasetId: d.datasetId, modelId: d.rec.id, layer: LAYERS[0]!, channel: 5, k: 3, bottom: false }));
  assert.deepEqual(got.items.map((i) => [i.photoId, i.value]), want.items.map((i) => [i.photoId, i.value]));
  assert.equal(got.histogram.count, 18 * 28 * 28);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.width, meta.height], [2 * 224 + 2, 2 * 224 + 2], 'three tiles on a 2×2 grid');
  const nb = await cli(neighboursCommand.run, [path.join(folder, 'paintings', 'wave.jpg'), ...common, '-k', '2', '--json']);
  assert.equal(nb.code, 0);
  assert.equal((JSON.parse(nb.out) as { neighbours: { path: string }[] }).neighbours[0]!.path, 'paintings/wave.jpg');
  await assert.rejects(cli(examplesCommand.run, [...common, '--channel', '5']), /--out grid\.png is required/);
});
