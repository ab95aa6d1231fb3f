// Recipe 'dream': DeepDream on a photo (or on an earlier dream's result: "Dream again"), optionally
// guided by another photo. The worker half runs the dream loop under the job's control (a cancelled dream
// keeps its last full frame, saved as a cancelled run); the host half stores the full-size PNG that
// carries every setting, and the typed run.
import sharp from 'sharp';
import type { ExecutionProviderName, Preprocess } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { parseDreamSettings, type DreamSettings } from '../../../shared/jobs/dream';
import { dream, dreamRecord, encodeDream, type DreamOutcome } from '../dream/index';
import type { Rgb } from '../pixels/index';
import type { ModelRef } from '../jobs/protocol';
import type { RunRecord } from '../../../shared/contract';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';
import { positionOf } from '../jobs/position';
import { startProblem, type LoopPosition } from '../dream/loop';

interface Input {
  model: ModelRef;
  modelName: string;
  photo: Uint8Array;
  /** the photo's file name, for messages ("stata.jpg is 1×1: too small …") */
  photoName?: string;
  guide?: Uint8Array;
  space: Preprocess;
  settings: DreamSettings;
  /** Resume: the interrupted run's full-size checkpoint (PNG) and where it was taken; `photo` stays the start image */
  start?: { frame: Uint8Array; at: LoopPosition };
}

interface Output {
  summary: Omit<DreamOutcome, 'image'>;
  image: Rgb;
}

/** The full-size PNG of a dream run (what "Dream again" continues from and what export sends). */
export function dreamPng(store: { artifact(id: string): { bytes: Uint8Array } }, run: RunRecord): Uint8Array {
  if (run.kind !== 'dream') throw new EngineError('not-a-dream', `Run ${run.id} is a ${run.kind} run, not a dream.`);
  const a = run.artifacts.find((x) => x.mime === 'image/png');
  if (!a) throw new EngineError('no-such-item', `Dream run ${run.id} has no image stored.`);
  return store.artifact(a.id).bytes;
}

export const dreamRecipe: Recipe<'dream', Input, Output> = {
  kind: 'dream',
  heavy: true,

  prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const photo = store.photo(spec.photoId);
    let settings: DreamSettings;
    try {
      settings = parseDreamSettings(spec.settings);
    } catch (e) {
      throw new EngineError('bad-args', (e as Error).message);
    }
    // "Dream again": continue from a dream's full-size result; the run stays attached to the original photo.
    const from = spec.fromRunId ? store.run(spec.fromRunId) : undefined;
    const input: Input = {
      model: jobModelRef(store, rec), modelName: rec.name, space: rec.preprocess, settings,
      photo: from ? dreamPng(store, from) : store.photoBytes(spec.photoId),
      photoName: from ? `the result of run ${from.id} (on ${photo.name})` : photo.name,
      ...(spec.guidePhotoId ? { guide: store.photoBytes(spec.guidePhotoId) } : {}),
    };
    const title = `Dream ${settings.layers.map((l) => l.name).join(' + ') || 'default layer'} on ${photo.name}${from ? ' (again)' : ''}`;
    return { title, input };
  },

  // Resume after a crash: dream on from the last checkpoint image — the dream's state at the photo's full
  // size, lossless (PNG), taken at most every 3 s, with where it was taken (octave, step, seed): only the
  // steps that were left run, with the random shifts the run would have drawn (dream/loop.ts LoopStart).
  // A checkpoint without its position (an older row) is dreamed on with the whole schedule again; a row
  // written before full-size checkpoints existed (or by a job that died before its first one) holds a
  // ≤480-px preview: that one is enlarged to the photo's size.
  async resume(prepared, frame) {
    const [photoMeta, frameMeta] = await Promise.all([
      sharp(prepared.input.photo).rotate().raw().toBuffer({ resolveWithObject: true }).then((r) => r.info),
      sharp(frame).metadata(),
    ]);
    if (frameMeta.format === 'png' && frameMeta.width === photoMeta.width && frameMeta.height === photoMeta.height) {
      const at = positionOf(frame, ['octave', 'iteration', 'seed']);
      const s = prepared.input.settings;
      if (at && !startProblem(at, { octaves: s.octaves, iterations: s.iterations })) {
        return { ...prepared, input: { ...prepared.input, settings: { ...s, seed: at.seed }, start: { frame, at } } };
      }
      return { ...prepared, input: { ...prepared.input, photo: frame } };
    }
    const photo = await sharp(frame).resize(photoMeta.width, photoMeta.height, { fit: 'fill' }).png().toBuffer();
    return { ...prepared, input: { ...prepared.input, photo: new Uint8Array(photo.buffer, photo.byteOffset, photo.byteLength) } };
  },

  async run(i, ctl, env) {
    ctl.progress(0.01, 'compiling the gradient');
    const { provider, threads } = env.placement();
    const r = await dream(
      {
        photo: i.photo, model: env.model(i.model).model, modelSha: i.model.sha, space: i.space, settings: i.settings, ...(i.guide ? { guide: i.guide } : {}),
        ...(i.start ? { start: i.start } : {}),
        ...(i.photoName ? { photoName: i.photoName } : {}), modelName: i.modelName,
        runtime: env.gradients, provider, threads,
      },
      {
        control: ctl,
        previewEveryMs: 700,
        previewMaxSide: 480,
        onProgress: (p) => ctl.progress(0.02 + 0.93 * p.fraction, `octave ${p.octave + 1}/${p.octaves} · step ${p.iteration + 1}/${p.iterations}`, p.etaMs),
        onPreview: (f) => ctl.preview(f),
        // the full-size state, lossless, at most every 3 s: what Resume starts from after a crash
        wantsFullFrame: () => ctl.wantsCheckpointImage(),
        onFullFrame: (f, at) => ctl.checkpointImage(f, { ...at }),
      },
    );
    const { image, ...summary } = r;
    return { output: { summary, image }, transfer: [image.data.buffer as ArrayBuffer] };
  },

  async save({ summary, image }, spec, prepared, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const photo = store.photo(spec.photoId);
    if (summary.fallbackReason) host.fellBack(summary.fallbackReason);
    const record = dreamRecord(summary, { modelName: rec.name, modelSha256: rec.sha256, photoName: photo.name, photoSha256: photo.sha256, width: image.width, height: image.height });
    const settings = {
      ...summary.settings, preprocess: prepared.input.space,
      ...(spec.fromRunId ? { fromRunId: spec.fromRunId } : {}), ...(spec.guidePhotoId ? { guidePhotoId: spec.guidePhotoId } : {}),
    };
    record.settings = settings;
    const png = await encodeDream(image, 'png', record);
    return {
      run: {
        kind: 'dream', modelId: spec.modelId, photoId: spec.photoId, settings,
        result: {
          status: summary.status, width: image.width, height: image.height, seed: summary.settings.seed, stepsDone: summary.stepsDone,
          objective: summary.objective, ...(summary.objectiveBefore !== undefined ? { objectiveBefore: summary.objectiveBefore } : {}),
          ...(summary.objectiveAfter !== undefined ? { objectiveAfter: summary.objectiveAfter } : {}),
          modelSha256: rec.sha256, field: summary.field, stride: summary.stride,
          ...(summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}),
          timings: {
            totalMs: summary.timings.totalMs, sessionMs: summary.timings.sessionMs,
            octaves: summary.timings.octaves.map((o) => ({ width: o.width, height: o.height, tiles: o.tiles, ms: o.ms, sessionMs: o.sessionMs })),
          },
        },
        status: summary.status === 'cancelled' ? 'cancelled' : 'done', provider: summary.provider as ExecutionProviderName, durationMs: summary.timings.totalMs,
      },
      artifacts: [{ name: 'dream.png', mime: 'image/png', bytes: png }],
    };
  },
};
