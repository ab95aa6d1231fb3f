// Host domain "runs and jobs": classify (one quick forward pass, answered directly), every kind of job
// through the one job runtime (job:start, and each kind's own run:* channel), pause / resume / cancel, and
// reading saved runs back: artifacts, a dream's export, an attribution's map and exports.
import * as fs from 'node:fs';
import { isAbsolute } from 'node:path';
import type { RunOf } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { reduceChannels } from '../../../shared/colormap';
import { attributionFileStem } from '../../../shared/attribution-names';
import type { ProjectStore } from '../../store/project';
import { topK } from '../runtime/classify';
import { DREAM_TEXT_KEY, dreamPngToJpeg, readDreamRecord } from '../dream/index';
import { fromNpy, toCsv, toNpy } from '../attribution/export';
import { renderOverlay } from '../attribution/overlay';
import { photoTensor } from '../recipes/inputs';
import { dreamPng } from '../recipes/dream';
import { adversarialExport } from '../recipes/adversarial';
import { featurevisExport } from '../featurevis/runs';
import { styleExport, stylizeExport } from '../style/runs';
import type { HostContext, Handlers } from './context';

type RunChannels =
  | 'run:classify' | 'run:activations' | 'run:dream' | 'run:attribute' | 'run:remove' | 'artifact:get'
  | 'job:start' | 'job:pause' | 'job:resume' | 'job:cancel' | 'job:list' | 'run:resume'
  | 'dream:export' | 'attribution:map' | 'attribution:export' | 'featurevis:export' | 'adversarial:export'
  | 'style:export' | 'stylize:export';

function attributionRun(store: ProjectStore, runId: string): { run: RunOf<'attribution'>; map: Float32Array; shape: number[] } {
  const run = store.run(runId);
  if (run.kind !== 'attribution') throw new EngineError('not-attribution', `Run ${runId} is a ${run.kind} run, not an attribution.`);
  const npy = run.artifacts.find((a) => a.name === 'map.npy');
  if (!npy) throw new EngineError('no-such-item', `Run ${runId} has no stored map.`);
  const { data, shape } = fromNpy(Buffer.from(store.artifact(npy.id).bytes));
  return { run, map: data, shape };
}

function photoNameOrUndefined(store: ProjectStore, photoId: string): string | undefined {
  try {
    return store.photo(photoId).name;
  } catch {
    return undefined; // removed since the run: the file is still worth naming
  }
}

export function runHandlers(ctx: HostContext): Handlers<RunChannels> {
  return {
    'run:classify': async ({ modelId, photoId, top }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      const out = rec.description.classifierOutput;
      if (!out) throw new EngineError('not-classifier', `${rec.name} is not a classifier: no output of shape [N, classes].`);
      const t0 = performance.now();
      const { tensor, preprocessMs } = await photoTensor(store, rec, photoId);
      const r = await ctx.worker.run(ctx.modelSource(rec), rec.description.imageInput, tensor.data, tensor.dims, [out]);
      const { top: classes, appliedSoftmax } = topK(r.outputs[out]!.data, top, rec.labels);
      const run = store.addRun<'classify'>({
        kind: 'classify', modelId, photoId,
        settings: { top, output: out, preprocess: rec.preprocess, input: rec.description.imageInput, dims: tensor.dims },
        result: { top: classes, appliedSoftmax, timings: { preprocessMs, sessionMs: r.sessionMs, runMs: r.runMs } },
        status: 'done', provider: r.provider, durationMs: performance.now() - t0,
      });
      ctx.changed();
      return run;
    },

    'job:start': (spec) => ctx.jobs.start(spec),
    'run:activations': (args) => ctx.jobs.start({ kind: 'activations', ...args }),
    'run:dream': (args) => ctx.jobs.start({ kind: 'dream', ...args }),
    'run:attribute': (args) => ctx.jobs.start({ kind: 'attribution', ...args }),
    'job:pause': ({ jobId }) => {
      ctx.jobs.pause(jobId);
      return null;
    },
    'job:resume': ({ jobId }) => {
      ctx.jobs.resume(jobId);
      return null;
    },
    'job:cancel': ({ jobId }) => {
      ctx.jobs.cancel(jobId);
      return null;
    },
    'job:list': () => ctx.jobs.list(),
    // an interrupted or failed run starts again into the same row (from its last frame where the recipe can)
    'run:resume': ({ runId }) => ctx.jobs.resumeRun(runId),

    'run:remove': ({ runId }) => {
      ctx.project().removeRun(runId);
      ctx.changed();
      return null;
    },
    'artifact:get': ({ artifactId }) => {
      const a = ctx.project().artifact(artifactId);
      return { mime: a.mime, base64: Buffer.from(a.bytes).toString('base64') };
    },

    'dream:export': async ({ runId, format, path: out, overwrite }) => {
      const store = ctx.project();
      const run = store.run(runId);
      const png = dreamPng(store, run);
      const base = `${(run.photoId ? store.photo(run.photoId).name : 'dream').replace(/\.[^.]+$/, '')}-dream`;
      let bytes: Uint8Array = png, mime = 'image/png', fileName = `${base}.png`;
      if (format === 'jpeg') {
        bytes = await dreamPngToJpeg(png); // the settings go along, in the JPEG's XMP
        mime = 'image/jpeg';
        fileName = `${base}.jpg`;
      } else if (!readDreamRecord(png)) {
        throw new EngineError('no-such-item', `the stored image of run ${runId} lacks its ${DREAM_TEXT_KEY} settings`);
      }
      if (out) {
        // never a relative path (the engine's working directory), never over a file unless asked to
        if (!isAbsolute(out)) throw new EngineError('relative-path', `dream:export: "${out}" is not an absolute path`);
        await fs.promises.writeFile(out, bytes, { flag: overwrite ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') throw new EngineError('exists', `dream:export: ${out} already exists; export again with overwrite to replace it.`);
          throw e;
        });
        return { fileName, mime, path: out };
      }
      return { fileName, mime, base64: Buffer.from(bytes).toString('base64') };
    },

    'featurevis:export': ({ runId, item }) => featurevisExport(ctx.project(), runId, item),
    'adversarial:export': ({ runId, image }) => adversarialExport(ctx.project(), runId, image),
    'style:export': ({ runId, format }) => styleExport(ctx.project(), runId, format),
    'stylize:export': ({ runId, item, format }) => stylizeExport(ctx.project(), runId, item, format),

    'attribution:map': ({ runId }) => {
      const { run, map, shape } = attributionRun(ctx.project(), runId);
      const { data, h, w } = reduceChannels(map, shape);
      return { width: w, height: h, base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), method: run.settings.attribution.method };
    },

    'attribution:export': async ({ runId, format, signMode, colormap, opacity, legend, outlierPercent }) => {
      const store = ctx.project();
      const { run, map, shape } = attributionRun(store, runId);
      const settings = run.settings.attribution;
      // readable and unique enough: dog-gradcam-golden_retriever (the photo may be gone: then "photo")
      const photoName = run.photoId ? photoNameOrUndefined(store, run.photoId) : undefined;
      const base = attributionFileStem(photoName, settings.method, run.result.target);
      if (format === 'npy') return { fileName: `${base}.npy`, mime: 'application/x-npy', base64: toNpy(map, shape).toString('base64') };
      if (format === 'csv') {
        try {
          return { fileName: `${base}.csv`, mime: 'text/csv', base64: Buffer.from(toCsv({ map, shape })).toString('base64') };
        } catch (e) {
          throw new EngineError('too-large', (e as Error).message);
        }
      }
      if (!run.photoId) throw new EngineError('no-such-item', `Run ${runId} has no photo to draw on.`);
      const png = await renderOverlay(store.photoBytes(run.photoId), { map, shape, settings }, {
        ...(signMode ? { signMode } : {}), ...(colormap ? { colormap } : {}), ...(opacity !== undefined ? { opacity } : {}), legend: legend ?? true,
        ...(outlierPercent !== undefined ? { outlierPercent } : {}),
      });
      return { fileName: `${base}.png`, mime: 'image/png', base64: png.toString('base64') };
    },
  };
}
