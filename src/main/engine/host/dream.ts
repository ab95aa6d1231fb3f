// Host handlers for DeepDream: 'run:dream' (a job in its own worker thread, with live previews,
// progress/ETA, pause/resume/cancel; the run is saved with every setting, the model's sha256, the
// provider, seed and timings, and the full-size PNG that carries them), 'job:pause' / 'job:resume',
// and 'dream:export' (PNG with the settings in a text chunk, or JPEG with them in its XMP). Registered in host.ts with one line.
import * as fs from 'node:fs';
import type { EngineStatus, EventMap, EventName, JobInfo, ModelRecord, ParsedArgs, Result, RunRecord } from '../../../shared/contract';
import type { ProjectStore } from '../../store/project';
import { DREAM_TEXT_KEY, dreamPngToJpeg, dreamRecord, encodeDream, parseDreamSettings, readDreamRecord } from '../dream/index';
import { startDreamJob, type DreamJob } from '../dream/job';
import type { Jobs } from './jobs';

type DreamChannel = 'run:dream' | 'job:pause' | 'job:resume' | 'dream:export';
type Handler<C extends DreamChannel> = (args: ParsedArgs<C>) => Promise<Result<C>> | Result<C>;

export interface DreamHostContext {
  project(): ProjectStore;
  jobs(): Jobs;
  changed(): void;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /** the engine's provider status: dreams run on its `active` provider (CPU when absent) */
  engine?(): EngineStatus;
  /** a run's sessions fell back to CPU: the engine status says so (once) */
  fellBack?(reason: string): void;
}

class DreamHostError extends Error {
  constructor(public code: string, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

/** Running dreams by job id, for pause / resume. */
const running = new Map<string, { dream: DreamJob; paused: boolean }>();

/** The model file when it is still there (the worker reads it), else the copy embedded in the project. */
function modelSource(store: ProjectStore, rec: ModelRecord): { modelPath?: string; modelBytes?: Uint8Array } {
  const st = fs.existsSync(rec.path) ? fs.statSync(rec.path) : undefined;
  if (st?.isFile() && st.size === rec.description.fileSize && !rec.embedded) return { modelPath: rec.path };
  const bytes = store.modelBytes(rec.id);
  if (bytes) return { modelBytes: bytes };
  if (st?.isFile()) return { modelPath: rec.path };
  throw new DreamHostError('model-missing', `The model file ${rec.path} is gone and the model was not embedded in the project.`);
}

/** The full-size PNG of a dream run (what "Dream again" continues from and what export sends). */
function dreamPng(store: ProjectStore, run: RunRecord): Uint8Array {
  if (run.kind !== 'dream') throw new DreamHostError('not-a-dream', `Run ${run.id} is a ${run.kind} run, not a dream.`);
  const a = run.artifacts.find((x) => x.mime === 'image/png');
  if (!a) throw new DreamHostError('no-such-item', `Dream run ${run.id} has no image stored.`);
  return store.artifact(a.id).bytes;
}

export function dreamHandlers(ctx: DreamHostContext): { [C in DreamChannel]: Handler<C> } {
  return {
    'run:dream': ({ modelId, photoId, fromRunId, guidePhotoId, settings: raw }) => {
      const store = ctx.project();
      const rec = store.model(modelId);
      const photo = store.photo(photoId);
      let settings;
      try {
        settings = parseDreamSettings(raw);
      } catch (e) {
        throw new DreamHostError('bad-args', (e as Error).message);
      }
      // "Dream again": continue from a dream's full-size result; the run stays attached to the original photo.
      const from = fromRunId ? store.run(fromRunId) : undefined;
      const input = from ? dreamPng(store, from) : store.photoBytes(photoId);
      const guide = guidePhotoId ? store.photoBytes(guidePhotoId) : undefined;
      const source = modelSource(store, rec);
      const title = `Dream ${settings.layers.map((l) => l.name).join(' + ') || 'default layer'} on ${photo.name}${from ? ' (again)' : ''}`;
      return ctx.jobs().start('dream', title, async (ctl): Promise<RunRecord | undefined> => {
        const t0 = performance.now();
        const job = startDreamJob(
          {
            photo: input, photoName: photo.name, ...source, modelName: rec.name, space: rec.preprocess, settings,
            ...(guide ? { guide } : {}), previewEveryMs: 700, previewMaxSide: 480, provider: ctx.engine?.().active ?? 'cpu',
          },
          {
            onProgress: (p) => {
              if (ctl.cancelled) return;
              ctl.step(0.02 + 0.93 * p.fraction, `octave ${p.octave + 1}/${p.octaves} · step ${p.iteration + 1}/${p.iterations}`, p.etaMs);
              // the step that was running when Pause came in still reports; the job stays shown as paused
              if (running.get(ctl.id)?.paused) announce(ctx, ctl.id, true);
            },
            onPreview: (jpeg) => ctx.emit('job:preview', { jobId: ctl.id, mime: 'image/jpeg', base64: Buffer.from(jpeg).toString('base64') }),
          },
        );
        running.set(ctl.id, { dream: job, paused: false });
        // job:cancel only flags the job; pass it on to the worker, which stops after the current step.
        const poll = setInterval(() => { if (ctl.cancelled) job.cancel(); }, 100);
        try {
          ctl.step(0.01, 'compiling the gradient');
          const { summary, image } = await job.done;
          if (summary.fallbackReason) ctx.fellBack?.(summary.fallbackReason);
          const record = dreamRecord(summary, {
            modelName: rec.name, modelSha256: rec.sha256, photoName: photo.name, photoSha256: photo.sha256, width: image.width, height: image.height,
          });
          Object.assign(record.settings, { preprocess: rec.preprocess, ...(fromRunId ? { fromRunId } : {}), ...(guidePhotoId ? { guidePhotoId } : {}) });
          const png = await encodeDream(image, 'png', record);
          if (!store.isOpen) throw new DreamHostError('no-project', 'The project was closed while the dream ran.');
          const run = store.addRun(
            {
              kind: 'dream', modelId, photoId, settings: record.settings,
              result: {
                status: summary.status, width: image.width, height: image.height, seed: summary.settings.seed, stepsDone: summary.stepsDone,
                objective: summary.objective, objectiveBefore: summary.objectiveBefore, objectiveAfter: summary.objectiveAfter,
                modelSha256: rec.sha256, field: summary.field, stride: summary.stride,
                ...(summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}),
                timings: {
                  totalMs: summary.timings.totalMs, sessionMs: summary.timings.sessionMs,
                  octaves: summary.timings.octaves.map((o) => ({ width: o.width, height: o.height, tiles: o.tiles, ms: o.ms, sessionMs: o.sessionMs })),
                },
              },
              status: summary.status === 'cancelled' ? 'cancelled' : 'done', provider: summary.provider, durationMs: performance.now() - t0,
            },
            [{ name: 'dream.png', mime: 'image/png', bytes: png }],
          );
          return run;
        } finally {
          clearInterval(poll);
          running.delete(ctl.id);
        }
      });
    },

    'job:pause': ({ jobId }) => setPaused(ctx, jobId, true),
    'job:resume': ({ jobId }) => setPaused(ctx, jobId, false),

    'dream:export': async ({ runId, format, path: out }) => {
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
        throw new DreamHostError('no-such-item', `the stored image of run ${runId} lacks its ${DREAM_TEXT_KEY} settings`);
      }
      if (out) {
        await fs.promises.writeFile(out, bytes);
        return { fileName, mime, path: out };
      }
      return { fileName, mime, base64: Buffer.from(bytes).toString('base64') };
    },
  };
}

function setPaused(ctx: DreamHostContext, jobId: string, paused: boolean): null {
  const r = running.get(jobId);
  if (!r) throw new DreamHostError('no-such-item', `No running dream with job id "${jobId}" (only dreams can be paused).`);
  if (paused) r.dream.pause();
  else r.dream.resume();
  r.paused = paused;
  announce(ctx, jobId, paused);
  return null;
}

/** The jobs list knows only running/done; a dream's paused state is announced here. */
function announce(ctx: DreamHostContext, jobId: string, paused: boolean): void {
  const info: JobInfo | undefined = ctx.jobs().list().find((j) => j.id === jobId);
  if (info) ctx.emit('job:update', { ...info, state: paused ? 'paused' : 'running', message: paused ? 'paused' : info.message });
}
