// `featurescope tuning --model m --layer L --channel C --stimulus S --out curve.png`: a unit's tuning curve
// on synthetic stimuli (or a photo rotated over 360°) from a terminal. It runs the tuning job's own two
// halves in this process (src/main/engine/tuning/local.ts) and writes the chart as a PNG; --json prints the
// curves themselves.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorCode } from '../../shared/errors';
import { PRESET_NAMES } from '../../shared/pixels';
import { STIMULUS_TEXT, TUNING_STIMULI, type TuningSettingsInput, type TuningStimulus } from '../../shared/tuning';
import { JobControl } from '../../main/engine/jobs/control';
import { localEnv } from '../../main/engine/featurevis/local';
import { runTuningLocally } from '../../main/engine/tuning/local';
import { tuningPng } from '../../main/engine/tuning/chart';
import { choiceFlag, numberFlag, openCommandLine } from '../common';
import { localModel } from '../local-model';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope tuning --model <model.onnx|default> --layer L --channel C --stimulus S --out curve.png [--json]

stimuli (drawn at the unit's receptive field, on the model's input):
${TUNING_STIMULI.map((s) => `  ${(s === 'rotate' ? 'rotate:<photo>' : s).padEnd(16)} ${STIMULUS_TEXT[s]}`).join('\n')}

options:
  --steps N          angle steps over 360° (24; gratings use half over 180°; colour: hues)
  --size PX          stimulus diameter in input pixels (default: the receptive field, at most the input)
  --position X,Y     the unit's position on the layer's map (default: its centre)
  --batch N          images per forward pass (16)
  --preprocess P     the model's input preprocessing: ${PRESET_NAMES.join(', ')} (default: guessed from the model)
  --provider P       auto (default) | cuda | dml | coreml | webgpu | cpu
  --out FILE         the chart as PNG (a line chart for one parameter, a heat map for two)
  --json             print the curves (each series' response at the unit and the map's max), the peak, timings`;

function parseStimulus(text: string | undefined): { stimulus: TuningStimulus; photo?: string } {
  if (!text) throw new UsageError(`--stimulus is required: ${TUNING_STIMULI.filter((s) => s !== 'rotate').join(', ')} or rotate:<photo>`);
  if (text.startsWith('rotate:')) {
    const photo = text.slice('rotate:'.length);
    if (!photo) throw new UsageError('--stimulus rotate:<photo> names the photo to rotate, e.g. rotate:cat.jpg');
    if (!fs.existsSync(photo)) throw new UsageError(`--stimulus rotate: photo not found: ${photo}`);
    return { stimulus: 'rotate', photo };
  }
  if (text === 'rotate') throw new UsageError('--stimulus rotate needs a photo: rotate:<photo>');
  if (!(TUNING_STIMULI as readonly string[]).includes(text)) throw new UsageError(`--stimulus must be one of ${TUNING_STIMULI.filter((s) => s !== 'rotate').join(', ')}, rotate:<photo> (got "${text}")`);
  return { stimulus: text as TuningStimulus };
}

function parsePosition(text: string | undefined): { x: number; y: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+),(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--position takes X,Y on the layer's map, whole numbers ≥ 0 (got "${text}")`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

export const tuningCommand: Command = {
  name: 'tuning',
  summary: 'tuning curves of a unit: oriented lines and edges, gratings, curves, colours, a photo rotated (Curve Detectors)',
  usage,
  async run(argv) {
    const { flags: f, json } = openCommandLine(argv, { positional: [] });
    const modelSpec = stringFlag(f, 'model');
    if (!modelSpec) throw new UsageError('--model is required (a .onnx file, or "default")');
    const layer = stringFlag(f, 'layer');
    if (!layer) throw new UsageError('--layer is required (a spatial feature map, e.g. inception_4a/output)');
    const channel = numberFlag(f, 'channel', true);
    if (channel === undefined || channel < 0) throw new UsageError('--channel is required: a whole number ≥ 0');
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required (the chart PNG)');
    if (path.extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must end in .png (got "${out}")`);
    const { stimulus, photo } = parseStimulus(stringFlag(f, 'stimulus'));
    const position = parsePosition(stringFlag(f, 'position'));
    const steps = numberFlag(f, 'steps', true), size = numberFlag(f, 'size', true), batch = numberFlag(f, 'batch', true);
    const settings: TuningSettingsInput = {
      layer, channel, stimulus, ...(position ? { position } : {}),
      ...(steps !== undefined ? { steps } : {}), ...(size !== undefined ? { size } : {}), ...(batch !== undefined ? { batch } : {}),
    };
    const preprocessName = choiceFlag(f, 'preprocess', PRESET_NAMES);

    const { file, lm, rec } = await localModel(modelSpec, preprocessName);
    const status = await resolveProviderFlag(f);
    const fallbackReason = reportFallback(status.fallbackReason);
    const showBar = !json && process.stderr.isTTY;
    const control = new JobControl({
      progress: (p) => { if (showBar) process.stderr.write(`\r${(p.fraction * 100).toFixed(0).padStart(3)}% ${p.message ?? ''}   `); },
      preview: () => undefined,
    });
    const env = localEnv(lm, status.active);
    let r: Awaited<ReturnType<typeof runTuningLocally>>;
    try {
      r = await runTuningLocally({
        lm, rec, env, control, settings, ...(photo ? { source: { bytes: new Uint8Array(fs.readFileSync(photo)), name: path.basename(photo) } } : {}),
      });
    } catch (e) {
      if (errorCode(e) === 'bad-args') throw new UsageError((e as Error).message);
      throw e;
    } finally {
      if (showBar) process.stderr.write('\n');
      await env.dispose();
    }
    const { result } = r.output;
    const s = r.input.settings;
    fs.writeFileSync(out, await tuningPng(result, `${lm.fileName} ${layer}:${channel} — ${stimulus}${photo ? ` (${path.basename(photo)})` : ''}`));
    if (json) {
      console.log(JSON.stringify({
        ok: true, out, model: { file, sha256: lm.sha256 }, layer, channel, stimulus, ...(photo ? { photo } : {}),
        position: s.position, centre: s.centre, size: s.size, map: result.map, preprocess: s.preprocess, provider: r.output.provider,
        ...(fallbackReason ? { fallbackReason } : {}),
        x: result.x, ...(result.y ? { y: result.y } : {}), series: result.series, peak: result.peak, images: result.images,
        timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)])),
      }, null, 2));
    } else {
      const p = result.peak;
      console.log(`wrote ${out} (${result.images} stimuli, ${s.size} px at map (${s.position.x}, ${s.position.y}); peak ${p.value.toPrecision(4)} (${p.series}) at ${result.x.name} ${p.x}${result.x.unit}${result.y && p.y !== undefined ? `, ${result.y.name} ${p.y}${result.y.unit}` : ''})`);
    }
    return 0;
  },
};
