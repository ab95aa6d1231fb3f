// Host domain "models": add (ONNX, or a TF.js Layers model converted on the way in), remove, embed in the
// project, inspect at another size, preprocessing and class labels.
import * as fs from 'node:fs';
import type { Result } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { sha256 } from '../onnx/inspect';
import { parseLabels } from '../runtime/classify';
import { importTfjsModel, isTfjsModelJson } from '../importers/index';
import type { ModelRef } from '../jobs/protocol';
import { resolveSource } from './sources';
import { shardResolver } from './shards';
import { tfjsModelName } from './tfjs-name';
import { remember, type HostContext, type Handlers } from './context';
import { modelFilters } from '../featurevis/filters';
import { hostModel } from '../recipes/featurevis';
import { describeGraph } from '../onnx/graph';
import { builtInLabels } from '../labels/imagenet';

export function modelHandlers(ctx: HostContext): Handlers<'model:add' | 'model:remove' | 'model:embed' | 'model:inspect' | 'model:setPreprocess' | 'model:setLabels' | 'model:filters' | 'model:graph'> {
  const inspected = new Map<string, Result<'model:inspect'>>();
  const filters = new Map<string, Result<'model:filters'>>();
  const graphs = new Map<string, Result<'model:graph'>>();
  return {
    'model:add': async ({ source, embed, shards }) => {
      const store = ctx.project();
      const src = resolveSource(source, 'model', ctx.uploadDir());
      let bytes: Uint8Array = await fs.promises.readFile(src.path);
      // A TF.js Layers model.json (Keras, Teachable Machine, ml5) becomes ONNX here; the converted
      // bytes exist only in the project, so they are always embedded. Its weight shards sit beside a
      // path, or come as `shards` (uploads get random names, so they are matched by their original name).
      const tfjs = isTfjsModelJson(src.name, bytes);
      // every TF.js model is "model.json": list it by its Keras name or folder instead
      const name = tfjs ? tfjsModelName(src, bytes) : src.name;
      if (tfjs) {
        const resolveShard = shardResolver(src, (shards ?? []).map((s) => resolveSource(s, 'model', ctx.uploadDir())));
        // the Keras name goes into the ONNX graph: two different models that share weights are not one model
        bytes = (await importTfjsModel(src.path, { name, ...(resolveShard ? { resolveShard } : {}) })).bytes;
      }
      const sha = sha256(bytes);
      // The same bytes twice would be a silent identical copy (without the first one's labels and
      // preprocessing): say which model it already is, so the person uses that one.
      const same = store.state().models.find((m) => m.sha256 === sha);
      if (same) {
        throw new EngineError('model-exists', `${name} is already in this project as "${same.name}" (same sha256 ${sha.slice(0, 12)}…): not added again. Use "${same.name}"${same.labels?.length ? ', with its labels' : ''}.`);
      }
      // An upload is a temporary copy, so its bytes always go into the project.
      const keep = embed || src.temporary || tfjs;
      // The worker reads a file on disk itself (external data resolves next to it); only bytes that exist
      // nowhere else (uploads, conversions) are sent, so the weights are not copied across threads.
      const ref: ModelRef = src.temporary || tfjs ? { sha, fileName: src.name, bytes } : { sha, fileName: src.name, path: src.path };
      const description = await ctx.worker.inspect(ref);
      // a 1000-way (or 1001-way) classifier gets the ImageNet names that ship with the app; a labels file replaces them
      const names = builtInLabels(description.classCount);
      const rec = store.addModel(
        { name, path: src.temporary ? src.name : src.path, sha256: sha, description, preprocess: description.suggestedPreprocess, ...(names ? { labels: names.labels } : {}) },
        keep ? bytes : null,
      );
      ctx.changed();
      return rec;
    },
    'model:remove': async ({ modelId, seenRunIds }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      store.removeModel(modelId, seenRunIds);
      // the worker drops the model's sessions (forward, gradient, attribution) unless another record uses the same bytes
      if (!store.state().models.some((m) => m.sha256 === rec.sha256)) await ctx.worker.release(rec.sha256);
      ctx.changed();
      return null;
    },
    'model:embed': async ({ modelId }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      if (rec.embedded) return rec;
      let bytes: Uint8Array;
      try {
        bytes = await fs.promises.readFile(rec.path);
      } catch {
        throw new EngineError('model-missing', `Cannot embed ${rec.name}: its file ${rec.path} is gone. Add the model again with "Embed in project".`);
      }
      // Only the bytes the model was added with: a file changed since then is a different model.
      if (sha256(bytes) !== rec.sha256) {
        throw new EngineError('model-changed', `Cannot embed ${rec.name}: ${rec.path} changed since it was added (different sha256). Add it again as a new model.`);
      }
      const out = store.embedModel(modelId, bytes);
      ctx.changed();
      return out;
    },
    'model:inspect': async ({ modelId, width, height }) => {
      const rec = ctx.project().model(modelId);
      const w = width ?? height, h = height ?? width;
      if (!w || !h || (w === rec.description.inspectedSize.width && h === rec.description.inspectedSize.height)) return rec.description;
      // Same model bytes at the same size always give the same description: keep a few.
      const key = `${rec.sha256}|${w}x${h}`;
      const hit = inspected.get(key);
      if (hit) return hit;
      const d = await ctx.worker.inspect(ctx.modelSource(rec), w, h);
      remember(inspected, key, d, 16);
      return d;
    },
    'model:filters': async ({ modelId }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      // the filters are drawn through the preprocessing (channel order, scale): both are part of the key
      const key = `${rec.sha256}|${JSON.stringify(rec.preprocess)}`;
      if (filters.has(key)) return filters.get(key)!;
      const f = await modelFilters(rec, hostModel(store, rec));
      remember(filters, key, f, 8);
      return f;
    },
    'model:graph': async ({ modelId }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      const hit = graphs.get(rec.sha256);
      if (hit) return hit;
      const g = describeGraph(hostModel(store, rec), rec.description);
      remember(graphs, rec.sha256, g, 4);
      return g;
    },
    'model:setPreprocess': ({ modelId, preprocess }) => {
      const rec = ctx.project().setModelPreprocess(modelId, preprocess);
      ctx.changed();
      return rec;
    },
    'model:setLabels': async ({ modelId, source, builtIn }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      let labels: string[] | null = null;
      if (builtIn) {
        if (source) throw new EngineError('bad-args', 'builtIn: give either a labels file (source) or the built-in names, not both');
        const names = builtInLabels(rec.description.classCount);
        if (!names) throw new EngineError('no-built-in-labels', `${rec.name} has ${rec.description.classCount ?? 'no'} classes; built-in names exist for 1000-way (ImageNet) and 1001-way classifiers only.`);
        labels = names.labels;
      } else if (source) {
        const src = resolveSource(source, 'labels', ctx.uploadDir());
        labels = parseLabels(await fs.promises.readFile(src.path, 'utf8'));
        const k = rec.description.classCount;
        if (k && labels.length !== k) throw new EngineError('labels-mismatch', `${src.name} has ${labels.length} labels but ${rec.name} has ${k} classes.`);
      }
      const out = store.setModelLabels(modelId, labels);
      ctx.changed();
      return out;
    },
  };
}
