// Recipe 'style': neural style transfer, texture synthesis and feature inversion on any CNN of the project
// (../style/). The host half reads the photos (a missing or unreadable one is refused by name), chooses the
// layers and checks the memory budget before anything is queued; the worker half optimizes under the job's
// control — progress messages carry the losses (formatStyleProgress: the Style tab's live loss curve),
// previews every few iterations, pause, resume, and cancel, which keeps the current image as a cancelled
// run; the host half stores the PNG (settings and losses in its text chunk) and the typed run.
import type { ExecutionProviderName, RunRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { formatStyleProgress } from '../../../shared/jobs/style';
import type { ProjectStore } from '../../store/project';
import { Cancelled, type RgbFrame } from '../jobs/control';
import { encodeStyle, type StyleRecord } from '../style/export';
import { prepareStyle, type PhotoSource, type StyleInput } from '../style/prepare';
import { styleTransfer, type StyleOutcome } from '../style/transfer';
import type { Rgb } from '../pixels/index';
import { decodeRgb } from '../pixels/rgb';
import { hostModel } from './featurevis';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';
import { positionOf } from '../jobs/position';
import { resumeProblem } from '../style/transfer';

type Output = Omit<StyleOutcome, 'image'> & { image: Rgb };

/** previews are sent at most this big (a 2048-px stage would otherwise cross threads and IPC every frame) */
export const PREVIEW_MAX_SIDE = 512;

/** The result PNG of a style run ("continue from this result" starts from it, export sends it). */
export function stylePng(store: { artifact(id: string): { bytes: Uint8Array } }, run: RunRecord): Uint8Array {
  if (run.kind !== 'style') throw new EngineError('bad-args', `fromRunId: run ${run.id} is a ${run.kind} run, not a style run`);
  const a = run.artifacts.find((x) => x.mime === 'image/png');
  if (!a) throw new EngineError('no-such-item', `fromRunId: style run ${run.id} has no image stored`);
  return store.artifact(a.id).bytes;
}

function photoOf(store: ProjectStore, id: string, setting: string): PhotoSource {
  try {
    return { bytes: store.photoBytes(id), name: store.photo(id).name };
  } catch (e) {
    throw new EngineError('bad-args', `${setting}: ${(e as Error).message}`);
  }
}

/** A frame no bigger than PREVIEW_MAX_SIDE (box-averaged), for the live preview. */
export function previewFrame(img: Rgb, maxSide = PREVIEW_MAX_SIDE): RgbFrame {
  const f = Math.ceil(Math.max(img.width, img.height) / maxSide);
  if (f <= 1) return img;
  const w = Math.floor(img.width / f), h = Math.floor(img.height / f);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += img.data[((y * f + dy) * img.width + x * f + dx) * 3 + c]!;
        data[(y * w + x) * 3 + c] = Math.round(sum / (f * f));
      }
    }
  }
  return { width: w, height: h, data };
}

export const styleRecipe: Recipe<'style', StyleInput, Output> = {
  kind: 'style',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const raw = spec.settings as { styles?: unknown };
    const styleIds = Array.isArray(raw.styles)
      ? raw.styles.map((x, i) => {
        const id = (x as { photoId?: unknown } | null)?.photoId;
        if (typeof id !== 'string') throw new EngineError('bad-args', `styles[${i}].photoId: name a project photo`);
        return id;
      })
      : [];
    const mode = (spec.settings as { mode?: unknown }).mode;
    const from = spec.fromRunId ? store.run(spec.fromRunId) : undefined;
    return prepareStyle({
      net: rec, model: hostModel(store, rec), modelRef: jobModelRef(store, rec), settings: spec.settings,
      ...(spec.photoId ? { content: photoOf(store, spec.photoId, 'photoId') } : {}),
      styles: mode === 'inversion' ? [] : styleIds.map((id, i) => photoOf(store, id, `styles[${i}].photoId`)),
      ...(from ? { start: { bytes: stylePng(store, from), name: `style run ${from.id}`, runId: from.id } } : {}),
    });
  },

  // Resume after a crash from the last checkpoint image — the current stage's image at its own size, lossless
  // (PNG), taken at most every 3 s, with where it was taken (stage, tile, iteration): the run goes on there,
  // only the iterations that were left (L-BFGS starts its history afresh). A checkpoint without a position (an
  // older row), or one that does not fit this run, starts the first stage from the frame, resized like a
  // "continue from this result" image. (A row from before full-size checkpoints holds a ≤PREVIEW_MAX_SIDE
  // preview: a softer start.)
  async resume(prepared, frame) {
    const start = await decodeRgb(frame, 'the last frame of the interrupted style run');
    const at = positionOf(frame, ['stage', 'tile', 'iteration']);
    const resumeAt = at && !resumeProblem({ ...prepared.input, start, settings: prepared.input.resolved }, at) ? at : undefined;
    return { ...prepared, input: { ...prepared.input, start, ...(resumeAt ? { resumeAt } : {}) }, transfer: [...(prepared.transfer ?? []), start.data.buffer as ArrayBuffer] };
  },

  async run(i, ctl, env) {
    ctl.progress(0, 'reading the loss network');
    const { provider, threads } = env.placement();
    const r = await styleTransfer(
      {
        model: env.model(i.model).model, modelSha: i.model.sha, input: i.input, space: i.space,
        ...(i.content ? { content: i.content } : {}), styles: i.styles, ...(i.start ? { start: i.start } : {}), ...(i.resumeAt ? { resumeAt: i.resumeAt } : {}),
        layers: i.layers, settings: i.resolved, runtime: env.gradients, placement: { provider, threads }, label: i.modelName,
      },
      {
        checkpoint: () => ctl.checkpoint(),
        onPhase: (message, fraction) => ctl.progress(fraction, message),
        onProgress: (p) => ctl.progress(p.fraction, formatStyleProgress(p), p.etaMs),
        wantsPreview: () => ctl.wantsPreview() || ctl.wantsCheckpointImage(),
        // the live preview is downscaled; the checkpoint (what Resume starts from) keeps the stage's full image
        onPreview: (img, at) => { ctl.preview(() => previewFrame(img)); ctl.checkpointImage(img, { ...at }); },
      },
    );
    // cancelled before its first iteration: there is nothing of this job's to keep
    if (r.status === 'cancelled' && r.iterationsDone === 0) throw new Cancelled();
    return { output: r, transfer: [r.image.data.buffer as ArrayBuffer] };
  },

  async save(r, spec, prepared, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    if (r.fallbackReason) host.fellBack(r.fallbackReason);
    const settings = prepared.input.settings;
    const contentPhoto = spec.photoId ? store.photo(spec.photoId) : undefined;
    const record: StyleRecord = {
      kind: 'style', version: 1, settings: { ...settings }, model: { name: rec.name, sha256: rec.sha256 },
      ...(contentPhoto ? { content: { name: contentPhoto.name, sha256: contentPhoto.sha256 } } : {}),
      styles: settings.styles.map((st) => {
        const p = settings.mode === 'inversion' ? undefined : store.photo(st.photoId);
        return { name: p?.name, sha256: p?.sha256, weight: st.weight };
      }),
      provider: r.provider, status: r.status, losses: r.losses, totalMs: r.timings.totalMs, createdAt: new Date().toISOString(),
    };
    const png = await encodeStyle(r.image, 'png', record);
    return {
      run: {
        kind: 'style', modelId: spec.modelId, ...(spec.photoId ? { photoId: spec.photoId } : {}), settings,
        result: styleResult(r),
        status: r.status, provider: r.provider as ExecutionProviderName, durationMs: r.timings.totalMs,
      },
      artifacts: [{ name: 'style.png', mime: 'image/png', bytes: png }],
    };
  },
};

/** The typed run's result document (also what the CLI's --json prints). */
export function styleResult(r: Omit<StyleOutcome, 'image'> & { image: { width: number; height: number } }) {
  return {
    status: r.status, width: r.image.width, height: r.image.height, iterationsDone: r.iterationsDone,
    losses: r.losses, lossesStart: r.lossesStart, curve: r.curve,
    timings: { ...r.timings, stages: r.stages },
    ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
  };
}
