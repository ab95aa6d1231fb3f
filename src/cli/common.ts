// The opening every `featurescope <command>` run shares, written once: flags and positional arguments,
// and the flags several commands take — numbers, --preset, --labels, --model files, --input/--shape raw
// tensors — each read, checked and explained the same way. (--provider is in commands/provider.ts.)
import * as fs from 'node:fs';
import sharp from 'sharp';
import { readF32 } from '../main/engine/autodiff/gradcheck';
import { loadModelFile, type LoadedModel } from '../main/engine/onnx/inspect';
import { fromPlanar, PRESET_NAMES, type PixelSpace, type PresetName, type Rgb } from '../main/engine/pixels/index';
import { parseFlags, stringFlag, UsageError, type ParsedFlags } from './commands/types';

export interface CommandLine {
  flags: ParsedFlags;
  /** positional arguments, in the order of spec.positional; absent ones are undefined */
  args: (string | undefined)[];
  json: boolean;
  /** every value of each repeatable flag, in the order given */
  repeated: Record<string, string[]>;
}

export interface CommandLineSpec {
  /** names of the positional arguments; one more is an "unexpected argument" */
  positional: string[];
  /** when set, every positional argument is required and this is what a missing one says */
  missing?: string;
  /** flags that take no value (json and help always are) */
  booleans?: string[];
  /** flags that may repeat: the generic parser would keep only the last, so they are pulled out first */
  repeatable?: string[];
}

export function openCommandLine(argv: string[], spec: CommandLineSpec): CommandLine {
  const repeated: Record<string, string[]> = Object.fromEntries((spec.repeatable ?? []).map((n) => [n, []]));
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : '';
    if (!(name in repeated)) { rest.push(a); continue; }
    if (eq > 0) { repeated[name]!.push(a.slice(eq + 1)); continue; }
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    repeated[name]!.push(v);
  }
  const flags = parseFlags(rest, ['json', 'help', ...(spec.booleans ?? [])]);
  const n = spec.positional.length;
  if (flags.positional.length > n) throw new UsageError(`unexpected argument "${flags.positional[n]}"`);
  const args = spec.positional.map((_, i) => flags.positional[i]);
  if (spec.missing && args.some((a) => a === undefined)) throw new UsageError(spec.missing);
  return { flags, args, json: flags.flags.json === true, repeated };
}

/** A number flag; `integer` asks for a whole number. Absent → undefined. */
export function numberFlag(f: ParsedFlags, name: string, integer = false): number | undefined {
  const v = stringFlag(f, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} (got ${v})`);
  return n;
}

/** One of a fixed list of words. */
export function choiceFlag<T extends string>(f: ParsedFlags, name: string, choices: readonly T[]): T | undefined {
  const v = stringFlag(f, name);
  if (v !== undefined && !(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got "${v}")`);
  return v as T | undefined;
}

/** --preset: the image preprocessing presets (torch, caffe, tf, raw01, raw255). */
export function presetFlag(f: ParsedFlags): PresetName | undefined {
  return choiceFlag(f, 'preset', PRESET_NAMES);
}

/** --labels FILE through the command's own parser (classify keeps a synset's first name, attribute the whole line). */
export function labelsFlag(f: ParsedFlags, parse: (text: string) => string[]): string[] | undefined {
  const file = stringFlag(f, 'labels');
  return file === undefined ? undefined : parse(fs.readFileSync(file, 'utf8'));
}

/** A model file, with the inspector's plain-words errors (missing, a folder, an image, not ONNX…). */
export function openModel(file: string): LoadedModel {
  return loadModelFile(file);
}

/** A raw tensor given on the command line: little-endian float32, C order, with its --shape. */
export interface RawTensor {
  file: string;
  data: Float32Array;
  shape: number[];
}

/**
 * --input x.bin --shape N,C,H,W (grad, attribute, dream): the tensor in the model's input space, exactly
 * as `featurescope grad` and the PyTorch reference's `.bin` files store it. Undefined without --input.
 */
export function rawTensorFlag(f: ParsedFlags): RawTensor | undefined {
  const file = stringFlag(f, 'input');
  if (file === undefined) return undefined;
  const s = stringFlag(f, 'shape');
  if (!s) throw new UsageError('--shape N,C,H,W is required with a .bin input');
  const shape = s.split(',').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`--shape must be positive whole numbers separated by commas (got "${s}")`);
  const data = readF32(file);
  const need = shape.reduce((a, b) => a * b, 1);
  if (data.length !== need) throw new Error(`${file} holds ${data.length} float32 values but --shape ${shape.join(',')} needs ${need}`);
  return { file, data, shape };
}

/** The one image of a [1, 3, H, W] raw tensor (attribute and dream take one image at a time). */
export function oneImage(t: RawTensor): { c: 3; h: number; w: number } {
  const [n, c, h, w] = t.shape;
  if (t.shape.length !== 4 || n !== 1 || c !== 3) throw new UsageError(`--shape must be 1,3,H,W here (one NCHW image with 3 channels; got ${t.shape.join(',')})`);
  return { c: 3, h: h!, w: w! };
}

/**
 * A model-space image back to 8-bit pixels through the preprocessing (channel order, range, mean, std):
 * rounded and clipped to 0..255, so values outside what a photo can hold are lost.
 */
export function tensorToPixels(t: RawTensor, space: PixelSpace): Rgb {
  const { c, h, w } = oneImage(t);
  return fromPlanar({ c, h, w, data: t.data }, space);
}

/** The same pixels as a PNG file's bytes (what the overlay drawing and the dream's photo input read). */
export async function pixelsToPng(img: Rgb): Promise<Uint8Array> {
  return new Uint8Array(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer());
}
