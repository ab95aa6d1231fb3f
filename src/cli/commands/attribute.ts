// `featurescope attribute <image> --model <m> --method …`: where the model looks, as an overlay PNG
// (+ the raw map as .npy or .csv). The PNG carries the exact settings in a tEXt chunk. `--input x.bin
// --shape 1,3,H,W` starts from a raw tensor in the model's input space instead (e.g. the PyTorch
// reference's own input), skipping the photo's decode, resize and preprocessing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Preprocess } from '../../shared/contract';
import { guessPreprocess, pixelSpace, preset, PRESET_NAMES } from '../../main/engine/pixels/index';
import { addPngText } from '../../main/engine/image/image';
import { Attributor } from '../../main/engine/attribution/attribute';
import { COLORMAPS, SIGN_MODES } from '../../shared/colormap';
import { CSV_MAX_VALUES, toCsv, toNpy } from '../../main/engine/attribution/export';
import { parseLabels } from '../../main/engine/attribution/model-info';
import { photoToInput, renderOverlay } from '../../main/engine/attribution/overlay';
import { describeTarget, parseTarget } from '../../shared/attribution-target';
import {
  ATTRIBUTION_METHODS, CHANNEL_REDUCTIONS, IG_BASELINES, OCCLUSION_SCORES, parseAttributionSettings, type InputImage,
} from '../../main/engine/attribution/types';
import { choiceFlag, labelsFlag, numberFlag, oneImage, openCommandLine, openModel, pixelsToPng, presetFlag, rawTensorFlag, tensorToPixels } from '../common';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const RESIZES = ['stretch', 'center-crop', 'pad'] as const satisfies readonly Preprocess['resize'][];

const usage = `usage: featurescope attribute <image> --model <model.onnx> --method <method> [options] --out overlay.png
       featurescope attribute [image] --input x.bin --shape 1,3,H,W --model <model.onnx> --method <method> …

methods: ${ATTRIBUTION_METHODS.join(', ')}

  --input FILE        start from a raw little-endian float32 tensor in the model's input space (as
                      'featurescope grad' takes it, e.g. the PyTorch reference's <image>_input.bin) instead
                      of a photo; the overlay is drawn over the image given, else over the tensor turned
                      back into pixels through the preprocessing
  --shape N,C,H,W     shape of the --input tensor (N = 1, C = 3)
  --target T          top1 (default) | class index | class name (needs --labels) | LAYER:CHANNEL | LAYER:CHANNEL:Y:X
  --labels FILE       class names, one per line (Caffe synset_words format is fine)
  --preset P          input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --resize R          how the photo is fit to the input size: ${RESIZES.join(' | ')} (default: the preset's, stretch)
  --size N            input size in pixels (default: the model's, else 224)
  --batch N           images per session run (default 8)
  --seed N            seed for noise (default 0)
  --provider P        auto (default) | cuda | dml | coreml | webgpu | cpu; when it cannot be used the run
                      goes on CPU and the reason is printed on stderr (and in --json as fallbackReason)
 gradient maps (saliency, gradxinput, guided, deconvnet, smoothgrad, ig, guided-gradcam):
              --channel-reduction ${CHANNEL_REDUCTIONS.join('|')} (none: every channel, signed; max-abs: max_c |g|;
              sum: Σ_c; SmoothGrad reduces each noisy sample before averaging)
 smoothgrad:  --samples N (25)  --noise F (0.15, fraction of the input range)  --inner saliency|gradxinput|ig|guided|deconvnet  --variant smoothgrad|vargrad
 ig:          --steps N (32)  --baseline ${IG_BASELINES.join('|')} (zero: 0 in the model's input space)  --blur-sigma F (10)  --integration gausslegendre|trapezoid
 gradcam, guided-gradcam:  --layer TENSOR (default: the last convolutional block)
 occlusion:   --window N (32)  --stride N (16)  --baseline-value F (0, in the model's input space)
              --class-score ${OCCLUSION_SCORES.join('|')} (the drop of a class's logit, or of its softmax probability)
 display:     --sign all|positive|negative|absolute  --colormap ${COLORMAPS.join('|')}  --opacity F (0.7)  --legend

  --out FILE          overlay PNG
  --raw FILE          the raw map: .npy (any size) or .csv (channel-summed, at most ${CSV_MAX_VALUES} values)
  --json              print timing, target score, provider and, for IG, the completeness error as JSON`;

/** A bad setting or target is wrong usage (exit 2), not a failure of the run. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const attributeCommand: Command = {
  name: 'attribute',
  summary: 'saliency, SmoothGrad, Integrated Gradients, guided backprop, Grad-CAM, occlusion: where the model looks',
  usage,
  async run(argv) {
    const { flags: f, args: [image], json } = openCommandLine(argv, { positional: ['image'], booleans: ['legend'] });
    const tensor = rawTensorFlag(f);
    if (!image && !tensor) throw new UsageError('give the image file (or --input x.bin --shape 1,3,H,W)');
    const modelPath = stringFlag(f, 'model');
    if (!modelPath) throw new UsageError('--model is required');
    const method = choiceFlag(f, 'method', ATTRIBUTION_METHODS) ?? 'saliency';
    const out = stringFlag(f, 'out');
    const raw = stringFlag(f, 'raw');
    if (!out && !raw && !json) throw new UsageError('nothing to write: give --out, --raw or --json');
    const sign = choiceFlag(f, 'sign', SIGN_MODES);
    const colormap = choiceFlag(f, 'colormap', COLORMAPS);
    const resize = choiceFlag(f, 'resize', RESIZES);

    const { model, fileName: modelName } = openModel(modelPath);
    const labels = labelsFlag(f, parseLabels);
    const input0 = model.graph.inputs.find((i) => !model.graph.initializers.some((t) => t.name === i.name));
    const dims = input0?.shape ?? [];
    const declared = typeof dims[2] === 'number' && typeof dims[3] === 'number' ? { width: dims[3], height: dims[2] } : undefined;
    const size = numberFlag(f, 'size');
    if (tensor && size !== undefined) throw new UsageError('--size does not apply to --input: its --shape gives the size');
    if (tensor && resize) throw new UsageError('--resize does not apply to --input: the tensor is already the model input');
    const fromTensor = tensor ? oneImage(tensor) : undefined;
    const wh = fromTensor ? { width: fromTensor.w, height: fromTensor.h } : size ? { width: size, height: size } : declared ?? { width: 224, height: 224 };
    const presetName = presetFlag(f);
    const guessed = presetName
      ? preset(presetName, wh.width, wh.height)
      : guessPreprocess(model, { name: input0?.name ?? '', layout: 'NCHW' }, modelName, wh);
    const pre: Preprocess = { ...guessed, ...(resize ? { resize } : {}), ...(tensor ? { layout: 'NCHW' } : {}) };

    const settings = asUsage(() => parseAttributionSettings(Object.fromEntries(Object.entries({
      method,
      target: asUsage(() => parseTarget(stringFlag(f, 'target'), labels)),
      batchSize: numberFlag(f, 'batch'), seed: numberFlag(f, 'seed'),
      channelReduction: stringFlag(f, 'channel-reduction'),
      samples: numberFlag(f, 'samples'), noiseLevel: numberFlag(f, 'noise'), inner: stringFlag(f, 'inner'), variant: stringFlag(f, 'variant'),
      steps: numberFlag(f, 'steps'), baseline: stringFlag(f, 'baseline'), blurSigma: numberFlag(f, 'blur-sigma'), integration: stringFlag(f, 'integration'),
      layer: stringFlag(f, 'layer'),
      window: numberFlag(f, 'window'), stride: numberFlag(f, 'stride'), baselineValue: numberFlag(f, 'baseline-value'), classScore: stringFlag(f, 'class-score'),
    }).filter(([, v]) => v !== undefined))));

    const status = await resolveProviderFlag(f);
    // the photo the overlay is drawn on: the image given, else the tensor's own pixels
    const photo = image ? new Uint8Array(fs.readFileSync(image)) : out ? await pixelsToPng(tensorToPixels(tensor!, pre)) : undefined;
    const input: InputImage = tensor
      ? { data: tensor.data, shape: [1, 3, wh.height, wh.width] }
      : await photoToInput(photo!, pre, path.basename(image!));
    const attributor = new Attributor(model, [3, pre.height, pre.width], { labels, pixelSpace: pixelSpace(pre), label: modelName, placement: { provider: status.active } });
    try {
      const r = await attributor.attribute(input, settings);
      const fallbackReason = reportFallback(status.fallbackReason, r.fallbackReason);
      if (out) {
        const png = await renderOverlay(photo!, r, { signMode: sign, colormap, opacity: numberFlag(f, 'opacity'), legend: f.flags.legend === true });
        const text = { 'featurescope:attribution': JSON.stringify({ model: modelName, ...(tensor ? { input: path.basename(tensor.file) } : {}), preprocess: pre, settings: r.settings }) };
        fs.writeFileSync(out, addPngText(png, text));
      }
      if (raw) fs.writeFileSync(raw, raw.toLowerCase().endsWith('.csv') ? toCsv(r) : toNpy(r.map, r.shape));
      const summary = {
        ok: true,
        method: r.settings.method,
        target: r.settings.target,
        targetScore: r.targetScore,
        ...(r.completeness ? { completeness: r.completeness } : {}),
        timings: r.timings,
        provider: r.provider,
        ...(fallbackReason ? { fallbackReason } : {}),
        shape: r.shape,
        settings: r.settings,
        ...(tensor ? { input: tensor.file } : {}),
        ...(out ? { out } : {}),
        ...(raw ? { raw } : {}),
      };
      if (json) console.log(JSON.stringify(summary));
      else {
        console.log(`${r.settings.method} for ${describeTarget(r.settings.target)}: score ${r.targetScore.toPrecision(5)}, ${r.timings.totalMs.toFixed(0)} ms (${r.timings.passes} passes, ${r.provider})`);
        if (r.completeness) console.log(`completeness error ${(100 * r.completeness.relativeError).toFixed(3)}% (Σattr ${r.completeness.attributionSum.toPrecision(5)} vs f(x) − f(baseline) ${r.completeness.scoreDelta.toPrecision(5)})`);
        if (out) console.log(`overlay → ${out}`);
        if (raw) console.log(`raw map [${r.shape.join(',')}] → ${raw}`);
      }
      return 0;
    } finally {
      await attributor.release();
    }
  },
};
