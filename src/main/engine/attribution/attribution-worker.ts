// The attribution worker thread: keeps an Attributor (compiled gradient sessions) per model and input
// size, runs one request at a time, reports progress after every batch and stops at the next batch
// when cancelled.
import { parentPort } from 'node:worker_threads';
import { decodeModel, readModelFile, type Model } from '../onnx/model';
import { Attributor } from './attribute';
import type { AttributeRequest, FromAttributionWorker, ToAttributionWorker } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('attribution worker must run in a worker thread');

/** Few entries: each holds a model's sessions (hundreds of MB for big models). */
const MAX_CACHED = 2;
const attributors = new Map<string, Attributor>();
const cancelled = new Set<number>();

class CancelledError extends Error {
  code = 'cancelled';
}

/** Attributors are keyed by model sha first, so one model's sessions can be released on their own. */
async function release(sha?: string): Promise<void> {
  for (const [k, a] of [...attributors]) {
    if (sha !== undefined && !k.startsWith(`${sha}|`)) continue;
    attributors.delete(k);
    await a.release();
  }
}

async function attributorFor(req: AttributeRequest): Promise<Attributor> {
  const placement = req.placement ?? { provider: 'cpu' as const };
  // Sessions live on one provider: when the setting changed, the old provider's sessions are dropped.
  for (const [k, a] of [...attributors]) {
    if (a.placement.provider !== placement.provider || a.placement.threads !== placement.threads) {
      attributors.delete(k);
      await a.release();
    }
  }
  const key = `${req.model.sha}|${req.chw.join('x')}|${JSON.stringify(req.pixelSpace ?? null)}|${req.labels?.length ?? 0}`;
  const hit = attributors.get(key);
  if (hit) {
    attributors.delete(key);
    attributors.set(key, hit); // most recently used goes last
    return hit;
  }
  let model: Model;
  if (req.model.path) model = readModelFile(req.model.path);
  else if (req.model.bytes) model = decodeModel(req.model.bytes, { fileName: req.model.fileName });
  else throw new Error(`attribution worker got neither a path nor bytes for ${req.model.fileName}`);
  const a = new Attributor(model, req.chw, { labels: req.labels, pixelSpace: req.pixelSpace, label: req.model.fileName, placement });
  attributors.set(key, a);
  while (attributors.size > MAX_CACHED) {
    const [oldKey, old] = attributors.entries().next().value as [string, Attributor];
    attributors.delete(oldKey);
    await old.release();
  }
  return a;
}

function post(m: FromAttributionWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(m, transfer);
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToAttributionWorker) => {
  if (msg.op === 'cancel') {
    // handled at once (not queued): the running request sees it after its current batch
    cancelled.add(msg.target);
    post({ id: msg.id, ok: true, result: null });
    return;
  }
  chain = chain.then(async () => {
    try {
      if (msg.op === 'release') {
        await release(msg.sha);
        post({ id: msg.id, ok: true, result: null });
        return;
      }
      if (cancelled.has(msg.id)) throw new CancelledError('cancelled');
      const a = await attributorFor(msg.req);
      let last = 0;
      const result = await a.attribute({ data: msg.req.input, shape: [1, ...msg.req.chw] }, msg.req.settings, {
        onProgress: (f) => {
          if (cancelled.has(msg.id)) throw new CancelledError('cancelled');
          if (f - last >= 0.01) { last = f; post({ id: msg.id, progress: f }); }
        },
      });
      const transfer = [result.map.buffer as ArrayBuffer];
      if (result.layerMap) transfer.push(result.layerMap.data.buffer as ArrayBuffer);
      post({ id: msg.id, ok: true, result }, transfer);
    } catch (e) {
      const err = e as Error & { code?: string };
      post({ id: msg.id, ok: false, error: { message: err.message, ...(err.code ? { code: err.code } : {}) } });
    } finally {
      cancelled.delete(msg.id);
    }
  });
});
