// Host handlers for attribution: 'run:attribute' (a job in the attribution worker; the run is saved
// with its exact settings, the overlay PNG and the raw map), 'attribution:map' (the map for the UI to
// draw) and 'attribution:export' (PNG / .npy / CSV). Registered in host.ts with one line.
import * as fs from 'node:fs';
import type { EngineStatus, ModelRecord, ParsedArgs, Result, RunRecord } from '../../../shared/contract';
import type { ProjectStore } from '../../store/project';
import { decodeResized } from '../image/image';
import { imageToTensor } from '../image/preprocess';
import { pixelSpace } from '../attribution/baselines';
import { reduceChannels } from '../../../shared/colormap';
import { fromNpy, toCsv, toNpy } from '../attribution/export';
import { defaultSignMode, renderOverlay } from '../attribution/overlay';
import { describeTarget } from '../../../shared/attribution-target';
import { parseAttributionSettings, type AttributionSettings } from '../attribution/types';
import { AttributionWorker } from '../attribution/worker-client';
import type { Jobs } from './jobs';

type Handler<C extends 'run:attribute' | 'attribution:map' | 'attribution:export'> = (args: ParsedArgs<C>) => Promise<Result<C>> | Result<C>;

/** How the host names a model's weights: a file, bytes, or bytes read lazily from the project. */
export interface HostModel { sha: string; fileName: string; path?: string; bytes?: Uint8Array | (() => Uint8Array) }

export interface AttributionHostContext {
  project(): ProjectStore;
  modelRef(rec: ModelRecord): HostModel;
  jobs(): Jobs;
  changed(): void;
  /** the engine's provider status: attribution sessions go on its `active` provider (CPU when absent) */
  engine?(): EngineStatus;
  /** a run's sessions fell back to CPU: the engine status says so (once) */
  fellBack?(reason: string): void;
}

class AttributionHostError extends Error {
  constructor(public code: string, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

/** What a saved attribution run keeps in `settings` (exactly what ran) and `result`. */
export interface AttributionRunSettings { attribution: AttributionSettings; preprocess: ModelRecord['preprocess']; input: string; dims: number[] }

let worker: AttributionWorker | undefined;

/** Drop a removed model's compiled attribution sessions (they hold hundreds of MB for big models). */
export async function releaseAttributionModel(sha: string): Promise<void> {
  await worker?.release(sha);
}

export function attributionHandlers(ctx: AttributionHostContext): {
  'run:attribute': Handler<'run:attribute'>;
  'attribution:map': Handler<'attribution:map'>;
  'attribution:export': Handler<'attribution:export'>;
} {
  const attributionRun = (runId: string) => {
    const store = ctx.project();
    const run = store.run(runId);
    if (run.kind !== 'attribution') throw new AttributionHostError('not-attribution', `Run ${runId} is a ${run.kind} run, not an attribution.`);
    const npy = run.artifacts.find((a) => a.name === 'map.npy');
    if (!npy) throw new AttributionHostError('no-such-item', `Run ${runId} has no stored map.`);
    const { data, shape } = fromNpy(Buffer.from(store.artifact(npy.id).bytes));
    return { store, run, map: data, shape, settings: (run.settings as unknown as AttributionRunSettings).attribution };
  };

  return {
    'run:attribute': ({ modelId, photoId, settings: raw }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      const photo = store.photo(photoId);
      let settings: AttributionSettings;
      try {
        settings = parseAttributionSettings(raw);
      } catch (e) {
        throw new AttributionHostError('bad-args', (e as Error).message);
      }
      const pre = rec.preprocess;
      if (pre.layout !== 'NCHW') throw new AttributionHostError('bad-args', `${rec.name}: attribution works on NCHW models; this model's preprocessing says ${pre.layout}.`);
      const src = ctx.modelRef(rec);
      // the worker reads a file itself; bytes cross threads only for models that live in the project
      const ref = src.path && fs.existsSync(src.path)
        ? { sha: src.sha, fileName: src.fileName, path: src.path }
        : { sha: src.sha, fileName: src.fileName, bytes: typeof src.bytes === 'function' ? src.bytes() : src.bytes };
      worker ??= new AttributionWorker();
      const w = worker;
      return ctx.jobs().start('attribution', `${settings.method} on ${photo.name}`, async (ctl): Promise<RunRecord> => {
        const t0 = performance.now();
        ctl.step(0.01, 'preparing the photo');
        const photoBytes = store.photoBytes(photoId);
        const img = await decodeResized(photoBytes, pre.width, pre.height, pre.resize, photo.name);
        const tensor = imageToTensor(img, pre, 3);
        ctl.step(0.03, `computing ${settings.method}`);
        const handle = w.attribute(
          {
            model: ref, chw: [3, pre.height, pre.width], input: tensor.data, settings, labels: rec.labels, pixelSpace: pixelSpace(pre),
            placement: { provider: ctx.engine?.().active ?? 'cpu' },
          },
          (f) => {
            try { ctl.step(0.03 + 0.9 * f); } catch { handle.cancel(); }
          },
        );
        let r;
        try {
          r = await handle.result;
        } catch (e) {
          if ((e as { code?: string }).code === 'cancelled' || ctl.cancelled) ctl.step(1); // throws Cancelled
          throw e;
        }
        if (r.fallbackReason) ctx.fellBack?.(r.fallbackReason);
        ctl.step(0.95, 'drawing the overlay');
        const overlay = await renderOverlay(photoBytes, r, { legend: true, maxSize: 768 });
        if (!ctx.project().isOpen || ctx.project() !== store) throw new AttributionHostError('no-project', 'The project was closed while the job ran.');
        const runSettings: AttributionRunSettings = { attribution: r.settings, preprocess: pre, input: rec.description.imageInput, dims: tensor.dims };
        const run = store.addRun(
          {
            kind: 'attribution', modelId, photoId,
            settings: runSettings as unknown as Record<string, unknown>,
            result: {
              method: r.settings.method,
              target: r.settings.target,
              targetText: describeTarget(r.settings.target),
              targetScore: r.targetScore,
              shape: r.shape,
              ...(r.completeness ? { completeness: r.completeness } : {}),
              ...('layer' in r.settings && r.settings.layer ? { layer: r.settings.layer } : {}),
              signMode: defaultSignMode(r.settings.method),
              timings: r.timings,
              ...(r.providers ? { providers: r.providers } : {}),
              ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
            },
            status: 'done', provider: r.provider, durationMs: performance.now() - t0,
          },
          [
            { name: 'overlay.png', mime: 'image/png', bytes: new Uint8Array(overlay) },
            { name: 'map.npy', mime: 'application/x-npy', bytes: new Uint8Array(toNpy(r.map, r.shape)) },
          ],
        );
        return run;
      });
    },

    'attribution:map': ({ runId }) => {
      const { map, shape, settings } = attributionRun(runId);
      const { data, h, w } = reduceChannels(map, shape);
      return { width: w, height: h, base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), method: settings.method };
    },

    'attribution:export': async ({ runId, format, signMode, colormap, opacity, legend }) => {
      const { store, run, map, shape, settings } = attributionRun(runId);
      const base = `${settings.method}-${run.id}`;
      if (format === 'npy') return { fileName: `${base}.npy`, mime: 'application/x-npy', base64: toNpy(map, shape).toString('base64') };
      if (format === 'csv') {
        try {
          return { fileName: `${base}.csv`, mime: 'text/csv', base64: Buffer.from(toCsv({ map, shape })).toString('base64') };
        } catch (e) {
          throw new AttributionHostError('too-large', (e as Error).message);
        }
      }
      if (!run.photoId) throw new AttributionHostError('no-such-item', `Run ${runId} has no photo to draw on.`);
      const png = await renderOverlay(store.photoBytes(run.photoId), { map, shape, settings }, {
        ...(signMode ? { signMode } : {}), ...(colormap ? { colormap } : {}), ...(opacity !== undefined ? { opacity } : {}), legend: legend ?? true,
      });
      return { fileName: `${base}.png`, mime: 'image/png', base64: png.toString('base64') };
    },
  };
}
