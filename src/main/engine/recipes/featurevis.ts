// Recipe 'featurevis': feature visualization by optimization (Lucid / Lucent's render_vis) — images that
// excite channels, neurons, layers, classes or directions of any model the project holds. The host half
// checks every item against the model (each refusal names its setting) and gathers the worker's input;
// the worker half renders the items a batch at a time (../featurevis/render.ts) under the job's control;
// the host half stores one PNG per item (its settings and item in a text chunk) and the typed run. A
// cancelled layer grid keeps the batches it finished and is saved as a cancelled run.
import * as fs from 'node:fs';
import type { ExecutionProviderName, ModelRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { pixelSpace, type PixelSpace } from '../../../shared/pixels';
import { parseFeaturevisSettings, resolvedRender, type FeaturevisSettings } from '../../../shared/jobs/featurevis';
import type { RunSettings } from '../../../shared/jobs/runs';
import type { ProjectStore } from '../../store/project';
import { loadModelBytes, loadModelFile } from '../onnx/inspect';
import type { Model } from '../onnx/model';
import { Cancelled } from '../jobs/control';
import type { ModelRef } from '../jobs/protocol';
import { checkItems, jobTitle, modelInput } from '../featurevis/checks';
import { encodeFeaturevisPng, type FeaturevisRecord } from '../featurevis/export';
import type { ModelInput } from '../featurevis/input';
import { macoMagnitude, photoImage01 } from '../featurevis/photos';
import { drawSeed, renderFeatures, renderSpec, resumable, stripStart, type FeaturevisOutcome } from '../featurevis/render';
import { startStepProblem } from '../optim/render';
import { decodeRgb } from '../pixels/rgb';
import type { ResolvedItem } from '../featurevis/targets';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';
import { positionOf } from '../jobs/position';

type RunSettingsOf = RunSettings<'featurevis'>;

export interface FeaturevisInput {
  model: ModelRef;
  settings: RunSettingsOf;
  items: ResolvedItem[];
  diversity?: { weight: number; layer: string };
  space: PixelSpace;
  input: ModelInput;
  photo?: Float32Array;
  magnitude?: Float32Array;
  /** resumed: where the first batch starts, image01 [items, 3, size, size] */
  start?: Float32Array;
  /** resumed: the steps the interrupted run had done (settings.seed is then that run's seed) */
  startStep?: number;
}

// ---- host half: the model's graph, decoded once per model (checks read it) -------------------------

const graphs = new Map<string, Model>();
/** a few models: GoogLeNet's graph holds its 28 MB of weights */
const MAX_GRAPHS = 2;

export function hostModel(store: ProjectStore, rec: ModelRecord): Model {
  const hit = graphs.get(rec.sha256);
  if (hit) return hit;
  const bytes = store.modelBytes(rec.id);
  const lm = bytes ? loadModelBytes(bytes, rec.name, fs.existsSync(rec.path) ? rec.path : undefined) : loadModelFile(rec.path);
  graphs.set(rec.sha256, lm.model);
  while (graphs.size > MAX_GRAPHS) graphs.delete(graphs.keys().next().value as string);
  return lm.model;
}

/** The host half of a job, for the engine's job runtime and for the CLI (which has no project). */
export async function prepareFeaturevis(
  o: { rec: ModelRecord; model: Model; modelRef: ModelRef; settings: unknown; photo?: { bytes: Uint8Array; name: string }; spectrumPhotos?: { bytes: Uint8Array; name: string }[] },
): Promise<{ title: string; input: FeaturevisInput; transfer: ArrayBuffer[] }> {
  let s: FeaturevisSettings;
  try {
    s = parseFeaturevisSettings(o.settings);
  } catch (e) {
    throw new EngineError('bad-args', (e as Error).message);
  }
  const { size, steps, batch } = resolvedRender(s);
  if (s.stayClose > 0 && !s.photoId && !o.photo) throw new EngineError('bad-args', 'stayClose: feature accentuation stays close to a photo: give photoId');
  if (s.spectrumPhotoIds?.length && s.param !== 'maco') throw new EngineError('bad-args', `spectrumPhotoIds: only MACO (param "maco") reads a magnitude spectrum from photos; param is "${s.param}"`);
  const checked = checkItems(o.rec, o.model, s, size);
  const input = modelInput(o.rec, o.model, size, checked.needsOwnSize);
  const pre = o.rec.preprocess;
  const settings: RunSettingsOf = {
    ...s, size, steps, batch, seed: s.seed ?? drawSeed(),
    preprocess: { preset: pre.preset, ...pixelSpace(pre) },
    modelInput: { name: input.name, width: input.width, height: input.height, channels: input.channels, layout: input.layout },
  };
  const transfer: ArrayBuffer[] = [];
  let photo: Float32Array | undefined, magnitude: Float32Array | undefined;
  if (o.photo) {
    photo = await photoImage01(o.photo.bytes, size, o.photo.name);
    transfer.push(photo.buffer as ArrayBuffer);
  }
  if (o.spectrumPhotos?.length) {
    const images = await Promise.all(o.spectrumPhotos.map((p) => photoImage01(p.bytes, size, p.name)));
    magnitude = macoMagnitude(images, size, s.decorrelate);
    transfer.push(magnitude.buffer as ArrayBuffer);
  }
  return {
    title: jobTitle(o.rec.name, s.items),
    input: {
      model: o.modelRef, settings, items: checked.items, ...(checked.diversity ? { diversity: checked.diversity } : {}),
      space: pixelSpace(pre), input, ...(photo ? { photo } : {}), ...(magnitude ? { magnitude } : {}),
    },
    transfer,
  };
}

/** The PNG of one rendered item, its settings and item in the text chunk. */
export async function itemPng(
  it: FeaturevisOutcome['items'][number], size: number, settings: RunSettingsOf,
  meta: { modelName: string; modelSha256: string; provider: string; status: 'done' | 'cancelled' },
): Promise<Uint8Array> {
  const record: FeaturevisRecord = {
    kind: 'featurevis', version: 1, settings: { ...settings },
    item: { index: it.item, label: it.label, spec: settings.items[it.item]!, objective: it.objective, objectiveStart: it.objectiveStart },
    model: { name: meta.modelName, sha256: meta.modelSha256 }, provider: meta.provider, status: meta.status, createdAt: new Date().toISOString(),
  };
  return encodeFeaturevisPng({ width: size, height: size, data: it.rgb }, record);
}

/** the artifact name of item i's PNG */
export const itemArtifactName = (i: number): string => `item-${String(i).padStart(4, '0')}.png`;

export const featurevisRecipe: Recipe<'featurevis', FeaturevisInput, FeaturevisOutcome> = {
  kind: 'featurevis',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const raw = spec.settings as { photoId?: unknown; spectrumPhotoIds?: unknown };
    const photoId = typeof raw.photoId === 'string' ? raw.photoId : undefined;
    const spectrumIds = Array.isArray(raw.spectrumPhotoIds) ? raw.spectrumPhotoIds.filter((x): x is string => typeof x === 'string') : [];
    const photoOf = (id: string, setting: string) => {
      try {
        return { bytes: store.photoBytes(id), name: store.photo(id).name };
      } catch (e) {
        throw new EngineError('bad-args', `${setting}: ${(e as Error).message}`);
      }
    };
    // the weights first: a model whose file is gone and was not embedded is refused with that reason
    const modelRef = jobModelRef(store, rec);
    const p = await prepareFeaturevis({
      rec, model: hostModel(store, rec), modelRef, settings: spec.settings,
      ...(photoId ? { photo: photoOf(photoId, 'photoId') } : {}),
      ...(spectrumIds.length ? { spectrumPhotos: spectrumIds.map((id, i) => photoOf(id, `spectrumPhotoIds[${i}]`)) } : {}),
    });
    return p;
  },

  // Resume after a crash: a one-batch pixel or Fourier run starts from its last checkpoint image (the
  // batch's items side by side, full size, PNG) through the parameterization's preimage, and — when the PNG
  // says at which step and with which seed it was taken — goes on with the steps that were left and the
  // transforms the run would have drawn; anything else (several batches, MACO, an old row's JPEG preview)
  // returns `prepared` as it is: it runs again from the start.
  async resume(prepared, frame) {
    const i = prepared.input;
    if (!resumable(i) || !isPng(frame)) return prepared;
    const start = stripStart(await decodeRgb(frame, 'the last frame of the interrupted feature visualization'), i.items.length, i.settings.size);
    if (!start) return prepared;
    const pos = positionOf(frame, ['step', 'seed']);
    // the spec's steps and optimizer decide whether it can go on at that step
    const at = pos && !startStepProblem(pos.step, renderSpec(i.settings, i.items.length, pos.seed, false)) ? pos : undefined;
    return {
      ...prepared,
      input: { ...i, start, ...(at ? { startStep: at.step, settings: { ...i.settings, seed: at.seed } } : {}) },
      transfer: [...(prepared.transfer ?? []), start.buffer as ArrayBuffer],
    };
  },

  async run(i, ctl, env) {
    ctl.progress(0, 'preparing the gradient');
    const { provider, threads } = env.placement();
    const r = await renderFeatures(
      {
        model: env.model(i.model).model, sha: i.model.sha, input: i.input, space: i.space, settings: i.settings, items: i.items,
        ...(i.diversity ? { diversity: i.diversity } : {}), ...(i.photo ? { photo: i.photo } : {}), ...(i.magnitude ? { magnitude: i.magnitude } : {}),
        ...(i.start ? { start: i.start, ...(i.startStep ? { startStep: i.startStep } : {}) } : {}),
      },
      ctl, { runtime: env.gradients, provider, threads },
    );
    // cancelled before a batch finished: nothing to keep
    if (r.status === 'cancelled' && r.items.length === 0) throw new Cancelled();
    return { output: r, transfer: r.items.map((it) => it.rgb.buffer as ArrayBuffer) };
  },

  async save(r, spec, prepared, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    if (r.fallbackReason) host.fellBack(r.fallbackReason);
    const settings = prepared.input.settings;
    const meta = { modelName: rec.name, modelSha256: rec.sha256, provider: r.provider, status: r.status };
    const artifacts = await Promise.all(r.items.map(async (it) => ({ name: itemArtifactName(it.item), mime: 'image/png', bytes: await itemPng(it, r.size, settings, meta) })));
    return {
      run: {
        kind: 'featurevis', modelId: spec.modelId, ...(settings.photoId ? { photoId: settings.photoId } : {}), settings,
        result: {
          status: r.status,
          items: r.items.map((it) => ({ item: it.item, label: it.label, objective: it.objective, objectiveStart: it.objectiveStart, image: itemArtifactName(it.item) })),
          stepsDone: r.stepsDone, timings: r.timings, ...(r.fallbackReason ? { fallbackReason: r.fallbackReason } : {}),
        },
        status: r.status, provider: r.provider as ExecutionProviderName, durationMs: r.timings.totalMs,
      },
      artifacts,
    };
  },
};

/** PNG's signature: checkpoint images are PNG; a JPEG frame is an old row's preview (not the job's state) */
export function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}
