// `featurescope dream`: DeepDream on a photo from the terminal, with a progress bar; `--json` prints
// the objective before and after, time per octave and in total. `--input x.bin --shape 1,3,H,W` starts
// from a raw tensor in the model's input space: it is turned into 8-bit pixels through the preset (the
// dream works on a photo's pixels), so the start is that tensor rounded to what a photo can hold.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../../main/engine/onnx/model';
import {
  dream, dreamRecord, encodeDream, parseLayerSpec, readDreamRecord,
  type DreamLayer, type DreamOutcome, type DreamSettingsInput, type PixelSpace, type Rgb,
} from '../../main/engine/dream/index';
import { zoomIn } from '../../main/engine/dream/zoom';
import { guessPreprocess } from '../../main/engine/pixels/guess';
import { defaultSize, findImageInput } from '../../main/engine/onnx/inspect';
import { pixelSpace, presetSpace } from '../../shared/pixels';
import { DEFAULT_DREAM_LAYERS, DEFAULT_MODEL_NAME, DEFAULT_MODEL_PREPROCESS, resolveDefaultModel } from '../../main/engine/importers/default-model';
import { numberFlag, openCommandLine, openModel, presetFlag, rawTensorFlag, tensorToPixels } from '../common';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope dream <image> --model <model.onnx|default> --out <out.png|out.jpg> [options]
       featurescope dream --input x.bin --shape 1,3,H,W --model <model.onnx|default> --out <out.png|out.jpg> [options]

  --input FILE           start from a raw little-endian float32 tensor in the model's input space (as
                         'featurescope grad' takes it) instead of a photo: it is turned into 8-bit pixels
                         through the preset below (values a photo cannot hold are rounded and clipped)
  --shape N,C,H,W        shape of the --input tensor (N = 1, C = 3)

  --preset NAME          pixel preprocessing: caffe | torch | tf | raw01 | raw255 (default: guessed from the model;
                         caffe for Caffe models such as BVLC GoogLeNet)
  --layer NAME[:W[:C,..]] layer to dream on, optional weight and channels; repeat for several
                         (default: inception_4c/output for GoogLeNet, a mid-depth layer otherwise)
  --octaves N            octave count (4)
  --octave-scale X       size ratio between octaves (1.4)
  --iterations N         steps per octave (10)
  --step X               step size in 0..255 pixel units, gradient normalised by its mean |g| (1.5)
  --jitter N             random shift per step in px (32)
  --guide IMAGE          guided dreaming: maximise the match to this image's features
  --seed N               makes the run repeatable (default: random, printed)
  --tile N               tile side for big photos (512); --max-whole-pixels N: octaves up to this run whole
  --settings-from FILE   start from the settings stored in a Featurescope dream PNG or JPEG (flags override)
  --frames N --zoom X    zoom loop: N frames, each dreamed on the previous one zoomed X× about its centre
                         (written as out-000.png, out-001.png, …; seed + frame index)
  --provider P           auto (default) | cuda | dml | coreml | webgpu | cpu; when it cannot be used the dream
                         runs on CPU and the reason is printed on stderr (and in --json as fallbackReason)
  --json                 print a JSON report (objective before/after, ms per octave, total, provider)`;

/** A model file, or "default": the built-in model with its own preprocessing and dream layer. */
async function loadModel(spec: string): Promise<{ model: Model; name: string; sha256: string; space?: PixelSpace; layer?: string }> {
  if (spec === 'default') {
    const { model, sha256 } = openModel(await resolveDefaultModel());
    return { model, name: DEFAULT_MODEL_NAME, sha256, space: DEFAULT_MODEL_PREPROCESS, layer: DEFAULT_DREAM_LAYERS[0] };
  }
  const { model, fileName, sha256 } = openModel(spec);
  return { model, name: fileName, sha256 };
}

/** The engine's one preprocessing guess (what the app suggests for this model), as a pixel space: a dream keeps the photo's size. */
function guessSpace(m: Model, fileName: string): { name: string; space: PixelSpace } {
  const img = findImageInput(m, fileName);
  const p = guessPreprocess(m, img, fileName, defaultSize(img, fileName));
  return { name: p.preset, space: pixelSpace(p) };
}

function bar(fraction: number, text: string): string {
  const width = 28;
  const fill = Math.round(fraction * width);
  return `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`;
}

export const dreamCommand: Command = {
  name: 'dream',
  summary: 'DeepDream a photo (octaves, jitter, tiles for big photos, guided dreams)',
  usage,
  async run(argv) {
    const { flags: f, args: [image], json, repeated } = openCommandLine(argv, { positional: ['image'], booleans: ['no-tile-shift'], repeatable: ['layer'] });
    const layers: DreamLayer[] = repeated.layer!.map(parseLayerSpec);
    const tensor = rawTensorFlag(f);
    if (!image && !tensor) throw new UsageError('name the photo to dream on (or --input x.bin --shape 1,3,H,W)');
    if (image && tensor) throw new UsageError('give a photo or --input, not both');
    const modelSpec = stringFlag(f, 'model');
    if (!modelSpec) throw new UsageError('--model is required (a .onnx file, or "default")');
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required');
    const ext = path.extname(out).toLowerCase();
    if (!['.png', '.jpg', '.jpeg'].includes(ext)) throw new UsageError(`--out must end in .png, .jpg or .jpeg (got "${out}")`);
    if (image && !fs.existsSync(image)) throw new Error(`photo not found: ${image}`);

    let base: DreamSettingsInput = {};
    const from = stringFlag(f, 'settings-from');
    if (from) {
      const rec = readDreamRecord(fs.readFileSync(from));
      if (!rec) throw new Error(`${from} holds no Featurescope dream settings`);
      base = rec.settings as DreamSettingsInput;
    }
    const { model, name: modelName, sha256, space: modelSpace, layer: modelLayer } = await loadModel(modelSpec);
    const presetName = presetFlag(f);
    let space: PixelSpace, spaceName: string;
    if (presetName) {
      space = presetSpace(presetName); spaceName = presetName;
    } else if (modelSpace) {
      space = modelSpace; spaceName = 'tf';
    } else ({ space, name: spaceName } = guessSpace(model, modelName));
    if (modelLayer && layers.length === 0 && !(base.layers && base.layers.length)) layers.push({ name: modelLayer, weight: 1 });

    const settings: DreamSettingsInput = {
      ...base,
      ...(layers.length ? { layers } : {}),
      ...defined({
        octaves: numberFlag(f, 'octaves', true), octaveScale: numberFlag(f, 'octave-scale'), iterations: numberFlag(f, 'iterations', true),
        step: numberFlag(f, 'step'), jitter: numberFlag(f, 'jitter', true), seed: numberFlag(f, 'seed', true), tileSize: numberFlag(f, 'tile', true),
        maxWholePixels: numberFlag(f, 'max-whole-pixels', true), guide: stringFlag(f, 'guide'),
      }),
      ...(f.flags['no-tile-shift'] ? { tileShift: false } : {}),
    };
    const status = await resolveProviderFlag(f);
    reportFallback(status.fallbackReason);
    // the bytes the run record's photo hash is taken of: the photo file, or the raw tensor file
    const photoBytes = fs.readFileSync(image ?? tensor!.file);
    const photoName = path.basename(image ?? tensor!.file);
    const showBar = !json && process.stderr.isTTY;
    const frames = numberFlag(f, 'frames', true) ?? 1;
    const zoom = numberFlag(f, 'zoom') ?? 1.05;
    if (frames < 1 || frames > 1000) throw new UsageError(`--frames must be 1..1000 (got ${frames})`);
    const frameOut = (i: number) => (frames === 1 ? out : out.replace(/(\.[^.]+)$/, `-${String(i).padStart(3, '0')}$1`));
    let input: Rgb | Uint8Array = tensor ? tensorToPixels(tensor, space) : new Uint8Array(photoBytes);
    let r!: DreamOutcome;
    const written: string[] = [];
    let fallbackReason = status.fallbackReason;
    for (let i = 0; i < frames; i++) {
      const frameSettings = i === 0 ? settings : { ...settings, seed: r.settings.seed + 1 };
      r = await dream({ photo: i === 0 ? input : await zoomIn(input as Rgb, zoom), model, space, settings: frameSettings, provider: status.active }, {
        onProgress: (p) => {
          if (showBar) process.stderr.write(bar(p.fraction, `${frames > 1 ? `frame ${i + 1}/${frames} ` : ''}octave ${p.octave + 1}/${p.octaves} step ${p.iteration + 1}/${p.iterations}  ETA ${((p.etaMs ?? 0) / 1000).toFixed(0)} s   `));
        },
      });
      input = r.image;
      fallbackReason = reportFallback(fallbackReason, r.fallbackReason);
      if (frames > 1) {
        const recF = dreamRecord(r, { modelName, modelSha256: sha256, photoName, width: r.image.width, height: r.image.height });
        Object.assign(recF.settings, { preset: spaceName, frame: i, zoom });
        fs.writeFileSync(frameOut(i), await encodeDream(r.image, ext === '.png' ? 'png' : 'jpeg', recF));
        written.push(frameOut(i));
      }
    }
    if (showBar) process.stderr.write('\n');
    if (frames > 1) {
      if (json) console.log(JSON.stringify({ ok: true, frames: written, seed: settings.seed, zoom, provider: r.provider, ...(fallbackReason ? { fallbackReason } : {}) }, null, 2));
      else console.log(`wrote ${written.length} frames: ${written[0]} … ${written[written.length - 1]}`);
      return 0;
    }
    const rec = dreamRecord(r, {
      modelName, modelSha256: sha256, photoName,
      photoSha256: crypto.createHash('sha256').update(photoBytes).digest('hex'), width: r.image.width, height: r.image.height,
    });
    rec.settings.preset = spaceName;
    fs.writeFileSync(out, await encodeDream(r.image, ext === '.png' ? 'png' : 'jpeg', rec));
    const report = {
      ok: true, out, width: r.image.width, height: r.image.height, model: { file: modelSpec, sha256 }, preset: spaceName,
      layers: r.settings.layers, seed: r.settings.seed, provider: r.provider, ...(fallbackReason ? { fallbackReason } : {}),
      objective: r.objective, objectiveBefore: r.objectiveBefore, objectiveAfter: r.objectiveAfter,
      octaves: r.timings.octaves.map((o) => ({ width: o.width, height: o.height, tiles: o.tiles, ms: Math.round(o.ms), sessionMs: Math.round(o.sessionMs), objectiveFirst: o.objectiveFirst, objectiveLast: o.objectiveLast })),
      sessionMs: Math.round(r.timings.sessionMs), totalMs: Math.round(r.timings.totalMs),
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      const gain = r.objectiveBefore && r.objectiveAfter ? `, objective ${r.objectiveBefore.toPrecision(4)} → ${r.objectiveAfter.toPrecision(4)} (${(r.objectiveAfter / r.objectiveBefore).toFixed(1)}×)` : '';
      console.log(`wrote ${out} (${r.image.width}×${r.image.height}, seed ${r.settings.seed}, ${(r.timings.totalMs / 1000).toFixed(1)} s${gain})`);
    }
    return 0;
  },
};

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
