// Recipe 'adversarial': fooling images and adversarial examples (PGD in an L∞ ε-box, or CS231n's fooling
// loop) of a project photo for a target class, or for any other class. The host half checks the settings
// against the model and resolves the target before the job is queued; the worker half (../adversarial/run.ts)
// attacks through one compiled gradient session and checks that the 8-bit PNG still fools the model; the
// save stores the original (resized), the adversarial PNG (its settings in a text chunk), the amplified
// difference and the typed run. "Continue in 8-bit space" is a job with fromRunId: it starts from that run's PNG.
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import type { RunRecord } from '../../../shared/contract';
import { prepareAdversarial, type ContinueFrom } from '../adversarial/prepare';
import { runAdversarial, type AdversarialInput, type AdversarialOutput } from '../adversarial/run';
import { decodePng } from '../adversarial/images';
import { isPng } from './featurevis';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';

/** The names the run's PNGs are stored under. */
export const ADVERSARIAL_ARTIFACTS = { original: 'original.png', adversarial: 'adversarial.png', difference: 'difference.png' } as const;

/** A stored adversarial run's PNG by role. */
export function adversarialPng(store: Pick<ProjectStore, 'artifact'>, run: RunRecord, which: keyof typeof ADVERSARIAL_ARTIFACTS): Uint8Array {
  if (run.kind !== 'adversarial') throw new EngineError('not-adversarial', `Run ${run.id} is a ${run.kind} run, not an adversarial example.`);
  const a = run.artifacts.find((x) => x.name === ADVERSARIAL_ARTIFACTS[which]);
  if (!a) throw new EngineError('no-such-item', `Adversarial run ${run.id} has no ${ADVERSARIAL_ARTIFACTS[which]} stored.`);
  return store.artifact(a.id).bytes;
}

/**
 * One of an adversarial run's images as a download (the 'adversarial:export' channel): the adversarial
 * example exactly as the 8-bit check read it (settings in its text chunk), the original as the model saw
 * it, or the amplified difference. Named after the photo and the class it now shows.
 */
export function adversarialExport(store: Pick<ProjectStore, 'artifact' | 'run' | 'photo'>, runId: string, which: keyof typeof ADVERSARIAL_ARTIFACTS): { fileName: string; mime: string; base64: string } {
  const run = store.run(runId);
  const png = adversarialPng(store, run, which);
  let photo = 'photo';
  try {
    if (run.photoId) photo = store.photo(run.photoId).name.replace(/\.[^.]+$/, '');
  } catch {
    // the photo was removed from the project; the run keeps its own images
  }
  const top1 = run.kind === 'adversarial' ? run.result.eightBit.top5[0]?.label : undefined;
  const what = which === 'adversarial' ? `adversarial${top1 ? `-${top1}` : ''}` : which;
  const fileName = `${photo}-${what}`.replace(/[^\p{L}\p{N}._-]+/gu, '_') + '.png';
  return { fileName, mime: 'image/png', base64: Buffer.from(png).toString('base64') };
}

export const adversarialRecipe: Recipe<'adversarial', AdversarialInput, AdversarialOutput> = {
  kind: 'adversarial',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const photo = store.photo(spec.photoId);
    let from: ContinueFrom | undefined;
    if (spec.fromRunId) {
      const run = store.run(spec.fromRunId);
      if (run.kind === 'adversarial' && run.modelId !== spec.modelId) {
        throw new EngineError('bad-args', `Run ${run.id} attacked another model; continue it with that model.`);
      }
      from = { runId: run.id, original: adversarialPng(store, run, 'original'), adversarial: adversarialPng(store, run, 'adversarial') };
    }
    return prepareAdversarial(
      { ref: jobModelRef(store, rec), name: rec.name, description: rec.description, preprocess: rec.preprocess, ...(rec.labels ? { labels: rec.labels } : {}) },
      { name: photo.name, bytes: () => store.photoBytes(spec.photoId) },
      spec.settings, from,
    );
  },

  // Resume after a crash: the attack starts from its last checkpoint image — the adversarial image at the
  // model's input size, PNG — clipped into PGD's ε-box around the original (the box stays the original's;
  // the attack clips what the model sees too). An old row's frame (the JPEG preview) cannot start it: it reruns.
  async resume(prepared, frame) {
    const i = prepared.input;
    if (!isPng(frame)) return prepared;
    let start: Float32Array;
    try {
      start = (await decodePng(frame, i.width, i.height, 'the last frame of the interrupted attack')).data;
    } catch {
      return prepared; // not this job's size: not its state
    }
    if (i.settings.method === 'pgd') {
      const eps = i.settings.eps;
      for (let k = 0; k < start.length; k++) start[k] = Math.min(Math.min(255, i.original[k]! + eps), Math.max(Math.max(0, i.original[k]! - eps), start[k]!));
    }
    return { ...prepared, input: { ...i, start }, transfer: [...(prepared.transfer ?? []), start.buffer as ArrayBuffer] };
  },

  run: (input, ctl, env) => runAdversarial(input, ctl, env).then((output) => ({ output })),

  async save(out, spec, prepared, host) {
    const i = prepared.input;
    if (out.result.fallbackReason) host.fellBack(out.result.fallbackReason);
    return {
      run: {
        kind: 'adversarial', modelId: spec.modelId, photoId: spec.photoId,
        settings: {
          adversarial: i.settings, preprocess: i.preprocess, input: i.input, dims: [1, 3, i.height, i.width],
          ...(spec.fromRunId ? { fromRunId: spec.fromRunId } : {}),
        },
        result: out.result,
        status: out.result.status, provider: out.provider, durationMs: out.result.timings.totalMs,
      },
      artifacts: [
        { name: ADVERSARIAL_ARTIFACTS.original, mime: 'image/png', bytes: out.pngs.original },
        { name: ADVERSARIAL_ARTIFACTS.adversarial, mime: 'image/png', bytes: out.pngs.adversarial },
        { name: ADVERSARIAL_ARTIFACTS.difference, mime: 'image/png', bytes: out.pngs.difference },
      ],
    };
  },
};
