// `featurescope style <content> --style a.jpg[:W] … --model m|default --out out.png`: neural style transfer
// (and texture synthesis, feature inversion) from a terminal. It runs the recipe's own two halves in this
// process — the host half's checks (photos, layers, memory budget), then the worker half under a JobControl
// whose sink draws the progress bar — and writes the result with its settings embedded; `--json` prints the
// losses per layer at the end and the timings. Ctrl-C stops at the next iteration and keeps the image.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorCode } from '../../shared/errors';
import { PRESET_NAMES } from '../../shared/pixels';
import { STYLE_INITS, STYLE_MODES, STYLE_OPTIMIZERS, type StyleSettingsInput } from '../../shared/jobs/style';
import { JobControl } from '../../main/engine/jobs/control';
import { localEnv } from '../../main/engine/featurevis/local';
import { prepareStyle, type PhotoSource } from '../../main/engine/style/prepare';
import { encodeStyle, readStyleRecord } from '../../main/engine/style/export';
import { styleRecipe, styleResult } from '../../main/engine/recipes/style';
import { choiceFlag, numberFlag, openCommandLine } from '../common';
import { localModel } from '../local-model';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope style <content> --style a.jpg[:W] [--style b.jpg[:W] …] --model <model.onnx|default> --out <out.png|out.jpg> [options]
       featurescope style --mode texture --style a.jpg --model … --out texture.png
       featurescope style <content> --mode inversion [--content-layers L] --model … --out inverted.png

  --style FILE[:W]       a style image and its blend weight (1); repeat for several (weights are normalized)
  --model M              the loss network: a .onnx file, or "default" (the built-in InceptionV3)
  --mode M               transfer (default) | texture (style only, from noise) | inversion (one content layer, from noise)
  --content-layers L,…   tensor names (default: the preset for the architecture — VGG: relu4_2; printed with --json)
  --style-layers L,…     tensor names (default: VGG: relu1_1 … relu5_1, or the nearest layers the model has)
  --content-weight X     5 (neural-style's; 0 for texture)
  --style-weight X       100 (0 for inversion)
  --tv-weight X          1e-3, in 0..255 pixel levels whatever the model's value range
  --optimizer O          lbfgs (default; one iteration = one evaluation, history --lbfgs-history 100) | adam
  --lr X                 Adam's learning rate in pixel levels (10)
  --iterations N         per stage (500)
  --size N               the output's long side (512)
  --multires A,B,…       stages' long sides, e.g. 256,512,1024 (each starts from the last, upsampled; the last is the output)
  --stage-iterations A,B,… iterations per multires stage
  --init I               content | noise | style (default: content for transfer, noise otherwise)
  --style-scale X        the style images' size relative to the output (1)
  --original-colors      keep the content photo's colours (luminance-only transfer)
  --seed N               the noise init's seed (default: drawn, reported)
  --from FILE            continue from an earlier result (a PNG or JPEG this command wrote)
  --preprocess P         the model's input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --provider P           auto (default) | cuda | dml | coreml | webgpu | cpu; a fallback to CPU is reported on stderr
  --out FILE             .png (settings in a text chunk) or .jpg/.jpeg (settings in XMP)
  --json                 print the losses per layer at the end, the layers chosen and why, and the timings`;

/** "wave.jpg", "wave.jpg:0.5" → file and weight (a file name may itself hold ':' when a weight follows) */
export function parseStyleFlag(spec: string): { file: string; weight: number } {
  const m = /^(.*):([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)$/i.exec(spec);
  if (m && !fs.existsSync(spec)) {
    const weight = Number(m[2]);
    if (!(weight > 0)) throw new UsageError(`--style ${spec}: the blend weight must be greater than 0`);
    return { file: m[1]!, weight };
  }
  return { file: spec, weight: 1 };
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

function numbers(f: ReturnType<typeof openCommandLine>['flags'], name: string): number[] | undefined {
  const v = list(stringFlag(f, name));
  if (!v) return undefined;
  const n = v.map(Number);
  if (n.some((x) => !Number.isInteger(x) || x < 1)) throw new UsageError(`--${name} takes whole numbers separated by commas (got "${v.join(',')}")`);
  return n;
}

function bar(fraction: number, text: string): string {
  const width = 28;
  const fill = Math.round(fraction * width);
  return `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`;
}

/** a progress message's short form for the bar: "stage 1/1 · iteration 12/500 · loss 3.1e+6" */
const short = (m: string | undefined) => (m ?? '').replace(/ = content.*$/, '').slice(0, 90);

export const styleCommand: Command = {
  name: 'style',
  summary: 'neural style transfer (Gatys / neural-style), texture synthesis and feature inversion on any CNN',
  usage,
  async run(argv) {
    const { flags: f, args: [contentFile], json, repeated } = openCommandLine(argv, { positional: ['content'], booleans: ['original-colors'], repeatable: ['style'] });
    const mode = choiceFlag(f, 'mode', STYLE_MODES) ?? 'transfer';
    const styles = repeated.style!.map(parseStyleFlag);
    if (mode !== 'texture' && !contentFile) throw new UsageError('name the content photo (texture synthesis, --mode texture, needs none)');
    if (mode === 'texture' && contentFile) throw new UsageError('texture synthesis (--mode texture) takes no content photo');
    if (mode !== 'inversion' && styles.length === 0) throw new UsageError('give at least one --style image');
    const modelSpec = stringFlag(f, 'model');
    if (!modelSpec) throw new UsageError('--model is required (a .onnx file, or "default")');
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required');
    const ext = path.extname(out).toLowerCase();
    if (!['.png', '.jpg', '.jpeg'].includes(ext)) throw new UsageError(`--out must end in .png, .jpg or .jpeg (got "${out}")`);
    const read = (file: string, what: string): PhotoSource => {
      if (!fs.existsSync(file)) throw new Error(`${what} not found: ${file}`);
      if (!fs.statSync(file).isFile()) throw new Error(`${what} ${file} is not a file`);
      return { bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) };
    };
    const content = contentFile ? read(contentFile, 'content photo') : undefined;
    const stylePhotos = styles.map((s, i) => read(s.file, `style image ${i + 1}`));
    const fromFile = stringFlag(f, 'from');
    const start = fromFile ? read(fromFile, '--from image') : undefined;
    if (start && !readStyleRecord(start.bytes)) throw new UsageError(`--from ${fromFile}: it holds no Featurescope style settings (continue from a result this command wrote)`);

    const settings: StyleSettingsInput = {
      mode,
      styles: styles.map((s, i) => ({ photoId: stylePhotos[i]!.name, weight: s.weight })),
      ...defined({
        contentLayers: list(stringFlag(f, 'content-layers')), styleLayers: list(stringFlag(f, 'style-layers')),
        contentWeight: numberFlag(f, 'content-weight'), styleWeight: numberFlag(f, 'style-weight'), tvWeight: numberFlag(f, 'tv-weight'),
        optimizer: choiceFlag(f, 'optimizer', STYLE_OPTIMIZERS), lbfgsHistory: numberFlag(f, 'lbfgs-history', true), lr: numberFlag(f, 'lr'),
        iterations: numberFlag(f, 'iterations', true), size: numberFlag(f, 'size', true), multires: numbers(f, 'multires'),
        stageIterations: numbers(f, 'stage-iterations'), init: choiceFlag(f, 'init', STYLE_INITS), styleScale: numberFlag(f, 'style-scale'),
        seed: numberFlag(f, 'seed', true),
      }),
      ...(f.flags['original-colors'] ? { originalColors: true } : {}),
    };

    const { file, lm, rec } = await localModel(modelSpec, choiceFlag(f, 'preprocess', PRESET_NAMES));
    let prepared: Awaited<ReturnType<typeof prepareStyle>>;
    try {
      prepared = await prepareStyle({
        net: rec, model: lm.model, modelRef: { sha: lm.sha256, fileName: lm.fileName, ...(lm.path ? { path: lm.path } : {}) },
        settings, ...(content ? { content } : {}), styles: mode === 'inversion' ? [] : stylePhotos, ...(start ? { start } : {}),
      });
    } catch (e) {
      // a setting the model or the budget refuses is wrong usage (exit 2, with the usage text)
      if (errorCode(e) === 'bad-args' || errorCode(e) === 'too-big' || errorCode(e) === 'no-style-layers') throw new UsageError((e as Error).message);
      throw e;
    }

    const status = await resolveProviderFlag(f);
    let fallbackReason = reportFallback(status.fallbackReason);
    const showBar = !json && process.stderr.isTTY;
    const control = new JobControl({
      progress: (p) => { if (showBar) process.stderr.write(bar(p.fraction, `${short(p.message)}  ETA ${((p.etaMs ?? 0) / 1000).toFixed(0)} s   `)); },
      preview: () => undefined,
    }, { previewEveryMs: Infinity });
    const onInt = () => control.cancel();
    process.once('SIGINT', onInt);
    const env = localEnv(lm, status.active);
    let output: Awaited<ReturnType<typeof styleRecipe.run>>['output'];
    try {
      ({ output } = await styleRecipe.run(prepared.input, control, env));
    } finally {
      process.removeListener('SIGINT', onInt);
      if (showBar) process.stderr.write('\n');
      await env.dispose();
    }
    fallbackReason = reportFallback(fallbackReason, output.fallbackReason);
    const s = prepared.input.settings;
    fs.writeFileSync(out, await encodeStyle(output.image, ext === '.png' ? 'png' : 'jpeg', {
      kind: 'style', version: 1, settings: { ...s }, model: { name: lm.fileName, sha256: lm.sha256 },
      ...(content ? { content: { name: content.name } } : {}), styles: s.mode === 'inversion' ? [] : stylePhotos.map((p, i) => ({ name: p.name, weight: styles[i]!.weight })),
      provider: output.provider, status: output.status, losses: output.losses, totalMs: output.timings.totalMs, createdAt: new Date().toISOString(),
    }));
    const r = styleResult(output);
    const named = (layers: string[], values: number[]) => Object.fromEntries(layers.map((l, i) => [l, values[i]!]));
    const report = {
      ok: true, out, status: output.status, width: r.width, height: r.height, model: { file, sha256: lm.sha256 }, preprocess: s.preprocess.preset,
      mode: s.mode, contentLayers: s.contentLayers, styleLayers: s.styleLayers, layerChoice: s.layerChoice,
      weights: { content: s.contentWeight, style: s.styleWeight, tv: s.tvWeight }, optimizer: s.optimizer, init: s.init, seed: s.seed, stages: s.stages,
      provider: output.provider, ...(fallbackReason ? { fallbackReason } : {}), iterationsDone: r.iterationsDone,
      losses: {
        total: r.losses.total, content: r.losses.content, style: r.losses.style, tv: r.losses.tv,
        contentPerLayer: named(s.contentLayers, r.losses.contentLayers), stylePerLayer: s.mode === 'inversion' ? {} : named(s.styleLayers, r.losses.styleLayers),
      },
      lossesStart: { total: r.lossesStart.total, content: r.lossesStart.content, style: r.lossesStart.style, tv: r.lossesStart.tv },
      timings: {
        totalMs: Math.round(r.timings.totalMs), targetsMs: Math.round(r.timings.targetsMs), compileMs: Math.round(r.timings.compileMs),
        msPerIteration: Math.round(r.timings.msPerIteration), stages: r.timings.stages.map((st) => ({ ...st, ms: Math.round(st.ms) })),
      },
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`wrote ${out} (${r.width}×${r.height}, ${output.status === 'cancelled' ? `cancelled after ${r.iterationsDone} iterations` : `${r.iterationsDone} iterations`}, ${(r.timings.totalMs / 1000).toFixed(1)} s; loss ${r.lossesStart.total.toPrecision(4)} → ${r.losses.total.toPrecision(4)}: content ${r.losses.content.toPrecision(4)}, style ${r.losses.style.toPrecision(4)}, tv ${r.losses.tv.toPrecision(4)})`);
      console.log(`layers: ${s.layerChoice.reason}`);
    }
    return output.status === 'cancelled' ? 130 : 0;
  },
};

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
