// `featurescope attribute <image> --model <m> --method …`: where the model looks, as an overlay PNG
// (+ the raw map as .npy or .csv). The PNG carries the exact settings in a tEXt chunk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../main/engine/onnx/model';
import { guessPreprocess, preset, PRESET_NAMES, type PresetName } from '../../main/engine/image/preprocess';
import { addPngText } from '../../main/engine/image/image';
import { Attributor } from '../../main/engine/attribution/attribute';
import { pixelSpace } from '../../main/engine/attribution/baselines';
import { COLORMAPS, SIGN_MODES, type ColormapName, type SignMode } from '../../shared/colormap';
import { CSV_MAX_VALUES, toCsv, toNpy } from '../../main/engine/attribution/export';
import { parseLabels } from '../../main/engine/attribution/model-info';
import { photoToInput, renderOverlay } from '../../main/engine/attribution/overlay';
import { describeTarget, parseTarget } from '../../shared/attribution-target';
import { ATTRIBUTION_METHODS, parseAttributionSettings } from '../../main/engine/attribution/types';
import { parseFlags, stringFlag, UsageError, type Command, type ParsedFlags } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope attribute <image> --model <model.onnx> --method <method> [options] --out overlay.png

methods: ${ATTRIBUTION_METHODS.join(', ')}

  --target T          top1 (default) | class index | class name (needs --labels) | LAYER:CHANNEL | LAYER:CHANNEL:Y:X
  --labels FILE       class names, one per line (Caffe synset_words format is fine)
  --preset P          input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --size N            input size in pixels (default: the model's, else 224)
  --batch N           images per session run (default 16)
  --seed N            seed for noise (default 0)
  --provider P        auto (default) | cuda | dml | coreml | webgpu | cpu; when it cannot be used the run
                      goes on CPU and the reason is printed on stderr (and in --json as fallbackReason)
 smoothgrad:  --samples N (25)  --noise F (0.15, fraction of the input range)  --inner saliency|gradxinput|ig|guided|deconvnet  --variant smoothgrad|vargrad
 ig:          --steps N (32)  --baseline black|blurred|noise  --blur-sigma F (10)  --integration gausslegendre|trapezoid
 gradcam, guided-gradcam:  --layer TENSOR (default: the last convolutional block)
 occlusion:   --window N (32)  --stride N (16)  --baseline-value F (0, in the model's input space)
 display:     --sign all|positive|negative|absolute  --colormap ${COLORMAPS.join('|')}  --opacity F (0.7)  --legend

  --out FILE          overlay PNG
  --raw FILE          the raw map: .npy (any size) or .csv (channel-summed, at most ${CSV_MAX_VALUES} values)
  --json              print timing, target score, provider and, for IG, the completeness error as JSON`;

const num = (f: ParsedFlags, name: string): number | undefined => {
  const v = stringFlag(f, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${v})`);
  return n;
};

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
    const f = parseFlags(argv, ['json', 'help', 'legend']);
    const [image] = f.positional;
    const modelPath = stringFlag(f, 'model');
    if (!image) throw new UsageError('give the image file');
    if (!modelPath) throw new UsageError('--model is required');
    const method = stringFlag(f, 'method') ?? 'saliency';
    if (!(ATTRIBUTION_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method must be one of ${ATTRIBUTION_METHODS.join(', ')} (got ${method})`);
    const out = stringFlag(f, 'out');
    const raw = stringFlag(f, 'raw');
    if (!out && !raw && !f.flags.json) throw new UsageError('nothing to write: give --out, --raw or --json');

    const model = readModelFile(modelPath);
    const modelName = path.basename(modelPath);
    const labelsFile = stringFlag(f, 'labels');
    const labels = labelsFile ? parseLabels(fs.readFileSync(labelsFile, 'utf8')) : undefined;
    const input0 = model.graph.inputs.find((i) => !model.graph.initializers.some((t) => t.name === i.name));
    const dims = input0?.shape ?? [];
    const declared = typeof dims[2] === 'number' && typeof dims[3] === 'number' ? { width: dims[3], height: dims[2] } : undefined;
    const size = num(f, 'size');
    const wh = size ? { width: size, height: size } : declared ?? { width: 224, height: 224 };
    const presetName = stringFlag(f, 'preset');
    if (presetName && !(PRESET_NAMES as string[]).includes(presetName)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}`);
    const pre = presetName
      ? preset(presetName as PresetName, wh.width, wh.height)
      : guessPreprocess(model, { name: input0?.name ?? '', layout: 'NCHW' }, modelName, wh);

    const settings = asUsage(() => parseAttributionSettings(Object.fromEntries(Object.entries({
      method,
      target: asUsage(() => parseTarget(stringFlag(f, 'target'), labels)),
      batchSize: num(f, 'batch'), seed: num(f, 'seed'),
      samples: num(f, 'samples'), noiseLevel: num(f, 'noise'), inner: stringFlag(f, 'inner'), variant: stringFlag(f, 'variant'),
      steps: num(f, 'steps'), baseline: stringFlag(f, 'baseline'), blurSigma: num(f, 'blur-sigma'), integration: stringFlag(f, 'integration'),
      layer: stringFlag(f, 'layer'),
      window: num(f, 'window'), stride: num(f, 'stride'), baselineValue: num(f, 'baseline-value'),
    }).filter(([, v]) => v !== undefined))));

    const status = await resolveProviderFlag(f);
    const photo = new Uint8Array(fs.readFileSync(image));
    const input = await photoToInput(photo, pre, path.basename(image));
    const attributor = new Attributor(model, [3, pre.height, pre.width], { labels, pixelSpace: pixelSpace(pre), label: modelName, placement: { provider: status.active } });
    try {
      const r = await attributor.attribute(input, settings);
      const fallbackReason = reportFallback(status.fallbackReason, r.fallbackReason);
      const sign = stringFlag(f, 'sign');
      if (sign && !(SIGN_MODES as readonly string[]).includes(sign)) throw new UsageError(`--sign must be one of ${SIGN_MODES.join(', ')}`);
      const cmap = stringFlag(f, 'colormap');
      if (cmap && !(COLORMAPS as readonly string[]).includes(cmap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}`);
      if (out) {
        const png = await renderOverlay(photo, r, {
          signMode: sign as SignMode | undefined, colormap: cmap as ColormapName | undefined,
          opacity: num(f, 'opacity'), legend: f.flags.legend === true,
        });
        const text = { 'featurescope:attribution': JSON.stringify({ model: modelName, preprocess: pre, settings: r.settings }) };
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
        ...(out ? { out } : {}),
        ...(raw ? { raw } : {}),
      };
      if (f.flags.json) console.log(JSON.stringify(summary));
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
