// `featurescope adversarial <photo> --model m --target CLASS|any`: a fooling image / adversarial example
// from the terminal. The same code path as the app: the recipe's host checks (prepareAdversarial) and its
// worker half (runAdversarial) run in-process under a JobControl whose sink draws the progress bar; Ctrl-C
// cancels at the next step and keeps the best image so far. The PNG is written at the model's input size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADVERSARIAL_LOSSES, ADVERSARIAL_METHODS, METHOD_DEFAULTS, type AdversarialSettingsInput } from '../../shared/jobs/adversarial';
import { EngineError } from '../../shared/errors';
import { preset, PRESET_NAMES } from '../../main/engine/pixels/index';
import { inspectModel } from '../../main/engine/onnx/inspect';
import { parseLabels } from '../../main/engine/runtime/classify';
import { SessionCache } from '../../main/engine/runtime/sessions';
import { GradientRuntime } from '../../main/engine/gradients/index';
import { JobControl, type JobProgress } from '../../main/engine/jobs/control';
import { prepareAdversarial } from '../../main/engine/adversarial/prepare';
import { runAdversarial } from '../../main/engine/adversarial/run';
import { choiceFlag, labelsFlag, numberFlag, openCommandLine, openModel, presetFlag } from '../common';
import { stringFlag, UsageError, type Command } from './types';
import { providerFlag, reportFallback } from './provider';

const usage = `usage: featurescope adversarial <photo> --model <model.onnx> --target CLASS|any --out adv.png [options]

  --target T        the class to fool the model into: an index (0 = tench on ImageNet), a class name
                    (needs class names: --labels), or "any" (untargeted: anything but the photo's class)
  --method M        ${ADVERSARIAL_METHODS.join(' | ')}: pgd = iterative gradient sign inside an L∞ budget (default);
                    fool = CS231n's fooling loop: unconstrained gradient ascent until the target is top-1
  --eps E           pgd: L∞ budget in 0..255 pixel levels (${2}); with --min-eps the top of the search
  --steps N         pgd: steps (${METHOD_DEFAULTS.pgd.steps}); fool: most steps (${METHOD_DEFAULTS.fool.steps})
  --step-size A     pgd: sign step in pixel levels (${METHOD_DEFAULTS.pgd.stepSize}); fool: L2 length of a step in pixel levels (${METHOD_DEFAULTS.fool.stepSize})
  --loss L          ${ADVERSARIAL_LOSSES.join(' | ')} (pgd: ${METHOD_DEFAULTS.pgd.loss}; fool: ${METHOD_DEFAULTS.fool.loss}): the target's logit, or its margin
                    over the strongest other class
  --min-eps         search the smallest ε that flips the prediction (bisection in (0, eps])
  --search-runs N   PGD runs of that bisection after the one at --eps (5)
  --8bit            optimize in 8-bit space: the model sees whole pixel levels after every step (the
                    PNG is then exactly what fooled it); ε allows whole levels only, PGD steps round up to 1
  --random-start    pgd: start at a random point of the ε-box (--seed N, default 0)
  --labels FILE     class names, one per line (Caffe synset_words format is fine)
  --preset P        input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --provider P      auto (default) | cuda | dml | coreml | webgpu | cpu
  --out FILE        the adversarial example, a PNG at the model's input size (its settings in a text chunk)
  --diff FILE       the difference, amplified (mid-grey = unchanged)
  --original FILE   the photo as the model saw it (resized)
  --json            print predictions before/after, ε used, L∞ and L2 of the change, steps, and whether
                    the written 8-bit PNG still fools the model

exit codes: 0 ok (fooled or not: see the report), 1 the model or photo cannot be used, 2 bad usage`;

function bar(p: JobProgress): string {
  const width = 28;
  const fill = Math.round(p.fraction * width);
  return `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(p.fraction * 100).toFixed(0).padStart(3)}% ${(p.message ?? '').padEnd(60)}`;
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const adversarialCommand: Command = {
  name: 'adversarial',
  summary: 'fooling images and adversarial examples: the smallest change that makes a classifier say another class',
  usage,
  async run(argv) {
    const { flags: f, args: [photo], json } = openCommandLine(argv, { positional: ['photo'], booleans: ['min-eps', '8bit', 'random-start'] });
    if (!photo) throw new UsageError('name the photo to attack');
    const modelPath = stringFlag(f, 'model');
    if (!modelPath) throw new UsageError('--model is required');
    const target = stringFlag(f, 'target');
    if (target === undefined) throw new UsageError('--target is required: a class index, a class name, or "any"');
    const out = stringFlag(f, 'out');
    if (!out && !json) throw new UsageError('nothing to write: give --out adv.png (and/or --json)');
    if (!fs.existsSync(photo) || !fs.statSync(photo).isFile()) throw new EngineError('no-such-item', `photo not found: ${photo}`);
    const settings: AdversarialSettingsInput = {
      target: /^\d+$/.test(target) ? Number(target) : target,
      ...defined({
        method: choiceFlag(f, 'method', ADVERSARIAL_METHODS), eps: numberFlag(f, 'eps'), steps: numberFlag(f, 'steps', true),
        stepSize: numberFlag(f, 'step-size'), loss: choiceFlag(f, 'loss', ADVERSARIAL_LOSSES), searchRuns: numberFlag(f, 'search-runs', true),
        seed: numberFlag(f, 'seed', true),
      }),
      ...(f.flags['min-eps'] ? { minEps: true } : {}),
      ...(f.flags['8bit'] ? { space: '8bit' as const } : {}),
      ...(f.flags['random-start'] ? { randomStart: true } : {}),
    };
    const provider = providerFlag(f);

    const lm = openModel(modelPath);
    const d = await inspectModel(lm, { layers: false });
    const presetName = presetFlag(f);
    const pre = presetName ? preset(presetName, d.suggestedPreprocess.width, d.suggestedPreprocess.height, d.suggestedPreprocess.layout) : d.suggestedPreprocess;
    const labels = labelsFlag(f, parseLabels);
    if (labels && d.classCount && labels.length !== d.classCount) throw new UsageError(`${stringFlag(f, 'labels')} has ${labels.length} labels but ${d.fileName} has ${d.classCount} classes`);
    let prepared;
    try {
      prepared = await prepareAdversarial(
        { ref: { sha: lm.sha256, fileName: lm.fileName, ...(lm.path ? { path: lm.path } : { bytes: lm.bytes }) }, name: lm.fileName, description: d, preprocess: pre, ...(labels ? { labels } : {}) },
        { name: path.basename(photo), bytes: () => new Uint8Array(fs.readFileSync(photo)) },
        settings,
      );
    } catch (e) {
      // a setting the model cannot take is wrong usage; a model that is no classifier is not
      if (e instanceof EngineError && e.code === 'bad-args') throw new UsageError(e.message);
      throw e;
    }

    const cache = new SessionCache();
    const status = await cache.setProvider(provider);
    const gradients = new GradientRuntime({ sessions: cache });
    const showBar = !json && process.stderr.isTTY;
    const ctl = new JobControl({ progress: (p) => { if (showBar) process.stderr.write(bar(p)); }, preview: () => undefined });
    const stop = () => ctl.cancel();
    process.once('SIGINT', stop);
    try {
      const { result: r, provider: ran, pngs } = await runAdversarial(prepared.input, ctl, { model: () => lm, gradients });
      if (showBar) process.stderr.write('\n');
      const fallbackReason = reportFallback(status.fallbackReason, r.fallbackReason);
      if (out) fs.writeFileSync(out, pngs.adversarial);
      const diff = stringFlag(f, 'diff'), original = stringFlag(f, 'original');
      if (diff) fs.writeFileSync(diff, pngs.difference);
      if (original) fs.writeFileSync(original, pngs.original);
      const s = prepared.input.settings;
      const report = {
        ok: true, status: r.status, model: d.fileName, photo, size: { width: r.width, height: r.height }, preprocess: pre.preset,
        method: s.method, target: r.target, fooled: r.fooled, fooledAtStep: r.fooledAtStep, keptStep: r.keptStep,
        before: r.top5Before, after: r.top5After, epsUsed: r.epsUsed, stepSize: r.stepSizeUsed, linf: r.linf, l2: r.l2, steps: r.stepsDone,
        stillFoolsAfter8bit: r.eightBit.fooled, eightBit: r.eightBit, ...(r.search ? { search: r.search } : {}),
        curve: r.curve, settings: s, timings: r.timings, provider: ran, ...(fallbackReason ? { fallbackReason } : {}),
        ...(out ? { out } : {}), ...(diff ? { diff } : {}), ...(original ? { original } : {}),
      };
      if (json) console.log(JSON.stringify(report, null, 2));
      else {
        const name = (c: { label: string; index: number; probability: number }) => `${c.label} (${c.index}) ${(100 * c.probability).toFixed(1)}%`;
        console.log(`before: ${name(r.top5Before[0]!)}`);
        console.log(`after:  ${name(r.top5After[0]!)} — ${r.fooled ? 'fooled' : 'not fooled'}${r.status === 'cancelled' ? ' (cancelled)' : ''}`);
        console.log(`change: L∞ ${r.linf.toFixed(2)}, L2 ${r.l2.toFixed(1)} pixel levels (ε ${r.epsUsed.toPrecision(3)}), ${r.stepsDone} steps${r.search?.found !== undefined ? `, smallest ε found ${r.search.found.toPrecision(3)} in ${r.search.runs.length} PGD runs` : ''}`);
        console.log(`8-bit PNG: ${name(r.eightBit.top5[0]!)} — ${r.eightBit.fooled ? 'still fools the model' : 'rounding undid it (try --8bit)'}`);
        if (out) console.log(`adversarial → ${out} (${r.width}×${r.height}, the model's input size)`);
      }
      return 0;
    } finally {
      process.off('SIGINT', stop);
      await gradients.release();
      await cache.releaseAll();
    }
  },
};
