// Dataset indexing benchmark (src/main/engine/dataset): BVLC GoogLeNet at 224 over a generated folder.
//
//   npm run bench:index                                  1,000 photos; peak memory at 1,000 and 5,000
//   npm run bench:index -- --photos 400 --memory 2000    smaller (a loaded machine)
//   npm run bench:index -- --layers inception_4c/output  other layers (default: the 'default' preset)
//
// Measured, each in its own child process (its peak RSS is that phase's, VmHWM):
//   - indexing N photos (decode, forward fetching every indexed layer, top-k / histogram / pooled features,
//     one SQLite transaction per batch): photos per second over the batch loop
//   - the same count of plain batched forward passes: the model cut after its deepest indexed layer, batch
//     16, on input tensors already in memory (no decoding, no reduction, no writing) — the floor
//   - the same again fetching every indexed layer (what indexing's forward pass costs by itself)
//   - decoding the photos alone, as indexing decodes them
//   - the CPU time of each (all threads; indexing: its batch loop, setup apart): the work indexing adds to the forward pass, and the least wall time
//     that work allows on this machine's cores however well it overlaps
//   - peak RSS of indexing N and M photos (M > N): flat means memory does not grow with the folder
// Photos: JPEGs of 640×480 made from ../shared/images by random crops, flips and colour shifts (seeded),
// in a temporary folder that is removed afterwards.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { load, machine, scratch, SHARED, inEngineEnv } from './bench/peer';

const MODEL = path.join(SHARED, 'models', 'bvlc_googlenet.onnx');
const BATCH = 16;

interface Args { photos: number; memory: number; layers?: string[] }
/** cpuS: CPU seconds of the whole process (every thread: onnxruntime's, the statistics thread, sharp's) over the measured part */
interface ChildResult { phase: string; photos: number; seconds: number; perSecond: number; peakRssMiB: number; layers: string[]; cpuS: number; detail?: unknown }

function args(): Args {
  const a: Args = { photos: 1000, memory: 5000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--photos') a.photos = Number(argv[++i]);
    else if (argv[i] === '--memory') a.memory = Number(argv[++i]);
    else if (argv[i] === '--layers') a.layers = argv[++i]!.split(',');
  }
  return a;
}

/** n JPEGs (640×480) from the shared photos: a seeded random crop of each, sometimes flipped, colours shifted */
async function makePhotos(dir: string, n: number): Promise<void> {
  const sources = ['content', 'style'].flatMap((s) => fs.readdirSync(path.join(SHARED, 'images', s)).map((f) => path.join(SHARED, 'images', s, f)));
  const decoded = await Promise.all(sources.map(async (f) => { const { data, info } = await sharp(f).resize(1024, 768, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true }); return { data, info }; }));
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, n - i) }, async (_, j) => {
      const src = decoded[(i + j) % decoded.length]!;
      const w = Math.round(400 + rand() * 600), h = Math.round(w * 0.75);
      const left = Math.floor(rand() * (1024 - w)), top = Math.floor(rand() * (768 - h));
      let s = sharp(src.data, { raw: src.info }).extract({ left, top, width: w, height: Math.min(h, 768 - top) }).resize(640, 480, { fit: 'fill' });
      if (rand() < 0.5) s = s.flop();
      s = s.modulate({ brightness: 0.8 + rand() * 0.4, saturation: 0.7 + rand() * 0.6, hue: Math.round(rand() * 40 - 20) });
      // a subfolder per 250 photos, as real folders have
      const sub = path.join(dir, `part${Math.floor((i + j) / 250)}`);
      fs.mkdirSync(sub, { recursive: true });
      await s.jpeg({ quality: 88 }).toFile(path.join(sub, `photo${String(i + j).padStart(5, '0')}.jpg`));
    }));
  }
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

// ---- child phases -----------------------------------------------------------------------------------------

async function childIndex(folder: string, project: string, layers: string[] | undefined): Promise<ChildResult> {
  const { loadModelFile } = await import('../src/main/engine/onnx/inspect');
  const { indexLocally, openLocalDataset } = await import('../src/main/engine/dataset/local');
  const { JobControl } = await import('../src/main/engine/jobs/control');
  const lm = loadModelFile(MODEL);
  const d = await openLocalDataset({ folder, lm, project, create: true });
  try {
    const c0 = process.cpuUsage();
    const r = await indexLocally(d, lm, { ...(layers ? { layers } : { preset: 'default' }), batch: BATCH }, new JobControl());
    const loopS = r.output.indexedNow / r.output.imagesPerSecond;
    return { phase: 'index', photos: r.output.indexedNow, seconds: loopS, perSecond: r.output.imagesPerSecond, peakRssMiB: peakRssMiB(), layers: r.layers, cpuS: r.output.timings.loopCpuMs / 1000, detail: { ...r.output.timings, setupCpuMs: cpuSince(c0) * 1000 - r.output.timings.loopCpuMs } };
  } finally {
    d.close();
  }
}

/** The photos decoded to the model's input as indexing decodes them (a batch at a time, the batch in parallel), nothing else. */
async function childDecode(folder: string): Promise<ChildResult> {
  const { loadModelFile } = await import('../src/main/engine/onnx/inspect');
  const { fileModelRecord } = await import('../src/main/engine/featurevis/local');
  const { decodePhoto } = await import('../src/main/engine/dataset/indexer');
  const { scanFolder } = await import('../src/main/engine/dataset/scan');
  const rec = await fileModelRecord(loadModelFile(MODEL));
  const files = (await scanFolder(folder)).files;
  const photos = files.map((f, i) => ({ id: i + 1, path: f.path, file: path.join(folder, f.path), width: 0, height: 0 }));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < photos.length; i += BATCH) {
    const got = await Promise.all(photos.slice(i, i + BATCH).map((p) => decodePhoto(p, rec.preprocess, 3)));
    const bad = got.find((g) => g.error);
    if (bad) throw new Error(bad.error);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { phase: 'decode', photos: photos.length, seconds, perSecond: photos.length / seconds, peakRssMiB: peakRssMiB(), layers: [], cpuS: cpuSince(c0) };
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

async function childForward(n: number, layers: string[], fetchAll: boolean): Promise<ChildResult> {
  const { loadModelFile } = await import('../src/main/engine/onnx/inspect');
  const { fileModelRecord, localEnv } = await import('../src/main/engine/featurevis/local');
  const { runtimeModel } = await import('../src/main/engine/gradients/index');
  const { decodeResized } = await import('../src/main/engine/image/image');
  const { imageToTensor } = await import('../src/main/engine/pixels/index');
  const lm = loadModelFile(MODEL);
  const rec = await fileModelRecord(lm);
  const pre = rec.preprocess;
  const per = 3 * pre.height * pre.width;
  // one batch of real photos, reused: the forward pass's cost does not depend on the pixels
  const sources = fs.readdirSync(path.join(SHARED, 'images', 'content')).map((f) => path.join(SHARED, 'images', 'content', f));
  const x = new Float32Array(BATCH * per);
  for (let j = 0; j < BATCH; j++) x.set(imageToTensor(await decodeResized(fs.readFileSync(sources[j % sources.length]!), pre.width, pre.height, pre.resize), pre).data, j * per);
  const env = localEnv(lm, 'cpu');
  const order = rec.description.layers.map((l) => l.name);
  const deepest = [...layers].sort((a, b) => order.indexOf(b) - order.indexOf(a))[0]!;
  const fetch = fetchAll ? layers : [deepest];
  const s = await env.gradients.forward({ model: runtimeModel(lm.model, lm.sha256), input: rec.description.imageInput, shape: [BATCH, 3, pre.height, pre.width], fetch });
  try {
    await s.run(x); // warm-up (indexing's first batch pays the same)
    const batches = Math.ceil(n / BATCH);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) await s.run(x);
    const seconds = (performance.now() - t0) / 1000;
    return { phase: fetchAll ? 'forward-all-layers' : 'forward', photos: batches * BATCH, seconds, perSecond: (batches * BATCH) / seconds, peakRssMiB: peakRssMiB(), layers: fetch, cpuS: cpuSince(c0) };
  } finally {
    await s.release();
    await env.dispose();
  }
}

function runChild(argv: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = fork(__filename, ['--child', ...argv], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.on('message', (m) => resolve(m as ChildResult));
    c.on('exit', (code) => { if (code) reject(new Error(`child ${argv.join(' ')} exited ${code}`)); });
  });
}

async function main(): Promise<void> {
  inEngineEnv();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, phase, a, b, c] = argv;
    const r = phase === 'index' ? await childIndex(a!, b!, c ? c.split(',') : undefined) : phase === 'decode' ? await childDecode(a!) : await childForward(Number(a), b!.split(','), phase === 'forward-all');
    process.send!(r);
    return;
  }
  if (!fs.existsSync(MODEL)) {
    console.log(`bench:index needs ${MODEL} (../shared is absent): skipped`);
    return;
  }
  const a = args();
  const dir = scratch('index');
  try {
    console.log(`bench:index — BVLC GoogLeNet at 224, batch ${BATCH}, CPU; ${machine()}`);
    const small = path.join(dir, 'photos-small'), big = path.join(dir, 'photos-big');
    let t = performance.now();
    await makePhotos(small, a.photos);
    console.log(`made ${a.photos} photos in ${((performance.now() - t) / 1000).toFixed(0)} s (load ${load()})`);
    const idx = await runChild(['index', small, path.join(dir, 'small.fscope'), ...(a.layers ? [a.layers.join(',')] : [])]);
    console.log(`index ${idx.photos} photos at ${idx.layers.join(', ')}: ${idx.perSecond.toFixed(2)} photos/s (${idx.seconds.toFixed(1)} s), peak RSS ${idx.peakRssMiB.toFixed(0)} MiB; ms ${JSON.stringify(idx.detail, (_, v) => (typeof v === 'number' ? Math.round(v) : v))} (load ${load()})`);
    const fwd = await runChild(['forward', String(a.photos), idx.layers.join(',')]);
    console.log(`plain forward to ${fwd.layers.join(', ')}: ${fwd.perSecond.toFixed(2)} photos/s (${fwd.seconds.toFixed(1)} s for ${fwd.photos}), peak RSS ${fwd.peakRssMiB.toFixed(0)} MiB (load ${load()})`);
    const all = await runChild(['forward-all', String(a.photos), idx.layers.join(',')]);
    console.log(`forward fetching every indexed layer: ${all.perSecond.toFixed(2)} photos/s (${all.seconds.toFixed(1)} s) (load ${load()})`);
    const dec = await runChild(['decode', small]);
    console.log(`decoding alone (as indexing decodes, ${BATCH} at a time): ${dec.perSecond.toFixed(1)} photos/s, ${(dec.cpuS * 1000 / dec.photos).toFixed(2)} CPU ms a photo (load ${load()})`);
    console.log(`indexing time / plain forward time: ${(fwd.perSecond / idx.perSecond).toFixed(2)}× (goal ≤ 1.2×); / forward of the same layers: ${(all.perSecond / idx.perSecond).toFixed(2)}×`);
    // Where the cores go: the CPU time each phase used (all threads). Indexing cannot take less wall time than
    // its CPU time spread over every core, whatever overlaps what.
    const cores = os.cpus().length, per = (r: ChildResult) => (r.cpuS * 1000) / r.photos;
    console.log(`CPU ms a photo: indexing ${per(idx).toFixed(1)} (decoding alone ${per(dec).toFixed(1)}), plain forward ${per(fwd).toFixed(1)}, forward of the same layers ${per(all).toFixed(1)}; ` +
      `on ${cores} cores indexing cannot be faster than ${((per(idx) / cores) / (1000 / fwd.perSecond)).toFixed(2)}× the plain forward time, nor than ${(((per(all) + per(dec)) / cores) / (1000 / fwd.perSecond)).toFixed(2)}× with only the decoding added to the forward's work`);
    if (a.memory > 0) {
      fs.rmSync(small, { recursive: true, force: true });
      t = performance.now();
      await makePhotos(big, a.memory);
      console.log(`made ${a.memory} photos in ${((performance.now() - t) / 1000).toFixed(0)} s (load ${load()})`);
      const bigIdx = await runChild(['index', big, path.join(dir, 'big.fscope'), idx.layers.join(',')]);
      console.log(`index ${bigIdx.photos} photos: ${bigIdx.perSecond.toFixed(2)} photos/s, peak RSS ${bigIdx.peakRssMiB.toFixed(0)} MiB (vs ${idx.peakRssMiB.toFixed(0)} MiB at ${idx.photos}) (load ${load()})`);
      const size = (f: string) => fs.statSync(path.join(dir, f)).size / 2 ** 20;
      console.log(`project file: ${size('small.fscope').toFixed(1)} MiB at ${idx.photos} photos, ${size('big.fscope').toFixed(1)} MiB at ${bigIdx.photos}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    if (os.platform() !== 'win32') console.log(`load at the end: ${load()}`);
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
