// The engine's one worker thread ([Note: one engine worker] in protocol.ts): decoded models and every
// onnxruntime session live here. Calls are answered in order; jobs run their recipe's worker half, several
// may be in flight (the runtime starts at most one heavy job at a time) and interleave at their checkpoints.
// Built as out/main/engine-worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { SessionCache, type SessionSource } from '../runtime/sessions';
import { GradientRuntime } from '../gradients/index';
import { encodeModel } from '../onnx/model';
import { addPngText } from '../image/image';
import { inspectModel, loadModelBytes, loadModelFile, withExtraOutputs, type LoadedModel } from '../onnx/inspect';
import { RECIPES } from '../recipes/index';
import type { Recipe, WorkerEnv } from '../recipes/types';
import { JobControl, type RgbFrame } from './control';
import { withPosition, type JobPosition } from './position';
import type { CallRequest, FetchedTensor, ForwardResult, FromWorker, ModelRef, ToWorker, WorkerOptions } from './protocol';

const port = parentPort;
if (!port) throw new Error('engine-worker must run in a worker thread');

const cache = new SessionCache();
cache.onStatus = (status) => post({ type: 'status', status });
const models = new Map<string, LoadedModel>();
/** every job's compiled-gradient and forward sessions live in the one cache, on the engine's provider */
const gradients = new GradientRuntime({ sessions: cache });

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

class NeedModel extends Error {
  readonly code = 'need-model';
}

function loaded(ref: ModelRef): LoadedModel {
  let lm = models.get(ref.sha);
  if (lm) return lm;
  if (ref.bytes) lm = loadModelBytes(ref.bytes, ref.fileName, ref.path && fs.existsSync(ref.path) ? ref.path : undefined);
  else if (ref.path) lm = loadModelFile(ref.path);
  else throw new NeedModel(`the engine worker has no bytes for model ${ref.fileName}`);
  models.set(ref.sha, lm);
  return lm;
}

/** One forward pass through the cached sessions; inner tensors are fetched from a copy with extra outputs. */
async function forward(req: Extract<CallRequest, { op: 'run' }>): Promise<{ result: ForwardResult; transfer: ArrayBuffer[] }> {
  const lm = loaded(req.model);
  const graphOutputs = new Set(lm.model.graph.outputs.map((o) => o.name));
  const extra = req.fetch.filter((f) => !graphOutputs.has(f)).sort();
  const known = new Set(lm.model.graph.nodes.flatMap((n) => n.outputs));
  for (const f of extra) if (!known.has(f)) throw new Error(`${lm.fileName} has no tensor named "${f}"`);
  const variant = extra.length ? `fetch:${extra.join(',')}` : 'plain';
  let cached = true;
  const entry = await cache.get({ sha: req.model.sha, variant, inputShape: req.dims }, (): SessionSource => {
    cached = false;
    if (!extra.length && lm.path && fs.existsSync(lm.path) && path.isAbsolute(lm.path)) return { path: lm.path };
    if (!extra.length) return { bytes: lm.bytes };
    return { bytes: encodeModel(withExtraOutputs(lm.model, extra)) };
  });
  const t0 = performance.now();
  const out = await entry.session.run({ [req.input]: new ort.Tensor('float32', req.data, req.dims) }, req.fetch);
  const runMs = performance.now() - t0;
  const outputs: Record<string, FetchedTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of req.fetch) {
    const t = out[name] as ort.Tensor;
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
    // Copy so the buffer we transfer is ours alone (ORT output buffers may be shared).
    const copy = new Float32Array(data);
    outputs[name] = { dims: [...t.dims], data: copy };
    transfer.push(copy.buffer as ArrayBuffer);
  }
  return { result: { outputs, provider: entry.provider, runMs, sessionMs: cached ? 0 : entry.createdMs, cached }, transfer };
}

const env: WorkerEnv = {
  model: loaded,
  forward: async (req) => (await forward({ op: 'run', ...req })).result,
  placement: () => ({ provider: cache.status().active, threads: cache.threads }),
  sessions: cache,
  gradients,
};

async function call(req: CallRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case 'status':
      return { result: cache.status() };
    case 'setProvider':
      return { result: await cache.setProvider(req.setting) };
    case 'inspect':
      return { result: await inspectModel(loaded(req.model), { ...(req.width ? { width: req.width } : {}), ...(req.height ? { height: req.height } : {}), intraOpNumThreads: cache.threads }) };
    case 'run':
      return forward(req);
    case 'release':
      models.delete(req.sha);
      await cache.release(req.sha);
      await gradients.release(req.sha);
      for (const r of Object.values(recipes)) await r.release?.(req.sha);
      return { result: null };
  }
}

type AnyRecipe = Recipe<never, unknown, unknown>;
const recipes: Record<string, AnyRecipe> = { ...(RECIPES as unknown as Record<string, AnyRecipe>) };
for (const file of (workerData as WorkerOptions | undefined)?.recipeModules ?? []) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { recipe?: AnyRecipe };
  if (!mod.recipe) throw new Error(`${file} exports no recipe`);
  recipes[mod.recipe.kind] = mod.recipe;
}

const controls = new Map<number, JobControl>();

/** Preview frames leave as JPEG; encoding runs on sharp's threads, and a frame is skipped while one is still encoding. */
function previewSink(id: number): (f: RgbFrame) => void {
  let encoding = false;
  return (f) => {
    if (encoding) return;
    encoding = true;
    sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer().then(
      (b) => { encoding = false; const bytes = new Uint8Array(b); post({ type: 'preview', id, mime: 'image/jpeg', bytes }, [bytes.buffer as ArrayBuffer]); },
      () => { encoding = false; },
    );
  };
}

/**
 * Checkpoint images leave as PNG (lossless: Resume starts from exactly this state). The pixels are copied
 * first, since the job goes on changing its buffers while sharp encodes on its own threads.
 */
function checkpointSink(id: number): (f: RgbFrame, position?: JobPosition) => Promise<void> {
  return async (f, position) => {
    const raw = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const b = await sharp(Buffer.from(raw), { raw: { width: f.width, height: f.height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
    // a copy of its own either way: its buffer is transferred
    const bytes = new Uint8Array(position ? withPosition(b, position) : b);
    post({ type: 'checkpoint', id, mime: 'image/png', bytes }, [bytes.buffer as ArrayBuffer]);
  };
}

/** A sweep's finished item leaves as PNG with its meta in the text chunk (what Resume reads to skip it). */
function itemSink(id: number): (name: string, f: RgbFrame, meta: Record<string, string>) => Promise<void> {
  return async (name, f, meta) => {
    const png = await sharp(Buffer.from(f.data), { raw: { width: f.width, height: f.height, channels: 3 } }).png({ compressionLevel: 3 }).toBuffer();
    const bytes = Object.keys(meta).length ? addPngText(new Uint8Array(png), meta) : new Uint8Array(png);
    post({ type: 'item', id, name, mime: 'image/png', bytes }, [bytes.buffer as ArrayBuffer]);
  };
}

async function job(msg: Extract<ToWorker, { type: 'job' }>): Promise<void> {
  const recipe = recipes[msg.kind];
  const ctl = new JobControl(
    { progress: (progress) => post({ type: 'progress', id: msg.id, progress }), preview: previewSink(msg.id), checkpoint: checkpointSink(msg.id), item: itemSink(msg.id) },
    { ...(msg.previewEveryMs !== undefined ? { previewEveryMs: msg.previewEveryMs } : {}), ...(msg.checkpointEveryMs !== undefined ? { checkpointEveryMs: msg.checkpointEveryMs } : {}) },
  );
  controls.set(msg.id, ctl);
  try {
    if (!recipe) throw new Error(`no recipe for jobs of kind "${msg.kind}"`);
    const { output, transfer } = await recipe.run(msg.input as never, ctl, env);
    post({ type: 'done', id: msg.id, output }, transfer ?? []);
  } catch (e) {
    const err = e as Error & { code?: string };
    post({ type: 'failed', id: msg.id, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } });
  } finally {
    controls.delete(msg.id);
  }
}

// Calls run one at a time, in order (onnxruntime already uses every core for one run).
let calls: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  // in a worker thread process.exit ends the thread only (see ToWorker 'stop')
  if (msg.type === 'stop') process.exit(0);
  if (msg.type === 'control') {
    const ctl = controls.get(msg.id);
    if (msg.action === 'pause') ctl?.pause();
    else if (msg.action === 'resume') ctl?.resume();
    else ctl?.cancel();
  } else if (msg.type === 'job') {
    void job(msg);
  } else {
    calls = calls.then(async () => {
      try {
        const { result, transfer } = await call(msg.req);
        post({ type: 'answer', id: msg.id, ok: true, result }, transfer ?? []);
      } catch (e) {
        const err = e as Error & { code?: string };
        post({ type: 'answer', id: msg.id, ok: false, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } });
      }
    });
  }
});
