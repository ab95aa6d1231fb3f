// `featurescope dream`: DeepDream on a photo from the terminal, with a progress bar; `--json` prints
// the objective before and after, time per octave and in total.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile, type Model } from '../../main/engine/onnx/model';
import {
  dream, dreamRecord, encodeDream, parseLayerSpec, readDreamRecord,
  type DreamLayer, type DreamOutcome, type DreamSettingsInput, type PixelSpace, type Rgb,
} from '../../main/engine/dream/index';
import { zoomIn } from '../../main/engine/dream/zoom';
import { guessPreprocess } from '../../main/engine/pixels/guess';
import { defaultSize, findImageInput } from '../../main/engine/onnx/inspect';
import { isPresetName, pixelSpace, presetSpace, PRESET_NAMES } from '../../shared/pixels';
import { DEFAULT_DREAM_LAYERS, DEFAULT_MODEL_NAME, DEFAULT_MODEL_PREPROCESS, resolveDefaultModel } from '../../main/engine/importers/default-model';
import { parseFlags, stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const usage = `usage: featurescope dream <image> --model <model.onnx|default> --out <out.png|out.jpg> [options]

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

function numFlag(f: ReturnType<typeof parseFlags>, name: string, integer: boolean): number | undefined {
  const v = stringFlag(f, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} (got ${v})`);
  return n;
}

async function loadModel(spec: string): Promise<{ model: Model; name: string; sha256: string; space?: PixelSpace; layer?: string }> {
  if (spec === 'default') {
    const file = await resolveDefaultModel();
    const bytes = fs.readFileSync(file);
    return {
      model: readModelFile(file), name: DEFAULT_MODEL_NAME, sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      space: DEFAULT_MODEL_PREPROCESS, layer: DEFAULT_DREAM_LAYERS[0],
    };
  }
  if (!fs.existsSync(spec)) throw new Error(`model file not found: ${spec}`);
  const bytes = fs.readFileSync(spec);
  return { model: readModelFile(spec), name: path.basename(spec), sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
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
    // --layer may repeat: pull every occurrence out before the generic parser keeps only the last.
    const layers: DreamLayer[] = [];
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--layer') {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError('--layer needs a value');
        layers.push(parseLayerSpec(v));
      } else if (a.startsWith('--layer=')) layers.push(parseLayerSpec(a.slice(8)));
      else rest.push(a);
    }
    const f = parseFlags(rest, ['json', 'help', 'no-tile-shift']);
    const json = f.flags.json === true;
    const image = f.positional[0];
    if (!image) throw new UsageError('name the photo to dream on');
    if (f.positional.length > 1) throw new UsageError(`unexpected argument "${f.positional[1]}"`);
    const modelSpec = stringFlag(f, 'model');
    if (!modelSpec) throw new UsageError('--model is required (a .onnx file, or "default")');
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required');
    const ext = path.extname(out).toLowerCase();
    if (!['.png', '.jpg', '.jpeg'].includes(ext)) throw new UsageError(`--out must end in .png, .jpg or .jpeg (got "${out}")`);
    if (!fs.existsSync(image)) throw new Error(`photo not found: ${image}`);

    let base: DreamSettingsInput = {};
    const from = stringFlag(f, 'settings-from');
    if (from) {
      const rec = readDreamRecord(fs.readFileSync(from));
      if (!rec) throw new Error(`${from} holds no Featurescope dream settings`);
      base = rec.settings as DreamSettingsInput;
    }
    const { model, name: modelName, sha256, space: modelSpace, layer: modelLayer } = await loadModel(modelSpec);
    const presetName = stringFlag(f, 'preset');
    let space: PixelSpace, spaceName: string;
    if (presetName) {
      if (!isPresetName(presetName)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')} (got "${presetName}")`);
      space = presetSpace(presetName); spaceName = presetName;
    } else if (modelSpace) {
      space = modelSpace; spaceName = 'tf';
    } else ({ space, name: spaceName } = guessSpace(model, modelName));
    if (modelLayer && layers.length === 0 && !(base.layers && base.layers.length)) layers.push({ name: modelLayer, weight: 1 });

    const settings: DreamSettingsInput = {
      ...base,
      ...(layers.length ? { layers } : {}),
      ...defined({
        octaves: numFlag(f, 'octaves', true), octaveScale: numFlag(f, 'octave-scale', false), iterations: numFlag(f, 'iterations', true),
        step: numFlag(f, 'step', false), jitter: numFlag(f, 'jitter', true), seed: numFlag(f, 'seed', true), tileSize: numFlag(f, 'tile', true),
        maxWholePixels: numFlag(f, 'max-whole-pixels', true), guide: stringFlag(f, 'guide'),
      }),
      ...(f.flags['no-tile-shift'] ? { tileShift: false } : {}),
    };
    const status = await resolveProviderFlag(f);
    reportFallback(status.fallbackReason);
    const photoBytes = fs.readFileSync(image);
    const showBar = !json && process.stderr.isTTY;
    const frames = numFlag(f, 'frames', true) ?? 1;
    const zoom = numFlag(f, 'zoom', false) ?? 1.05;
    if (frames < 1 || frames > 1000) throw new UsageError(`--frames must be 1..1000 (got ${frames})`);
    const frameOut = (i: number) => (frames === 1 ? out : out.replace(/(\.[^.]+)$/, `-${String(i).padStart(3, '0')}$1`));
    let input: Rgb | Uint8Array = new Uint8Array(photoBytes);
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
        const recF = dreamRecord(r, { modelName, modelSha256: sha256, photoName: path.basename(image), width: r.image.width, height: r.image.height });
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
      modelName, modelSha256: sha256, photoName: path.basename(image),
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
