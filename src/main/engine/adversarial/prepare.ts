// The adversarial job's host half before queueing, shared by the recipe (a project's model and photo) and
// the CLI (files): every setting checked against the model — a classifier output to attack, the target
// class by index or by name, ε > 0 — with an EngineError naming the setting, then the photo resized to
// the model's input the way classify does, as the worker's planar pixels.
import type { ModelDescription, Preprocess } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { findClass } from '../../../shared/attribution-target';
import { parseAdversarialSettings, resolveAdversarialSettings, type AdversarialSettings } from '../../../shared/jobs/adversarial';
import { decodeResized } from '../image/image';
import type { ModelRef } from '../jobs/protocol';
import { planarPixels, decodePng } from './images';
import type { AdversarialInput } from './run';

export interface AttackModel {
  ref: ModelRef;
  name: string;
  description: Pick<ModelDescription, 'classifierOutput' | 'classCount' | 'imageInput' | 'inputs'>;
  preprocess: Preprocess;
  labels?: readonly string[];
}

/** Where a continued run starts: the earlier run's id and its two PNGs (the original and the result). */
export interface ContinueFrom {
  runId: string;
  original: Uint8Array;
  adversarial: Uint8Array;
}

const bad = (setting: string, message: string) => new EngineError('bad-args', `bad adversarial setting ${setting}: ${message}`);

/** A class index or name (or "any") → the class index the attack climbs toward, with its label. */
export function resolveTarget(raw: AdversarialSettings['target'], m: AttackModel): { target: number | 'any'; label?: string } {
  const classes = m.description.classCount;
  if (raw === 'any') return { target: 'any' };
  let index: number;
  if (typeof raw === 'number' || /^\d+$/.test(raw)) index = Number(raw);
  else if (raw.trim().toLowerCase() === 'any') return { target: 'any' };
  else {
    if (!m.labels) throw bad('target', `"${raw}" is a class name, but ${m.name} has no class names loaded; load a labels file or give the class index (0–${(classes ?? 1) - 1})`);
    try {
      index = findClass(raw, m.labels);
    } catch (e) {
      throw bad('target', `${(e as Error).message} of ${m.name}`);
    }
  }
  if (classes !== undefined && index >= classes) throw bad('target', `class ${index} is out of range: ${m.name} has ${classes} classes (0–${classes - 1})`);
  const label = m.labels?.[index];
  return { target: index, ...(label !== undefined ? { label } : {}) };
}

/** Check everything, then build the worker's input. Throws EngineError before anything is queued. */
export async function prepareAdversarial(
  m: AttackModel,
  photo: { name: string; bytes: () => Uint8Array },
  rawSettings: unknown,
  from?: ContinueFrom,
): Promise<{ title: string; input: AdversarialInput; transfer: ArrayBuffer[] }> {
  let settings: AdversarialSettings;
  try {
    settings = parseAdversarialSettings(rawSettings);
  } catch (e) {
    throw new EngineError('bad-args', (e as Error).message);
  }
  const out = m.description.classifierOutput;
  if (!out) {
    throw new EngineError('not-classifier', `${m.name} has no class outputs (no classifier output of shape [N, classes]): an adversarial example changes a classifier's prediction, so it needs a classifier model.`);
  }
  const pre = m.preprocess;
  if (pre.layout !== 'NCHW') throw new EngineError('bad-args', `${m.name}: adversarial examples work on NCHW models; this model's preprocessing says ${pre.layout}.`);
  const input = m.description.inputs.find((t) => t.name === m.description.imageInput);
  if (input?.shape[1] === 1) throw new EngineError('bad-args', `${m.name} takes 1-channel (grey) images; adversarial examples here are made on RGB photos.`);
  if (settings.minEps && settings.method !== 'pgd') throw bad('minEps', `the smallest-ε search runs PGD; method "${settings.method}" has no ε budget`);
  const { target, label } = resolveTarget(settings.target, m);
  const resolved = resolveAdversarialSettings(settings, target, label);

  const { width, height } = pre;
  let original, start;
  if (from) {
    // go on from an earlier result: the ε-box stays around that run's original (resized) photo
    original = await decodePng(from.original, width, height, `the original image of run ${from.runId}`);
    start = await decodePng(from.adversarial, width, height, `the adversarial image of run ${from.runId}`);
  } else {
    original = planarPixels(await decodeResized(photo.bytes(), width, height, pre.resize, photo.name));
  }
  const what = target === 'any' ? 'any other class' : (label ?? `class ${target}`);
  const title = `Adversarial ${settings.method.toUpperCase()} → ${what} on ${photo.name}${from ? ` (${settings.space === '8bit' ? '8-bit, ' : ''}continued)` : ''}`;
  return {
    title,
    input: {
      model: m.ref, modelName: m.name, photoName: photo.name, input: m.description.imageInput, classifierOutput: out,
      preprocess: pre, width, height, original: original.data, ...(start ? { start: start.data } : {}), settings: resolved,
      ...(m.labels ? { labels: [...m.labels] } : {}), ...(from ? { fromRunId: from.runId } : {}),
    },
    transfer: [original.data.buffer as ArrayBuffer, ...(start ? [start.data.buffer as ArrayBuffer] : [])],
  };
}
