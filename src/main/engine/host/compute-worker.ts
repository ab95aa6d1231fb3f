// The compute worker: owns onnxruntime sessions (SessionCache) and decoded models, runs inspection and
// inference. Runs inside a worker_threads Worker so the host's main thread stays responsive.
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SessionCache, type SessionSource } from '../runtime/sessions';
import { encodeModel } from '../onnx/model';
import { inspectModel, loadModelBytes, loadModelFile, withExtraOutputs, type LoadedModel } from '../onnx/inspect';
import type { ComputeRequest, FromWorker, ModelRef, ToWorker, FetchedTensor } from './compute-protocol';

const port = parentPort;
if (!port) throw new Error('compute-worker must run in a worker thread');

const cache = new SessionCache();
cache.onStatus = (status) => post({ event: 'status', status });
const models = new Map<string, LoadedModel>();

function post(m: FromWorker, transfer: ArrayBuffer[] = []) {
  port!.postMessage(m, transfer);
}

class NeedModel extends Error {
  code = 'need-model';
}

function loaded(ref: ModelRef): LoadedModel {
  let lm = models.get(ref.sha);
  if (lm) return lm;
  if (ref.bytes) lm = loadModelBytes(ref.bytes, ref.fileName, ref.path && fs.existsSync(ref.path) ? ref.path : undefined);
  else if (ref.path) lm = loadModelFile(ref.path);
  else throw new NeedModel(`compute worker has no bytes for model ${ref.fileName}`);
  models.set(ref.sha, lm);
  return lm;
}

async function handle(req: ComputeRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case 'status':
      return { result: cache.status() };
    case 'setProvider':
      return { result: await cache.setProvider(req.setting) };
    case 'inspect': {
      const lm = loaded(req.model);
      return { result: await inspectModel(lm, { ...(req.width ? { width: req.width } : {}), ...(req.height ? { height: req.height } : {}), intraOpNumThreads: cache.threads }) };
    }
    case 'run': {
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
    case 'release':
      models.delete(req.sha);
      await cache.release(req.sha);
      return { result: null };
  }
}

// One request at a time: onnxruntime already uses every core for one run, and ordering keeps progress honest.
let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  chain = chain.then(async () => {
    try {
      const { result, transfer } = await handle(msg.req);
      post({ id: msg.id, ok: true, result }, transfer);
    } catch (e) {
      const err = e as Error & { code?: string };
      post({ id: msg.id, ok: false, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } });
    }
  });
});
