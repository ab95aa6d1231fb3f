// `featurescope classify <model.onnx> <image>`: top-K classes for a photo, with the same engine code the
// app uses (inspection, preprocessing, onnxruntime on the chosen provider, softmax only when needed).
import * as fs from 'node:fs';
import { inspectModel } from '../../main/engine/onnx/inspect';
import { decodeResized } from '../../main/engine/image/image';
import { imageToTensor, preset, PRESET_NAMES } from '../../main/engine/pixels/index';
import { parseLabels, topK } from '../../main/engine/runtime/classify';
import { builtInLabels, classText, type LabelsOrigin } from '../../main/engine/labels/imagenet';
import { SessionCache } from '../../main/engine/runtime/sessions';
import { labelsFlag, openCommandLine, openModel, presetFlag } from '../common';
import { intFlag, stringFlag, type Command } from './types';
import { providerFlag, reportFallback } from './provider';
import * as ort from 'onnxruntime-node';

const usage = `usage: featurescope classify <model.onnx> <image> [options]

  --preset NAME    preprocessing: ${PRESET_NAMES.join(' | ')} (default: guessed from the model)
  --labels FILE    class names, one per line (Caffe synset lines like "n01440764 tench, Tinca tinca" work);
                   without it a 1000-way classifier gets the ImageNet-1000 names that ship with Featurescope
                   (1001-way: "background" first), and other models print class numbers
  --top K          how many classes to show (5)
  --provider P     auto (default) | cuda | dml | coreml | webgpu | cpu; when it cannot be used the run
                   goes on CPU and the reason is printed on stderr (and in --json as fallbackReason)
  --json           print JSON: top classes, timings, provider

exit codes: 0 ok, 1 the model or image cannot be used, 2 bad usage`;

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'top-K ImageNet-style classes of a photo with a classifier model',
  usage,
  async run(argv) {
    const { flags: f, args, json } = openCommandLine(argv, {
      positional: ['model', 'image'], missing: 'give a model and an image: featurescope classify <model.onnx> <image>',
    });
    const [modelFile, imageFile] = args as [string, string];
    const top = intFlag(f, 'top', 5, 1, 1000);
    const presetName = presetFlag(f);
    const provider = providerFlag(f);

    const t0 = performance.now();
    const lm = openModel(modelFile);
    const d = await inspectModel(lm, { layers: false });
    if (!d.classifierOutput) throw Object.assign(new Error(`${d.fileName} is not a classifier: no output of shape [N, classes].`), { code: 'not-classifier' });
    const guess = d.suggestedPreprocess;
    const pre = presetName ? preset(presetName, guess.width, guess.height, guess.layout) : guess;
    const fromFile = labelsFlag(f, parseLabels);
    if (fromFile && d.classCount && fromFile.length !== d.classCount) {
      throw Object.assign(new Error(`${stringFlag(f, 'labels')} has ${fromFile.length} labels but the model has ${d.classCount} classes.`), { code: 'labels-mismatch' });
    }
    const builtIn = fromFile ? undefined : builtInLabels(d.classCount);
    const labels = fromFile ?? builtIn?.labels;
    const labelsOrigin: LabelsOrigin = fromFile ? 'file' : builtIn?.origin ?? 'none';
    const tInspect = performance.now();

    const img = await decodeResized(fs.readFileSync(imageFile), pre.width, pre.height, pre.resize, imageFile);
    const input = d.inputs.find((i) => i.name === d.imageInput);
    const ch = pre.layout === 'NCHW' ? input?.shape[1] : input?.shape[3];
    const t = imageToTensor(img, pre, ch === 1 ? 1 : 3);
    const tPre = performance.now();

    const cache = new SessionCache();
    await cache.setProvider(provider);
    const s = await cache.get({ sha: lm.sha256, variant: 'plain', inputShape: t.dims }, () => ({ path: modelFile }));
    // after get(): the status also carries the reason when the provider started but could not take this model
    const fallbackReason = reportFallback(cache.status().fallbackReason);
    const tSession = performance.now();
    const out = await s.session.run({ [d.imageInput]: new ort.Tensor('float32', t.data, t.dims) }, [d.classifierOutput]);
    const tRun = performance.now();
    const { top: classes, appliedSoftmax } = topK((out[d.classifierOutput] as ort.Tensor).data as Float32Array, top, labels);
    await cache.releaseAll();

    const timings = {
      inspectMs: Math.round(tInspect - t0), preprocessMs: Math.round(tPre - tInspect),
      sessionMs: Math.round(tSession - tPre), runMs: Math.round(tRun - tSession), totalMs: Math.round(tRun - t0),
    };
    if (json) {
      console.log(JSON.stringify({ ok: true, model: d.fileName, image: imageFile, output: d.classifierOutput, appliedSoftmax, labels: labelsOrigin, preprocess: pre, top: classes, provider: s.provider, ...(fallbackReason ? { fallbackReason } : {}), timings }, null, 2));
      return 0;
    }
    console.log(`${d.fileName} on ${imageFile} (${pre.preset} preprocessing, ${s.provider}):`);
    for (const c of classes) console.log(`  ${(c.probability * 100).toFixed(2).padStart(6)}%  ${classText(c.index, labels?.[c.index])}`);
    if (builtIn) console.log(`class names: ImageNet-1000, built in (the model has ${d.classCount} outputs; --labels FILE gives others)`);
    console.log(`inspect ${timings.inspectMs} ms, preprocess ${timings.preprocessMs} ms, session ${timings.sessionMs} ms, run ${timings.runMs} ms`);
    return 0;
  },
};
