// `featurescope featurevis <model> --layer L …`: feature visualization from a terminal. It runs the
// recipe's own two halves in this process (the host half's checks, then the worker half under a
// JobControl whose sink draws the progress bar) — the code path the app's jobs take — and writes the
// items as one grid PNG that carries the settings; `--json` prints each item's final objective and the
// timings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeatureItem, FeatureTarget, FeaturevisSettingsInput } from '../../shared/jobs/featurevis';
import { PRESET_NAMES } from '../../shared/pixels';
import { errorCode } from '../../shared/errors';
import { readF32 } from '../../main/engine/autodiff/gradcheck';
import { JobControl } from '../../main/engine/jobs/control';
import { localEnv, runFeaturevisLocally } from '../../main/engine/featurevis/local';
import { encodeFeaturevisPng } from '../../main/engine/featurevis/export';
import { tileGrid } from '../../main/engine/featurevis/render';
import { choiceFlag, numberFlag, openCommandLine } from '../common';
import { localModel } from '../local-model';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope featurevis <model.onnx|default> --layer L [target] [options] --out grid.png [--json]

targets (one of; default: the whole layer, DeepDream's mean of squares):
  --channel C            one channel (mean over positions)
  --channels A-B,C,…     several channels, one image each (a layer grid): e.g. 0-63
  --neuron C:Y:X         one unit of channel C at row Y, column X (C alone: the centre)
  --class K              a class logit (--layer optional: the model's classifier output); --probability: its softmax
  --direction FILE       a direction in the layer's channel space: raw little-endian float32, one value per channel
  --negative             minimize instead (weight −1)
  --diversity N          N images of the same target with Lucid's diversity term (--diversity-weight W, default 100)

options:
  --preset quick|full    quick: 64 px, 64 steps, batch 16; full (default): Lucid's 128 px, 512 steps, batch 8
  --size N  --steps N  --batch N  --seed N (default: drawn and reported)
  --param fourier|pixel|maco   image parameterization (fourier); --no-decorrelate turns Lucid's colour decorrelation off
  --spectrum-photo IMG   MACO: learn the magnitude spectrum from this photo (repeat for several; default a 1/f model)
  --photo IMG --stay-close W   feature accentuation: start from the photo, L2 pull of weight W towards it
  --lr X                 Adam's learning rate (0.05)
  --redirected-relu-steps N    Lucid's redirected ReLU gradient for the first N steps (16; 0: off)
  --l1 W --tv W --blur W       penalties on the image (0)
  --preprocess P         the model's input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --provider P           auto (default) | cuda | dml | coreml | webgpu | cpu; a fallback to CPU is reported on stderr
  --out FILE             the items as one grid PNG (settings in its text chunk)
  --json                 print each item's objective (start and final, on the untransformed image) and the timings`;

/** "0-63", "3,7,10-12" → channel numbers */
export function parseChannels(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--channels takes ranges and numbers like 0-63 or 3,7,10-12 (got "${text}")`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`--channels: the range ${a}-${b} runs backwards`);
    if (b - a > 4096) throw new UsageError(`--channels: the range ${a}-${b} is longer than 4096`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

function parseNeuron(text: string, layer: string): FeatureTarget {
  const parts = text.split(':').map((p) => Number(p));
  if (!(parts.length === 1 || parts.length === 3) || parts.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new UsageError(`--neuron takes C:Y:X (or C for the centre), whole numbers ≥ 0 (got "${text}")`);
  }
  const [channel, y, x] = parts as [number, number?, number?];
  return { kind: 'neuron', layer, channel, ...(x !== undefined ? { x } : {}), ...(y !== undefined ? { y } : {}) };
}

/** the items the flags ask for */
function itemsFromFlags(f: ReturnType<typeof openCommandLine>['flags']): { items: FeatureItem[]; diversity?: { weight: number } } {
  const layer = stringFlag(f, 'layer');
  const given = ['channel', 'channels', 'neuron', 'class', 'direction'].filter((k) => f.flags[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one target: ${given.map((g) => `--${g}`).join(' and ')} were both given`);
  const need = () => {
    if (!layer) throw new UsageError('--layer is required (the tensor to visualize, e.g. inception_4c/output)');
    return layer;
  };
  const weight = f.flags.negative ? -1 : 1;
  let targets: FeatureTarget[];
  if (f.flags.channel !== undefined) targets = [{ kind: 'channel', layer: need(), channel: numberFlag(f, 'channel', true)! }];
  else if (f.flags.channels !== undefined) targets = parseChannels(stringFlag(f, 'channels')!).map((channel) => ({ kind: 'channel', layer: need(), channel }));
  else if (f.flags.neuron !== undefined) targets = [parseNeuron(stringFlag(f, 'neuron')!, need())];
  else if (f.flags.class !== undefined) {
    targets = [{ kind: 'class', index: numberFlag(f, 'class', true)!, ...(layer ? { layer } : {}), ...(f.flags.probability ? { score: 'probability' as const } : {}) }];
  } else if (f.flags.direction !== undefined) {
    const file = stringFlag(f, 'direction')!;
    targets = [{ kind: 'direction', layer: need(), vector: Array.from(readF32(file)) }];
  } else targets = [{ kind: 'layer', layer: need() }];
  if (targets.some((t) => 'channel' in t && t.channel < 0)) throw new UsageError('--channel must be ≥ 0');
  const diversityN = numberFlag(f, 'diversity', true);
  if (diversityN !== undefined) {
    if (targets.length !== 1) throw new UsageError('--diversity renders several images of ONE target: give --channel, --neuron, --class or --direction, not --channels');
    if (diversityN < 2 || diversityN > 64) throw new UsageError(`--diversity must be 2..64 images (got ${diversityN})`);
    const one: FeatureItem = { terms: [{ target: targets[0]!, weight }] };
    return { items: Array.from({ length: diversityN }, () => one), diversity: { weight: numberFlag(f, 'diversity-weight') ?? 100 } };
  }
  return { items: targets.map((target) => ({ terms: [{ target, weight }] })) };
}

function bar(fraction: number, text: string): string {
  const width = 28;
  const fill = Math.round(fraction * width);
  return `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`;
}

export const featurevisCommand: Command = {
  name: 'featurevis',
  summary: 'feature visualization: images that excite a channel, neuron, layer, class or direction (Lucid, MACO)',
  usage,
  async run(argv) {
    const { flags: f, args: [modelSpec], json, repeated } = openCommandLine(argv, {
      positional: ['model'], missing: 'name the model (a .onnx file, or "default")',
      booleans: ['negative', 'probability', 'no-decorrelate'], repeatable: ['spectrum-photo'],
    });
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required (the grid PNG)');
    if (path.extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must end in .png (got "${out}")`);
    const { items, diversity } = itemsFromFlags(f);
    const photoFile = stringFlag(f, 'photo');
    const spectrumFiles = repeated['spectrum-photo']!;
    for (const p of [photoFile, ...spectrumFiles]) if (p && !fs.existsSync(p)) throw new Error(`photo not found: ${p}`);
    const preprocessName = choiceFlag(f, 'preprocess', PRESET_NAMES);
    const settings: FeaturevisSettingsInput = {
      items,
      ...(diversity ? { diversity } : {}),
      ...defined({
        preset: choiceFlag(f, 'preset', ['quick', 'full'] as const), size: numberFlag(f, 'size', true), steps: numberFlag(f, 'steps', true),
        batch: numberFlag(f, 'batch', true), seed: numberFlag(f, 'seed', true), param: choiceFlag(f, 'param', ['fourier', 'pixel', 'maco'] as const),
        lr: numberFlag(f, 'lr'), redirectedReluSteps: numberFlag(f, 'redirected-relu-steps', true),
        l1: numberFlag(f, 'l1'), tv: numberFlag(f, 'tv'), blur: numberFlag(f, 'blur'), stayClose: numberFlag(f, 'stay-close'),
      }),
      ...(f.flags['no-decorrelate'] ? { decorrelate: false } : {}),
      ...(photoFile ? { photoId: path.basename(photoFile) } : {}),
      ...(spectrumFiles.length ? { spectrumPhotoIds: spectrumFiles.map((p) => path.basename(p)) } : {}),
    };

    const { file, lm, rec } = await localModel(modelSpec!, preprocessName);
    const status = await resolveProviderFlag(f);
    let fallbackReason = reportFallback(status.fallbackReason);
    const showBar = !json && process.stderr.isTTY;
    const control = new JobControl({
      progress: (p) => {
        if (showBar) process.stderr.write(bar(p.fraction, `${p.message ?? ''}  ETA ${((p.etaMs ?? 0) / 1000).toFixed(0)} s   `));
      },
      preview: () => undefined,
    });
    const env = localEnv(lm, status.active);
    const read = (p: string) => ({ bytes: new Uint8Array(fs.readFileSync(p)), name: path.basename(p) });
    let r: Awaited<ReturnType<typeof runFeaturevisLocally>>;
    try {
      r = await runFeaturevisLocally({
        lm, rec, env, control, settings,
        ...(photoFile ? { photo: read(photoFile) } : {}), ...(spectrumFiles.length ? { spectrumPhotos: spectrumFiles.map(read) } : {}),
      });
    } catch (e) {
      // a setting the model refuses (a channel out of range, a layer without positions…) is wrong usage
      if (errorCode(e) === 'bad-args') throw new UsageError((e as Error).message);
      throw e;
    } finally {
      if (showBar) process.stderr.write('\n');
      await env.dispose();
    }
    const { outcome, input } = r;
    fallbackReason = reportFallback(fallbackReason, outcome.fallbackReason);
    const cols = Math.ceil(Math.sqrt(outcome.items.length));
    const grid = tileGrid(outcome.items.map((it) => it.rgb), outcome.size, cols);
    const png = await encodeFeaturevisPng(grid, {
      kind: 'featurevis', version: 1, settings: { ...input.settings },
      grid: { cols, items: outcome.items.map((it) => ({ index: it.item, label: it.label, objective: it.objective })) },
      model: { name: lm.fileName, sha256: lm.sha256 }, provider: outcome.provider, status: outcome.status, createdAt: new Date().toISOString(),
    });
    fs.writeFileSync(out, png);
    const s = input.settings;
    const report = {
      ok: true, out, model: { file, sha256: lm.sha256 }, preprocess: s.preprocess.preset, modelInput: s.modelInput,
      size: s.size, steps: s.steps, batch: s.batch, seed: s.seed, param: s.param, provider: outcome.provider, ...(fallbackReason ? { fallbackReason } : {}),
      items: outcome.items.map((it) => ({ item: it.item, label: it.label, objectiveStart: it.objectiveStart, objective: it.objective })),
      timings: { totalMs: Math.round(outcome.timings.totalMs), compileMs: Math.round(outcome.timings.compileMs), msPerImageStep: Number(outcome.timings.msPerImageStep.toFixed(2)) },
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      const one = outcome.items.length === 1 ? `, objective ${outcome.items[0]!.objectiveStart.toPrecision(4)} → ${outcome.items[0]!.objective.toPrecision(4)}` : '';
      console.log(`wrote ${out} (${outcome.items.length} item${outcome.items.length === 1 ? '' : 's'}, ${s.size} px, ${s.steps} steps, seed ${s.seed}, ${(outcome.timings.totalMs / 1000).toFixed(1)} s${one})`);
    }
    return 0;
  },
};

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
