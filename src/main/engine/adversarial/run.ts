// The adversarial job's worker half: one compiled gradient session of "direction · logits" (a one-hot or
// a one-hot difference fed at run time, so no class compiles its own graph) from the worker's gradient
// runtime serves every step of every attack; then the 8-bit check — the result written as a PNG, decoded
// again and classified — and the three PNGs the run keeps. The app's engine worker and the CLI run this
// same function under a JobControl.
import type { ExecutionProviderName, Preprocess } from '../../../shared/contract';
import type { AdversarialResult, AdversarialRunSettings } from '../../../shared/jobs/adversarial';
import type { Model } from '../onnx/model';
import { runtimeModel } from '../gradients/index';
import { Cancelled, type JobControl } from '../jobs/control';
import type { ModelRef } from '../jobs/protocol';
import type { WorkerEnv } from '../recipes/types';
import { toProbabilities, topK } from '../runtime/classify';
import { argmax, attack, change, PixelMap, type Evaluate, type PixelImage } from './attack';
import { ADVERSARIAL_TEXT_KEY, decodePng, diffGain, differenceFrame, encodePngBytes, previewFrame, toBytes } from './images';

export interface AdversarialInput {
  model: ModelRef;
  modelName: string;
  photoName: string;
  /** the model's image input, and its classifier output (logits, or the Softmax after them) */
  input: string;
  classifierOutput: string;
  preprocess: Preprocess;
  width: number;
  height: number;
  /** the photo at the model's size, planar RGB 0..255 */
  original: Float32Array;
  /** where to start instead (an earlier adversarial run's PNG) */
  start?: Float32Array;
  settings: AdversarialRunSettings;
  labels?: string[];
  fromRunId?: string;
}

export interface AdversarialOutput {
  result: AdversarialResult;
  provider: ExecutionProviderName;
  pngs: { original: Uint8Array; adversarial: Uint8Array; difference: Uint8Array };
}

/** The tensor whose gradient the attack follows: the logits before the classifier's Softmax, else the output itself. */
export function logitsTensor(model: Model, classifierOutput: string): string {
  const producer = model.graph.nodes.find((n) => n.outputs.includes(classifierOutput));
  return producer?.opType === 'Softmax' && producer.inputs[0] ? producer.inputs[0] : classifierOutput;
}

const TOP = 5;

export async function runAdversarial(i: AdversarialInput, ctl: JobControl, env: Pick<WorkerEnv, 'model' | 'gradients'>): Promise<AdversarialOutput> {
  const t0 = performance.now();
  const s = i.settings;
  const { width, height } = i;
  const model = env.model(i.model).model;
  const logits = logitsTensor(model, i.classifierOutput);
  ctl.progress(0.01, 'compiling the gradient');
  const session = await env.gradients.gradient({
    model: runtimeModel(model, i.model.sha), input: i.input, shape: [1, 3, height, width],
    objective: { kind: 'direction', layer: logits }, activations: [logits], label: i.modelName,
  });
  const compileMs = performance.now() - t0;
  try {
    const dir = session.targetInputs[0];
    if (!dir || dir.shape.length !== 1) throw new Error(`${i.modelName}: the class-score objective compiled without its direction input`);
    const classes = dir.shape[0]!;
    const evaluate: Evaluate = async (x, d) => {
      const r = await session.run(x, { [dir.name]: d ?? new Float32Array(classes) });
      return { logits: Float32Array.from(r.activations[logits]!.data), grad: r.inputGrad };
    };
    const original: PixelImage = { width, height, data: i.original };
    const labelOf = (k: number) => i.labels?.[k] ?? `class ${k}`;
    const out = await attack({
      original, ...(i.start ? { start: { width, height, data: i.start } } : {}), space: i.preprocess, settings: s, evaluate,
      checkpoint: () => ctl.checkpoint(),
      onStep: (p) => {
        const done = (p.attack + p.step / Math.max(1, p.steps)) / p.attacks;
        const what = s.target === 'any' ? 'top other class' : labelOf(s.target);
        ctl.progress(0.03 + 0.9 * done, `${p.attacks > 1 ? `ε ${fmt(p.eps)} (${p.attack + 1}/${p.attacks}) · ` : ''}step ${p.step}/${p.steps} · ${what} ${(100 * p.targetProbability).toFixed(1)}%${p.fooled ? ' · fooled' : ''}`);
        ctl.preview(() => previewFrame(original, p.image(), s.method === 'pgd' ? p.eps : 16));
        // the adversarial image itself at the model's size, lossless: what Resume starts from after a crash
        ctl.checkpointImage(() => toBytes(p.image()));
      },
    });
    const kept = out.kept;
    if (kept.curve.length === 0) throw new Cancelled(); // stopped before the model saw anything

    ctl.progress(0.95, 'checking the 8-bit PNG');
    const target = out.target;
    const fooledBy = (row: ArrayLike<number>) => {
      const top1 = argmax(row);
      return target !== undefined ? top1 === target : top1 !== out.originalClass;
    };
    const { linf, l2 } = change(i.original, kept.image.data);
    const epsUsed = s.method === 'pgd' ? kept.eps : linf;
    const record = {
      model: i.modelName, photo: i.photoName, preprocess: i.preprocess, settings: s, epsUsed,
      ...(i.fromRunId ? { fromRunId: i.fromRunId } : {}),
    };
    const adversarialPng = await encodePngBytes(toBytes(kept.image), { [ADVERSARIAL_TEXT_KEY]: JSON.stringify(record) });
    // the 8-bit check: exactly the bytes that are saved and exported, decoded and classified again
    const decoded = await decodePng(adversarialPng, width, height, 'the adversarial PNG');
    const after8 = (await evaluate(new PixelMap(i.preprocess, width, height).toModel(decoded.data))).logits;
    const probs8 = toProbabilities(after8).probs;
    const change8 = change(i.original, decoded.data);
    const gain = diffGain(change8.linf);
    const fallbackReason = session.fallbackReason;
    const result: AdversarialResult = {
      status: out.cancelled ? 'cancelled' : 'done', width, height,
      original: topK(out.originalLogits, 1, i.labels).top[0]!,
      top5Before: topK(out.originalLogits, TOP, i.labels).top,
      top5After: topK(kept.logits, TOP, i.labels).top,
      target: target !== undefined ? { kind: 'class', index: target, label: labelOf(target) } : { kind: 'any' },
      fooled: fooledBy(kept.logits), ...(kept.fooledAtStep !== undefined ? { fooledAtStep: kept.fooledAtStep } : {}),
      keptStep: kept.keptStep,
      epsUsed, stepSizeUsed: out.stepSizeUsed, linf, l2, stepsDone: kept.stepsDone, curve: kept.curve,
      ...(out.search ? { search: out.search } : {}),
      eightBit: {
        fooled: fooledBy(after8), top5: topK(after8, TOP, i.labels).top,
        targetProbability: probs8[target ?? argmax(after8, out.originalClass)]!, ...change8,
      },
      diffGain: gain,
      timings: { totalMs: performance.now() - t0, compileMs, reused: !session.fresh, runs: out.runs + 1, msPerStep: out.runMs / Math.max(1, out.runs) },
      ...(fallbackReason ? { fallbackReason } : {}),
    };
    const pngs = {
      original: await encodePngBytes(toBytes(original)),
      adversarial: adversarialPng,
      difference: await encodePngBytes(differenceFrame(original, decoded, gain)),
    };
    ctl.progress(1, result.fooled ? 'fooled' : 'not fooled');
    return { result, provider: session.provider, pngs };
  } finally {
    await session.release();
  }
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}
