// Recipe 'attribution': one attribution map (saliency, SmoothGrad, IG, guided backprop, Grad-CAM,
// occlusion…) of a photo for a target. The worker half keeps an Attributor (compiled gradient and forward
// sessions) per model and input size, so the second map of a kind costs only its model runs; cancel stops
// after the current batch. The host half stores the overlay PNG, the raw map (.npy) and the typed run.
import type { ExecutionProviderName, Preprocess } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { describeTarget } from '../../../shared/attribution-target';
import { parseAttributionSettings, type AttributionSettings } from '../../../shared/jobs/attribution';
import { Attributor } from '../attribution/attribute';
import { toNpy } from '../attribution/export';
import { defaultSignMode, renderOverlay } from '../attribution/overlay';
import type { AttributionResult } from '../attribution/types';
import type { ModelRef } from '../jobs/protocol';
import type { WorkerEnv } from './types';
import { jobModelRef, photoTensor } from './inputs';
import type { Recipe } from './types';

interface Input {
  model: ModelRef;
  chw: [number, number, number];
  data: Float32Array;
  dims: number[];
  input: string;
  settings: AttributionSettings;
  labels?: string[];
  space: Preprocess;
}

// ---- worker half: attributors kept between jobs ---------------------------------------------------

/** Few entries: each holds a model's sessions (hundreds of MB for big models). */
const MAX_CACHED = 2;
const attributors = new Map<string, Attributor>();

async function releaseWhere(pred: (key: string, a: Attributor) => boolean): Promise<void> {
  for (const [k, a] of [...attributors]) {
    if (!pred(k, a)) continue;
    attributors.delete(k);
    await a.release();
  }
}

async function attributorFor(i: Input, env: WorkerEnv): Promise<Attributor> {
  const placement = env.placement();
  // Sessions live on one provider: when the setting changed, the old provider's sessions are dropped.
  await releaseWhere((_k, a) => a.placement.provider !== placement.provider || a.placement.threads !== placement.threads);
  const key = `${i.model.sha}|${i.chw.join('x')}|${JSON.stringify([i.space.rangeMin, i.space.rangeMax, i.space.mean, i.space.std])}|${i.labels?.length ?? 0}`;
  const hit = attributors.get(key);
  if (hit) {
    attributors.delete(key);
    attributors.set(key, hit); // most recently used goes last
    return hit;
  }
  const a = new Attributor(env.model(i.model).model, i.chw, { labels: i.labels, pixelSpace: i.space, label: i.model.fileName, placement, runtime: env.gradients, modelSha: i.model.sha });
  attributors.set(key, a);
  while (attributors.size > MAX_CACHED) {
    const [oldKey, old] = attributors.entries().next().value as [string, Attributor];
    attributors.delete(oldKey);
    await old.release();
  }
  return a;
}

export const attributionRecipe: Recipe<'attribution', Input, AttributionResult> = {
  kind: 'attribution',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    let settings: AttributionSettings;
    try {
      settings = parseAttributionSettings(spec.settings);
    } catch (e) {
      throw new EngineError('bad-args', (e as Error).message);
    }
    const pre = rec.preprocess;
    if (pre.layout !== 'NCHW') throw new EngineError('bad-args', `${rec.name}: attribution works on NCHW models; this model's preprocessing says ${pre.layout}.`);
    const { tensor, photo } = await photoTensor(store, rec, spec.photoId);
    const input: Input = {
      model: jobModelRef(store, rec), chw: [tensor.dims[1]!, pre.height, pre.width], data: tensor.data, dims: tensor.dims,
      input: rec.description.imageInput, settings, space: pre, ...(rec.labels ? { labels: rec.labels } : {}),
    };
    return { title: `${settings.method} on ${photo.name}`, input, transfer: [tensor.data.buffer as ArrayBuffer] };
  },

  async run(i, ctl, env) {
    ctl.progress(0.02, `computing ${i.settings.method}`);
    const a = await attributorFor(i, env);
    const r = await a.attribute({ data: i.data, shape: [1, ...i.chw] }, i.settings, {
      // after every batch: waits here while paused, stops here when cancelled
      onProgress: async (f) => {
        ctl.progress(0.03 + 0.9 * f);
        await ctl.check();
      },
    });
    const transfer = [r.map.buffer as ArrayBuffer];
    if (r.layerMap) transfer.push(r.layerMap.data.buffer as ArrayBuffer);
    return { output: r, transfer };
  },

  async release(sha) {
    await releaseWhere((k) => k.startsWith(`${sha}|`));
  },

  async save(r, spec, prepared, host) {
    const store = host.project();
    if (r.fallbackReason) host.fellBack(r.fallbackReason);
    const overlay = await renderOverlay(store.photoBytes(spec.photoId), r, { legend: true, maxSize: 768 });
    const i = prepared.input;
    const target = r.settings.target;
    return {
      run: {
        kind: 'attribution', modelId: spec.modelId, photoId: spec.photoId,
        settings: { attribution: r.settings, preprocess: i.space, input: i.input, dims: i.dims },
        result: {
          method: r.settings.method, target, targetText: describeTarget(target), targetScore: r.targetScore, shape: r.shape,
          ...(r.completeness ? { completeness: r.completeness } : {}),
          ...('layer' in r.settings && r.settings.layer ? { layer: r.settings.layer } : {}),
          signMode: defaultSignMode(r.settings.method), timings: r.timings,
          ...(r.providers ? { providers: r.providers } : {}), ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
        },
        status: 'done', provider: r.provider as ExecutionProviderName, durationMs: r.timings.totalMs,
      },
      artifacts: [
        { name: 'overlay.png', mime: 'image/png', bytes: new Uint8Array(overlay) },
        { name: 'map.npy', mime: 'application/x-npy', bytes: new Uint8Array(toNpy(r.map, r.shape)) },
      ],
    };
  },
};
