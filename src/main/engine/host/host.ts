// The engine host's state and request handlers: it owns the open project (store), the jobs and the
// compute worker, validates every request with the contract's `parseArgs`, and emits events.
// Transport-free: main.ts wires it to fork IPC / Electron ports.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseArgs, type Channel, type DefaultModelStatus, type EngineStatus, type EventMap, type EventName, type ModelRecord, type ParsedArgs,
  type Preprocess, type ProviderSetting, type Result, type RunRecord,
} from '../../../shared/contract';
import { ProjectError, ProjectStore } from '../../store/project';
import { dataDir, listRecent, rememberRecent } from '../../store/recent';
import { sha256 } from '../onnx/inspect';
import { decodeResized, encodePng, imageInfo, thumbnail } from '../image/image';
import { imageToTensor } from '../image/preprocess';
import { activationGrid, GRID_GAP } from '../image/grid';
import { parseLabels, topK } from '../runtime/classify';
import { Compute, type ModelSource } from './compute';
import type { ModelRef } from './compute-protocol';
import { Jobs } from './jobs';
import { dreamHandlers } from './dream';
import { attributionHandlers, releaseAttributionModel } from './attribution';
import { resolveSource } from './sources';
import { importTfjsModel, isTfjsModelJson } from '../importers/index';
import { ensureDefaultModel } from '../importers/default-model';
import { shardResolver } from './shards';
import { tfjsModelName } from './tfjs-name';

export class HostError extends Error {
  constructor(public code: string, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

type Handler<C extends Channel> = (args: ParsedArgs<C>) => Promise<Result<C>> | Result<C>;

export interface HostOptions {
  uploadDir?: string;
  emit: <E extends EventName>(event: E, payload: EventMap[E]) => void;
}

export class Host {
  private store: ProjectStore | null = null;
  private engine: EngineStatus = { setting: 'auto', active: 'cpu', available: ['cpu'] };
  /** the built-in model's last build outcome, reported with every engine status */
  private defaultModel: DefaultModelStatus | undefined = process.env.FEATURESCOPE_NO_DEFAULT_MODEL === '1' ? { state: 'off' } : undefined;
  readonly compute = new Compute();
  readonly jobs: Jobs;
  uploadDir: string | undefined;
  private ready: Promise<void>;
  private inspectCache = new Map<string, Result<'model:inspect'>>();
  private thumbCache = new Map<string, Result<'photo:thumbnail'>>();
  /** last model run time per (model, input shape), for job ETAs */
  private lastRunMs = new Map<string, number>();

  constructor(private opts: HostOptions) {
    this.uploadDir = opts.uploadDir;
    this.jobs = new Jobs({
      update: (job) => opts.emit('job:update', job),
      done: (job, run) => {
        opts.emit('job:done', run ? { job, run } : { job });
        if (run && this.store?.isOpen) this.changed();
      },
    });
    this.compute.onStatus = (s) => {
      this.engine = s;
      opts.emit('engine:status', this.status());
    };
    this.ready = this.compute.setProvider(readSettings().provider).then((s) => { this.engine = s; }, () => undefined);
  }

  async handle(channel: Channel, rawArgs: unknown): Promise<unknown> {
    const args = parseArgs(channel, rawArgs);
    const h = this.handlers[channel] as Handler<Channel>;
    return h(args as never);
  }

  async dispose(): Promise<void> {
    this.store?.close();
    this.store = null;
    await this.compute.terminate();
  }

  private project(): ProjectStore {
    if (!this.store?.isOpen) throw new HostError('no-project', 'No project is open: create or open a project first.');
    return this.store;
  }

  private status(): EngineStatus {
    return this.defaultModel ? { ...this.engine, defaultModel: { ...this.defaultModel } } : { ...this.engine };
  }

  /**
   * A run's sessions fell back to CPU although the provider probe passed (the provider could not take that
   * model). The status bar says it once, in plain words: only the first reason since the last setProvider.
   */
  private fellBack(reason: string): void {
    if (this.engine.fallbackReason) return;
    this.engine = { ...this.engine, fallbackReason: reason };
    this.opts.emit('engine:status', this.status());
  }

  private setDefaultModelStatus(s: DefaultModelStatus): void {
    this.defaultModel = s;
    this.opts.emit('engine:status', this.status());
  }

  private changed(): void {
    if (this.store?.isOpen) this.opts.emit('project:changed', this.store.state());
  }

  /**
   * Every new project starts with the built-in InceptionV3 (importers/default-model.ts). When it cannot be
   * built the project is still created, and the reason goes out with the engine status
   * (`defaultModel: {state:'failed', message}`) for the UI to say once. FEATURESCOPE_NO_DEFAULT_MODEL=1 skips it.
   */
  private async addDefaultModel(): Promise<void> {
    if (process.env.FEATURESCOPE_NO_DEFAULT_MODEL === '1') return;
    try {
      await this.buildDefaultModel();
    } catch (e) {
      console.error(`featurescope: no default model in this project: ${(e as Error).message}`);
    }
  }

  /** Builds (or finds cached) the default model and adds it to the open project; the outcome is reported in the engine status. */
  private async buildDefaultModel(): Promise<ModelRecord> {
    const store = this.project();
    this.setDefaultModelStatus({ state: 'building' });
    try {
      const info = await ensureDefaultModel();
      const bytes = await fs.promises.readFile(info.path);
      const sha = sha256(bytes);
      if (store.state().models.some((m) => m.sha256 === sha)) throw new HostError('exists', `${info.name} is already in this project.`);
      const description = await this.compute.inspect({ sha, fileName: path.basename(info.path), bytes, path: info.path });
      const rec = store.addModel({ name: info.name, path: info.path, sha256: sha, description, preprocess: info.preprocess }, null);
      this.setDefaultModelStatus({ state: 'ready' });
      this.changed();
      return rec;
    } catch (e) {
      const err = e as Error;
      if (err instanceof HostError && err.code === 'exists') {
        this.setDefaultModelStatus({ state: 'ready' });
        throw err;
      }
      // the importer's message starts "The default InceptionV3 model …"; say the subject once
      const why = err.message.trim().replace(/^The default InceptionV3 model /, '');
      const reason = /[.!?]$/.test(why) ? why : `${why}.`;
      const message = `The built-in InceptionV3 model is not available: ${reason} Everything else works; add your own ONNX or TF.js model.`;
      this.setDefaultModelStatus({ state: 'failed', message });
      throw new HostError('default-model-failed', message);
    }
  }

  private setStore(s: ProjectStore) {
    this.store?.close();
    this.store = s;
    rememberRecent(s.path, s.name);
    this.changed();
  }

  /** How the compute worker gets this model: the original file when it is still there, else the embedded bytes. */
  private modelSource(rec: ModelRecord): ModelSource {
    const onDisk = fs.existsSync(rec.path) && fs.statSync(rec.path).isFile() && fs.statSync(rec.path).size === rec.description.fileSize;
    if (onDisk && !rec.embedded) return { sha: rec.sha256, fileName: rec.name, path: rec.path };
    if (rec.embedded) {
      const store = this.project();
      // Embedded weights are the truth for an embedded model; read from the project only if the worker needs them.
      return {
        sha: rec.sha256, fileName: rec.name, ...(onDisk ? { path: rec.path } : {}),
        bytes: () => {
          const b = store.modelBytes(rec.id);
          if (!b) throw new HostError('model-missing', `The embedded copy of ${rec.name} is missing from the project.`);
          return b;
        },
      };
    }
    throw new HostError('model-missing', `The model file ${rec.path} is gone and the model was not embedded in the project. Add it again (with "embed" to keep it in the project).`);
  }

  /** modelSource with embedded bytes read now (for workers that take plain ModelRefs). */
  private modelRef(rec: ModelRecord): ModelRef {
    const src = this.modelSource(rec);
    const { bytes, ...rest } = src;
    return bytes ? { ...rest, bytes: typeof bytes === 'function' ? bytes() : bytes } : rest;
  }

  /** Photo → model input tensor, following the model's preprocessing. */
  private async photoTensor(rec: ModelRecord, photoId: string) {
    const store = this.project();
    const photo = store.photo(photoId);
    const pre: Preprocess = rec.preprocess;
    const t0 = performance.now();
    const img = await decodeResized(store.photoBytes(photoId), pre.width, pre.height, pre.resize, photo.name);
    const input = rec.description.inputs.find((i) => i.name === rec.description.imageInput);
    const ch = pre.layout === 'NCHW' ? input?.shape[1] : input?.shape[3];
    const tensor = imageToTensor(img, pre, ch === 1 ? 1 : 3);
    return { tensor, photo, preprocessMs: performance.now() - t0 };
  }

  private readonly handlers: { [C in Channel]: Handler<C> } = {
    'project:create': async ({ path: file }) => {
      this.setStore(ProjectStore.create(file));
      await this.addDefaultModel();
      return this.project().state();
    },
    'project:open': ({ path: file }) => {
      this.setStore(ProjectStore.open(file));
      return this.project().state();
    },
    'project:close': () => {
      this.store?.close();
      this.store = null;
      return null;
    },
    'project:recent': () => listRecent(),
    'project:state': () => (this.store?.isOpen ? this.store.state() : null),
    'project:saveView': ({ view }) => {
      this.project().saveView(view);
      return null;
    },

    'model:add': async ({ source, embed, shards }) => {
      const store = this.project();
      const src = resolveSource(source, 'model', this.uploadDir);
      let bytes: Uint8Array = await fs.promises.readFile(src.path);
      // A TF.js Layers model.json (Keras, Teachable Machine, ml5) becomes ONNX here; the converted
      // bytes exist only in the project, so they are always embedded. Its weight shards sit beside a
      // path, or come as `shards` (uploads get random names, so they are matched by their original name).
      const tfjs = isTfjsModelJson(src.name, bytes);
      // every TF.js model is "model.json": list it by its Keras name or folder instead
      const name = tfjs ? tfjsModelName(src, bytes) : src.name;
      if (tfjs) {
        const resolveShard = shardResolver(src, (shards ?? []).map((s) => resolveSource(s, 'model', this.uploadDir)));
        bytes = (await importTfjsModel(src.path, resolveShard ? { resolveShard } : {})).bytes;
      }
      const sha = sha256(bytes);
      // An upload is a temporary copy, so its bytes always go into the project.
      const keep = embed || src.temporary || tfjs;
      // The worker reads a file on disk itself (external data resolves next to it); only bytes that exist
      // nowhere else (uploads, conversions) are sent, so the weights are not copied across threads.
      const ref: ModelRef = src.temporary || tfjs ? { sha, fileName: src.name, bytes } : { sha, fileName: src.name, path: src.path };
      const description = await this.compute.inspect(ref);
      const rec = store.addModel(
        { name, path: src.temporary ? src.name : src.path, sha256: sha, description, preprocess: description.suggestedPreprocess },
        keep ? bytes : null,
      );
      this.changed();
      return rec;
    },
    'model:remove': async ({ modelId }) => {
      const store = this.project();
      const rec = store.model(modelId);
      store.removeModel(modelId);
      if (!store.state().models.some((m) => m.sha256 === rec.sha256)) {
        await this.compute.release(rec.sha256);
        await releaseAttributionModel(rec.sha256);
      }
      this.changed();
      return null;
    },
    'model:embed': async ({ modelId }) => {
      const store = this.project();
      const rec = store.model(modelId);
      if (rec.embedded) return rec;
      let bytes: Uint8Array;
      try {
        bytes = await fs.promises.readFile(rec.path);
      } catch {
        throw new HostError('model-missing', `Cannot embed ${rec.name}: its file ${rec.path} is gone. Add the model again with "Embed in project".`);
      }
      // Only the bytes the model was added with: a file changed since then is a different model.
      if (sha256(bytes) !== rec.sha256) {
        throw new HostError('model-changed', `Cannot embed ${rec.name}: ${rec.path} changed since it was added (different sha256). Add it again as a new model.`);
      }
      const out = store.embedModel(modelId, bytes);
      this.changed();
      return out;
    },
    'model:addDefault': () => this.buildDefaultModel(),
    'model:inspect': async ({ modelId, width, height }) => {
      const store = this.project();
      const rec = store.model(modelId);
      const w = width ?? height, h = height ?? width;
      if (!w || !h || (w === rec.description.inspectedSize.width && h === rec.description.inspectedSize.height)) return rec.description;
      // Same model bytes at the same size always give the same description: keep a few.
      const key = `${rec.sha256}|${w}x${h}`;
      const hit = this.inspectCache.get(key);
      if (hit) return hit;
      const d = await this.compute.inspect(this.modelSource(rec), w, h);
      remember(this.inspectCache, key, d, 16);
      return d;
    },
    'model:setPreprocess': ({ modelId, preprocess }) => {
      const rec = this.project().setModelPreprocess(modelId, preprocess);
      this.changed();
      return rec;
    },
    'model:setLabels': async ({ modelId, source }) => {
      const store = this.project();
      const rec = store.model(modelId);
      let labels: string[] | null = null;
      if (source) {
        const src = resolveSource(source, 'labels', this.uploadDir);
        labels = parseLabels(await fs.promises.readFile(src.path, 'utf8'));
        const k = rec.description.classCount;
        if (k && labels.length !== k) {
          throw new HostError('labels-mismatch', `${src.name} has ${labels.length} labels but ${rec.name} has ${k} classes.`);
        }
      }
      const out = store.setModelLabels(modelId, labels);
      this.changed();
      return out;
    },

    'photo:add': async ({ source }) => {
      const store = this.project();
      const src = resolveSource(source, 'photo', this.uploadDir);
      const bytes = await fs.promises.readFile(src.path);
      const info = await imageInfo(bytes, src.name);
      const rec = store.addPhoto({ name: src.name, mime: info.mime, width: info.width, height: info.height, sha256: sha256(bytes) }, bytes);
      this.changed();
      return rec;
    },
    'photo:remove': ({ photoId }) => {
      this.project().removePhoto(photoId);
      this.changed();
      return null;
    },
    'photo:thumbnail': async ({ photoId, maxSize }) => {
      const store = this.project();
      const photo = store.photo(photoId);
      // Photos never change (a new one is a new id), so thumbnails are cached by content hash and size.
      const key = `${photo.sha256}|${maxSize}`;
      const hit = this.thumbCache.get(key);
      if (hit) return hit;
      const t = await thumbnail(store.photoBytes(photoId), maxSize, photo.name);
      const out = { mime: t.mime, base64: Buffer.from(t.bytes).toString('base64'), width: t.width, height: t.height };
      remember(this.thumbCache, key, out, 64);
      return out;
    },

    'run:classify': async ({ modelId, photoId, top }) => {
      const store = this.project();
      const rec = store.model(modelId);
      const out = rec.description.classifierOutput;
      if (!out) throw new HostError('not-classifier', `${rec.name} is not a classifier: no output of shape [N, classes].`);
      const t0 = performance.now();
      const { tensor, preprocessMs } = await this.photoTensor(rec, photoId);
      const r = await this.compute.run(this.modelSource(rec), rec.description.imageInput, tensor.data, tensor.dims, [out]);
      this.lastRunMs.set(`${rec.sha256}|${tensor.dims.join('x')}`, r.runMs + r.sessionMs);
      const row = r.outputs[out]!.data;
      const { top: classes, appliedSoftmax } = topK(row, top, rec.labels);
      const run = store.addRun({
        kind: 'classify', modelId, photoId,
        settings: { top, output: out, preprocess: rec.preprocess, input: rec.description.imageInput, dims: tensor.dims },
        result: { top: classes, appliedSoftmax, timings: { preprocessMs, sessionMs: r.sessionMs, runMs: r.runMs } },
        status: 'done', provider: r.provider, durationMs: performance.now() - t0,
      });
      this.changed();
      return run;
    },

    'run:activations': ({ modelId, photoId, layer, maxChannels }) => {
      const store = this.project();
      const rec = store.model(modelId);
      const info = rec.description.layers.find((l) => l.name === layer);
      if (!info) throw new HostError('no-such-layer', `${rec.name} has no layer "${layer}".`);
      if (info.shape.length !== 4) throw new HostError('not-a-feature-map', `Layer "${layer}" is a vector [${info.shape.join(',')}]; activation maps need a [1,C,H,W] feature map.`);
      const photo = store.photo(photoId);
      const ref = this.modelSource(rec);
      return this.jobs.start('activations', `Activations of ${layer} on ${photo.name}`, async (ctl): Promise<RunRecord> => {
        const t0 = performance.now();
        ctl.step(0.02, 'preparing the photo');
        const { tensor, preprocessMs } = await this.photoTensor(rec, photoId);
        // ETA: how long the same model took last time (session creation included when it was cold)
        const key = `${rec.sha256}|${tensor.dims.join('x')}`;
        const last = this.lastRunMs.get(key);
        ctl.step(0.1, `running ${rec.name}`, last);
        const r = await this.compute.run(ref, rec.description.imageInput, tensor.data, tensor.dims, [layer]);
        this.lastRunMs.set(key, r.runMs + r.sessionMs);
        ctl.step(0.8, 'drawing the activation grid');
        const act = r.outputs[layer]!;
        const grid = activationGrid(act.data, act.dims, maxChannels);
        const settings = { layer, maxChannels, preprocess: rec.preprocess, input: rec.description.imageInput, dims: tensor.dims };
        const png = await encodePng(grid.image, { text: { featurescope: JSON.stringify({ kind: 'activations', model: rec.name, modelSha256: rec.sha256, photo: photo.name, ...settings }) } });
        ctl.step(0.95, 'saving');
        if (!this.store?.isOpen || this.store !== store) throw new HostError('no-project', 'The project was closed while the job ran.');
        return store.addRun(
          {
            kind: 'activations', modelId, photoId, settings,
            result: {
              layer, shape: act.dims, channels: grid.channels, grid: { cols: grid.cols, rows: grid.rows, cell: grid.cell, gap: GRID_GAP, width: grid.image.width, height: grid.image.height },
              timings: { preprocessMs, sessionMs: r.sessionMs, runMs: r.runMs },
            },
            status: 'done', provider: r.provider, durationMs: performance.now() - t0,
          },
          [{ name: 'activations.png', mime: 'image/png', bytes: png }],
        );
      });
    },
    'run:remove': ({ runId }) => {
      this.project().removeRun(runId);
      this.changed();
      return null;
    },
    'artifact:get': ({ artifactId }) => {
      const a = this.project().artifact(artifactId);
      return { mime: a.mime, base64: Buffer.from(a.bytes).toString('base64') };
    },

    ...attributionHandlers({ project: () => this.project(), modelRef: (r) => this.modelRef(r), jobs: () => this.jobs, changed: () => this.changed(), engine: () => this.engine, fellBack: (r) => this.fellBack(r) }),
    ...dreamHandlers({ project: () => this.project(), jobs: () => this.jobs, changed: () => this.changed(), emit: (e, p) => this.opts.emit(e, p), engine: () => this.engine, fellBack: (r) => this.fellBack(r) }),
    'job:list': () => this.jobs.list(),
    'job:cancel': ({ jobId }) => {
      this.jobs.cancel(jobId);
      return null;
    },

    'engine:status': async () => {
      await this.ready;
      return this.status();
    },
    'engine:setProvider': async ({ provider }) => {
      await this.ready;
      this.engine = await this.compute.setProvider(provider);
      writeSettings({ provider });
      return this.status();
    },
  };
}

/** Insert into a small cache, dropping the oldest entry beyond `max`. */
function remember<V>(m: Map<string, V>, key: string, value: V, max: number): void {
  m.set(key, value);
  while (m.size > max) m.delete(m.keys().next().value as string);
}

// ---- app settings (the provider choice survives restarts) -------------------------------------------

interface Settings { provider: ProviderSetting }

function settingsFile(): string {
  return path.join(dataDir(), 'settings.json');
}

function readSettings(): Settings {
  try {
    const s = JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as Partial<Settings>;
    const ok = ['auto', 'cuda', 'dml', 'coreml', 'webgpu', 'cpu'];
    return { provider: s.provider && ok.includes(s.provider) ? s.provider : 'auto' };
  } catch {
    return { provider: 'auto' };
  }
}

function writeSettings(s: Settings): void {
  fs.mkdirSync(dataDir(), { recursive: true });
  const tmp = `${settingsFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2));
  fs.renameSync(tmp, settingsFile());
}

export { ProjectError };
