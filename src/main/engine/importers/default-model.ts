// The model every new project offers before its owner has an ONNX file: Keras InceptionV3 up to
// `mixed5`, converted from the TF.js Layers model bundled in the `nsfwjs` npm package. Every layer up
// to mixed5 was frozen when nsfwjs fine-tuned it, so these are Keras' ImageNet weights (8-bit
// quantized). Built on first use into the data folder and cached by a hash of its source files.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Preprocess } from '../../../shared/contract';
import { dataDir } from '../../store/recent';
import { encodeModel } from '../onnx/model';
import { nsfwjsModelDir, readNsfwjsArtifacts } from './nsfwjs';
import { convertTfjs } from './tfjs/convert';

/** Bump when the converter changes what it writes, so cached files are rebuilt. */
const CONVERTER_VERSION = '2';

export const DEFAULT_MODEL_NAME = 'InceptionV3 (ImageNet features, up to mixed5)';
export const DEFAULT_MODEL_OUTPUT = 'mixed5';
/** Layers that dream well; `mixed3` is the suggested default. */
export const DEFAULT_DREAM_LAYERS = ['mixed3', 'mixed4'] as const;

/** Keras InceptionV3 preprocessing: RGB scaled to −1..1. Fully convolutional, so 299 is only the nominal size. */
export const DEFAULT_MODEL_PREPROCESS: Preprocess = {
  width: 299,
  height: 299,
  channelOrder: 'RGB',
  layout: 'NCHW',
  rangeMin: -1,
  rangeMax: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: 'stretch',
  preset: 'tf',
};

export interface DefaultModelInfo {
  name: string;
  /** the ONNX file */
  path: string;
  /** content hash of the sources it was built from (also in the file name) */
  sourceHash: string;
  inputName: string;
  output: string;
  preprocess: Preprocess;
  dreamLayers: string[];
  description: string;
}

/** Why the default model cannot be built; the app shows `message` and keeps working without it. */
export class DefaultModelError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'DefaultModelError';
  }
}

/** The app's data folder (FEATURESCOPE_DATA_DIR, else the OS per-user folder), shared with the store. */
export { dataDir };

function sourceHash(): string {
  const dir = nsfwjsModelDir('inception_v3');
  if (!fs.existsSync(dir)) throw new DefaultModelError(`the nsfwjs package has no InceptionV3 model at ${dir}`);
  const h = crypto.createHash('sha256').update(`featurescope-default-model/${CONVERTER_VERSION}/${DEFAULT_MODEL_OUTPUT}\n`);
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) {
    h.update(f).update(fs.readFileSync(path.join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

const DESCRIPTION =
  'Keras InceptionV3, ImageNet weights, layers input_1 … mixed5 (no classifier head). Converted from the TF.js ' +
  'model bundled in the nsfwjs npm package (MIT), whose fine-tuning kept these layers frozen; weights are 8-bit quantized. ' +
  'Preprocessing: RGB, −1..1. Good DeepDream layers: mixed3, mixed4.';

function infoFor(file: string, hash: string): DefaultModelInfo {
  return {
    name: DEFAULT_MODEL_NAME, path: file, sourceHash: hash, inputName: 'input_1', output: DEFAULT_MODEL_OUTPUT,
    preprocess: DEFAULT_MODEL_PREPROCESS, dreamLayers: [...DEFAULT_DREAM_LAYERS], description: DESCRIPTION,
  };
}

const building = new Map<string, Promise<DefaultModelInfo>>();

/**
 * The default model, built on first use (≈1 s) into `<dataDir>/models/`; later calls return the cached
 * file. Rejects with a DefaultModelError saying why when it cannot be built.
 */
export function ensureDefaultModel(opts: { dataDir?: string } = {}): Promise<DefaultModelInfo> {
  const root = opts.dataDir ?? dataDir();
  let p = building.get(root);
  if (!p) {
    p = build(root);
    building.set(root, p);
    p.catch(() => building.delete(root));
  }
  return p;
}

/** Path of the default model's ONNX file, building it on first use. */
export async function resolveDefaultModel(opts: { dataDir?: string } = {}): Promise<string> {
  return (await ensureDefaultModel(opts)).path;
}

async function build(root: string): Promise<DefaultModelInfo> {
  let hash: string;
  try {
    hash = sourceHash();
  } catch (e) {
    throw new DefaultModelError(`The default InceptionV3 model cannot be built: ${(e as Error).message}`, e);
  }
  const dir = path.join(root, 'models');
  const file = path.join(dir, `inceptionv3-mixed5-${hash}.onnx`);
  if (fs.existsSync(file)) return infoFor(file, hash);
  try {
    const { model } = convertTfjs(readNsfwjsArtifacts('inception_v3'), { outputs: [DEFAULT_MODEL_OUTPUT], name: 'inceptionv3_mixed5' });
    model.docString = DESCRIPTION;
    Object.assign(model.metadata, {
      'featurescope.name': DEFAULT_MODEL_NAME,
      'featurescope.preprocess': JSON.stringify(DEFAULT_MODEL_PREPROCESS),
      'featurescope.dream_layers': DEFAULT_DREAM_LAYERS.join(','),
      'featurescope.source_hash': hash,
    });
    fs.mkdirSync(dir, { recursive: true });
    // Write then rename, so a crash or a second process never sees half a file.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, encodeModel(model));
    fs.renameSync(tmp, file);
    // Files from older converter versions or nsfwjs releases are never read again.
    for (const old of fs.readdirSync(dir)) {
      if (/^inceptionv3-mixed5-[0-9a-f]{16}\.onnx$/.test(old) && old !== path.basename(file)) fs.rmSync(path.join(dir, old), { force: true });
    }
  } catch (e) {
    throw new DefaultModelError(`The default InceptionV3 model could not be built into ${dir}: ${(e as Error).message}`, e);
  }
  return infoFor(file, hash);
}
