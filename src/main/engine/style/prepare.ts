// The host half of a style job, shared by the engine's recipe (photos from the project) and the CLI (photos
// from files): parse the settings, read every photo (an unreadable one is refused by name before anything
// is queued), choose the layers, check that each stage fits the memory budget, draw the seed, and write
// down the settings exactly as they will run.
import type { ModelDescription, Preprocess } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { pixelSpace, type PixelSpace } from '../../../shared/pixels';
import { parseStyleSettings, styleSettingsSchema, type ResolvedStyleSettings, type StageTiling, type StyleRunSettings } from '../../../shared/jobs/style';
import type { ModelRef } from '../jobs/protocol';
import type { Model } from '../onnx/model';
import type { Rgb } from '../pixels/index';
import { chooseLayers } from './layers';
import { decodePhoto } from './images';
import { gib, stageMemory, TILE_MAX, TILE_MIN, TILE_MIN_OVERLAP, TILE_OVERLAP, WHOLE_IMAGE_BUFFERS } from './budget';
import { tileGrid } from './tiles';
import { memoryBudget } from '../runtime/budget';
import { stageSizes } from './transfer';
import type { StylePosition } from './transfer';

/** The loss network as the host knows it (a project's ModelRecord has all of this). */
export interface LossNetwork {
  name: string;
  sha256: string;
  description: ModelDescription;
  preprocess: Preprocess;
}

export interface PhotoSource {
  bytes: Uint8Array;
  name: string;
}

export interface StyleInput {
  model: ModelRef;
  modelName: string;
  input: string;
  space: PixelSpace;
  content?: Rgb;
  styles: { image: Rgb; weight: number }[];
  start?: Rgb;
  /** Resume: `start` is the interrupted run's checkpoint, taken here */
  resumeAt?: StylePosition;
  layers: { content: string[]; style: string[]; styleChannels: number[] };
  /** what runs (stage sizes as numbers), and what is saved */
  resolved: ResolvedStyleSettings & { seed: number };
  settings: StyleRunSettings;
}

export function drawSeed(): number {
  return Math.floor(Math.random() * 0xffffffff);
}

async function decode(p: PhotoSource, setting: string): Promise<Rgb> {
  try {
    const img = await decodePhoto(p.bytes, p.name);
    // a fresh buffer of its own: it is transferred to the worker
    return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  } catch (e) {
    throw new EngineError('bad-image', `${setting}: ${(e as Error).message}`);
  }
}

export async function prepareStyle(o: {
  net: LossNetwork;
  model: Model;
  modelRef: ModelRef;
  settings: unknown;
  content?: PhotoSource;
  /** in settings.styles order */
  styles: PhotoSource[];
  /** "continue from this result": the earlier result's picture */
  start?: PhotoSource & { runId?: string };
  budget?: number;
}): Promise<{ title: string; input: StyleInput; transfer: ArrayBuffer[] }> {
  let s: ResolvedStyleSettings;
  try {
    s = parseStyleSettings(o.settings);
  } catch (e) {
    throw new EngineError('bad-args', (e as Error).message);
  }
  const { net } = o;
  const desc = net.description;
  const pre = net.preprocess;
  if (pre.layout !== 'NCHW') throw new EngineError('bad-args', `${net.name} takes NHWC images; style transfer drives NCHW models (channels first), as its gradient compiler does.`);
  const inputInfo = desc.inputs.find((i) => i.name === desc.imageInput);
  const channels = inputInfo?.shape[1];
  if (typeof channels === 'number' && channels !== 3) throw new EngineError('bad-args', `${net.name} takes ${channels}-channel images; style transfer needs a colour (3-channel) network.`);

  const needContent = s.mode !== 'texture';
  if (needContent && !o.content) throw new EngineError('bad-args', `photoId: ${s.mode === 'inversion' ? 'feature inversion' : 'style transfer'} needs a content photo`);
  if (s.mode !== 'inversion' && o.styles.length !== s.styles.length) throw new Error(`prepareStyle: ${s.styles.length} style settings but ${o.styles.length} style photos`);
  const content = needContent && o.content ? await decode(o.content, `photoId (${o.content.name})`) : undefined;
  const styleImgs = s.mode === 'inversion' ? [] : await Promise.all(o.styles.map((p, i) => decode(p, `styles[${i}] (${p.name})`)));
  const start = o.start ? await decode(o.start, `fromRunId (${o.start.name})`) : undefined;

  const choice = chooseLayers({
    model: o.model, input: desc.imageInput, layers: desc.layers, inputSize: desc.inspectedSize, modelName: net.name,
    ...(s.contentLayers ? { contentLayers: s.contentLayers } : {}), ...(s.styleLayers ? { styleLayers: s.styleLayers } : {}),
  });
  // a preset tuned for a network with other feature scales brings its weights, for the ones the settings leave out
  const given = styleSettingsSchema.parse(o.settings ?? {});
  if (choice.weights) {
    if (given.contentWeight === undefined && s.contentWeight > 0) s.contentWeight = choice.weights.content;
    if (given.styleWeight === undefined && s.styleWeight > 0) s.styleWeight = choice.weights.style;
    if (given.tvWeight === undefined) s.tvWeight = choice.weights.tv;
  }
  // feature inversion reconstructs from one layer: the preset's content layer unless one is given
  const contentLayers = s.mode === 'inversion' ? choice.content.slice(0, 1) : choice.content;
  const byName = new Map(desc.layers.map((l) => [l.name, l]));
  const layerOf = (n: string) => byName.get(n.endsWith(':pre') ? n.slice(0, -4) : n)!;
  const styleChannels = choice.style.map((n) => layerOf(n).shape[1]!);
  const used = [...(s.contentWeight > 0 ? contentLayers : []), ...(s.styleWeight > 0 && s.mode !== 'inversion' ? choice.style : [])];
  if (used.length === 0) throw new EngineError('bad-args', 'contentWeight, styleWeight: both are 0 for this mode, so there is nothing to optimize');
  const deepest = Math.max(...used.map((n) => layerOf(n).order));

  // every stage must fit the memory budget: as one image, or else as tiles (tiled refinement, tiles.ts)
  // the engine's one memory budget (4 GiB unless FEATURESCOPE_MEMORY_BUDGET says otherwise)
  const engineBudget = memoryBudget();
  const budget = o.budget ?? engineBudget.bytes;
  const budgetFrom = o.budget === undefined ? ` (${engineBudget.from})` : '';
  const shape = { content, styles: styleImgs.map((image) => ({ image, weight: 1 })), start };
  const memFor = (width: number, height: number) => stageMemory({ layers: desc.layers, inspected: desc.inspectedSize, deepest, width, height, optimizer: s.optimizer, history: s.lbfgsHistory, weightBytes: desc.fileSize, batch: s.normalizeGradients ? used.length : 1 });
  const stageTiles: (StageTiling | null)[] = [];
  const tileCounts: (number | undefined)[] = [];
  for (const long of s.stages) {
    const { out } = stageSizes(shape, long, s.styleScale);
    const mem = memFor(out.width, out.height);
    if (mem.bytes <= budget) { stageTiles.push(null); tileCounts.push(undefined); continue; }
    // the whole-image buffers a tiled stage keeps beside its tile's session (image, content, style planes, pictures)
    const wholeBytes = WHOLE_IMAGE_BUFFERS * 3 * 4 * out.width * out.height;
    let t = Math.min(TILE_MAX, Math.max(out.width, out.height));
    while (t >= TILE_MIN && memFor(t, t).bytes + wholeBytes > budget) t = Math.floor(t * 0.9);
    if (t < TILE_MIN) {
      const setting = s.multires ? 'multires' : 'size';
      let fit = long;
      const wholeAt = (l: number) => { const o = stageSizes(shape, l, s.styleScale).out; return memFor(o.width, o.height).bytes; };
      while (fit > 16 && wholeAt(fit) > budget) fit = Math.floor(fit * 0.9);
      throw new EngineError('too-big', `${setting}: a ${out.width}×${out.height} stage on ${net.name} needs about ${gib(mem.bytes)} as one image (feature maps ${gib(mem.activations)}${s.normalizeGradients ? ` for ${used.length} terms as a batch (normalized gradients)` : ''}, ${s.optimizer === 'lbfgs' ? `L-BFGS history ${s.lbfgsHistory}` : 'Adam'} ${gib(mem.optimizer)}), and not even ${TILE_MIN}-px tiles fit beside its ${gib(wholeBytes)} of whole-image buffers; the engine's budget is ${gib(budget)}${budgetFrom}. A long side of ${fit} px fits${s.optimizer === 'lbfgs' ? ', or lower lbfgsHistory, or use Adam' : ''}.`);
    }
    const tiling = { size: t, overlap: Math.max(TILE_MIN_OVERLAP, Math.round(t * TILE_OVERLAP)) };
    stageTiles.push(tiling);
    tileCounts.push(tileGrid(out.width, out.height, tiling.size, tiling.overlap).length);
  }

  const seed = s.seed ?? drawSeed();
  const resolved = { ...s, seed, stageTiles };
  const settings: StyleRunSettings = {
    ...s,
    contentLayers, styleLayers: choice.style, seed,
    layerChoice: {
      content: choice.given.content ? 'given' : 'preset', style: choice.given.style ? 'given' : 'preset',
      ...(choice.preset !== 'given' ? { preset: choice.preset } : {}), reason: choice.reason,
    },
    stages: s.stages.map((long, i) => ({
      ...stageSizes(shape, long, s.styleScale).out, iterations: s.stageIterations[i]!,
      ...(stageTiles[i] ? { tile: { ...stageTiles[i]!, count: tileCounts[i]! } } : {}),
    })),
    styleSizes: stageSizes(shape, s.size, s.styleScale).styles,
    modelInput: desc.imageInput,
    preprocess: { preset: pre.preset, ...pixelSpace(pre) },
    ...(o.start?.runId ? { fromRunId: o.start.runId } : {}),
  };
  const transfer = [content, start, ...styleImgs].filter((x): x is Rgb => !!x).map((x) => x.data.buffer as ArrayBuffer);
  const title = s.mode === 'texture'
    ? `Texture of ${o.styles.map((p) => p.name).join(' + ')}`
    : s.mode === 'inversion'
      ? `Inversion of ${o.content!.name} from ${contentLayers[0]}`
      : `Style ${o.content!.name} × ${o.styles.map((p) => p.name).join(' + ')}`;
  return {
    title,
    input: {
      model: o.modelRef, modelName: net.name, input: desc.imageInput, space: pixelSpace(pre),
      ...(content ? { content } : {}), styles: styleImgs.map((image, i) => ({ image, weight: s.styles[i]!.weight })), ...(start ? { start } : {}),
      layers: { content: contentLayers, style: s.mode === 'inversion' ? [] : choice.style, styleChannels: s.mode === 'inversion' ? [] : styleChannels },
      resolved, settings,
    },
    transfer,
  };
}
