// Which layers a style job reads, chosen from the loss network's architecture when the person names none.
//
// neural-style's choice on VGG19 is content relu4_2 and style relu1_1, relu2_1, relu3_1, relu4_1, relu5_1.
// VGG files name those tensors differently (Keras `block4_conv2`, Caffe `relu4_2`, the ONNX model zoo's
// MXNet export `vgg0_relu9_fwd`, a torchvision export `/features/features.20/Relu_output_0` or bare numbers),
// so a VGG is found by its shape, not its names: a plain chain of 3×3 stride-1 convolutions, each followed
// (possibly through a BatchNormalization) by a ReLU, in blocks separated by pooling. Block b, conv k of that
// chain is relu{b}_{k} whatever the file calls it; the names only say which convention the reason mentions.
// A VGG cut short (vgg19_to_block3) gets the nearest layers it has: the style list ends with the last conv
// of its deepest block and the content layer is that conv — the reference's choice for that model.
//
// The built-in InceptionV3 (Keras names) gets a tuned preset; any other model gets layers by depth: style
// from the first activation at each of the first resolutions, content the second activation at the
// resolution where VGG's relu4_2 sits (input/8).
import type { LayerInfo } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { attrInts, type Model, type Node } from '../onnx/model';

export interface LayerChoice {
  content: string[];
  style: string[];
  /** vgg-keras | vgg-caffe | vgg-onnx-zoo | vgg-torchvision | vgg | inception-v3-keras | depth */
  preset: string;
  reason: string;
  /** weights the preset is tuned for (networks whose feature scales are far from VGG's), used when the settings give none */
  weights?: { content: number; style: number; tv: number };
}

const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Clip', 'HardSwish', 'Gelu', 'Mish', 'Softplus']);
const POOLS = new Set(['MaxPool', 'AveragePool']);
/** ops a VGG's conv chain may pass through without ending it */
const PASS = new Set(['BatchNormalization', 'Dropout', 'Identity']);

interface VggUnit {
  block: number;
  conv: number;
  /** the activation's output: what relu{block}_{conv} means */
  tensor: string;
  /** names that identify the unit in the file (conv node, conv output, activation node, activation output) */
  names: string[];
}

/**
 * The conv units of a VGG-shaped model, in order, or undefined when the model is not one. The chain is
 * followed from the image input; it ends at the first node that is not a conv, pass-through, activation or
 * pooling (a Flatten before the classifier), and must hold at least 2 blocks of 2 or more 3×3 convolutions.
 */
export function vggUnits(model: Model, input: string): VggUnit[] | undefined {
  const producers = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  const weights = new Set(model.graph.initializers.map((t) => t.name));
  for (const n of model.graph.nodes) {
    for (const o of n.outputs) producers.set(o, n);
    for (const i of n.inputs) if (i && !weights.has(i)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const units: VggUnit[] = [];
  let block = 1, conv = 0, at = input;
  for (;;) {
    const next = (consumers.get(at) ?? []).filter((n) => n.opType !== 'Shape');
    if (next.length !== 1) break;
    const n = next[0]!;
    // a merge of two computed tensors (Add of a residual, Concat of branches) is not a VGG chain
    if (n.inputs.filter((i) => i && !weights.has(i) && producers.get(i)?.opType !== 'Constant').length > 1) return undefined;
    if (n.opType === 'Conv') {
      const k = attrInts(n, 'kernel_shape') ?? kernelOf(model, n);
      const strides = attrInts(n, 'strides') ?? [1, 1];
      if (!k || k[0] !== 3 || k[1] !== 3 || strides.some((s) => s !== 1)) return undefined;
      // the activation after it, through BatchNormalization and friends
      let t = n.outputs[0]!, act: Node | undefined;
      const names = [n.name, t];
      for (let guard = 0; guard < 4; guard++) {
        const c = consumers.get(t) ?? [];
        if (c.length !== 1) break;
        if (ACTIVATIONS.has(c[0]!.opType)) { act = c[0]; break; }
        if (!PASS.has(c[0]!.opType)) break;
        t = c[0]!.outputs[0]!;
      }
      if (!act) return undefined;
      conv++;
      names.push(act.name, act.outputs[0]!);
      units.push({ block, conv, tensor: act.outputs[0]!, names });
      at = act.outputs[0]!;
    } else if (POOLS.has(n.opType)) {
      if (conv === 0) return undefined;
      block++; conv = 0; at = n.outputs[0]!;
    } else if (PASS.has(n.opType)) {
      at = n.outputs[0]!;
    } else break;
  }
  const blocks = new Map<number, number>();
  for (const u of units) blocks.set(u.block, u.conv);
  if (blocks.size < 2 || [...blocks.values()].some((c) => c < 2)) return undefined;
  return units;
}

function kernelOf(model: Model, n: Node): number[] | undefined {
  const w = model.graph.initializers.find((t) => t.name === n.inputs[1]);
  return w && w.dims.length === 4 ? w.dims.slice(2) : undefined;
}

/** Which naming convention a VGG file follows, from its units' names (the reason a person reads). */
function vggConvention(units: VggUnit[]): { preset: string; words: string } {
  const all = units.flatMap((u) => u.names).join(' ');
  if (/block\d+_conv\d+/.test(all)) return { preset: 'vgg-keras', words: 'Keras VGG naming (block4_conv2 …)' };
  if (/(relu|conv)\d+_\d+/.test(all)) return { preset: 'vgg-caffe', words: 'Caffe VGG naming (relu4_2 …)' };
  if (/vgg\d*_(relu|conv)\d+/.test(all)) return { preset: 'vgg-onnx-zoo', words: 'ONNX model zoo VGG naming (vgg0_relu9_fwd …)' };
  if (/features[./]\d+/.test(all)) return { preset: 'vgg-torchvision', words: 'torchvision VGG export (features.N …)' };
  return { preset: 'vgg', words: 'a VGG-shaped network' };
}

/** neural-style's layers on a VGG (or the nearest ones a shorter VGG has). */
function vggChoice(units: VggUnit[]): LayerChoice {
  const { preset, words } = vggConvention(units);
  const at = (b: number, c: number) => units.find((u) => u.block === b && u.conv === c);
  const blocks = Math.max(...units.map((u) => u.block));
  const last = units[units.length - 1]!;
  const style = [1, 2, 3, 4, 5].map((b) => at(b, 1)).filter((u): u is VggUnit => !!u);
  const shortened = blocks < 5;
  if (shortened && !style.includes(last)) style.push(last);
  const content = at(4, 2) ?? last;
  const label = (u: VggUnit) => `relu${u.block}_${u.conv}`;
  const reason = `${words}: content ${label(content)}, style ${style.map(label).join(', ')}` +
    (shortened ? ` (the network stops at block ${blocks}: its last conv ${label(last)} stands in for relu4_2 and the deeper style layers)` : ' (neural-style\'s layers)');
  return { content: [content.tensor], style: style.map((u) => u.tensor), preset, reason };
}

/**
 * Keras InceptionV3 (the built-in default model, and any Keras export with its names), tuned on stata + wave
 * (256 and 512 px, L-BFGS). Its BatchNorm'd features are tiny next to VGG's (Gram entries ~1e-4 of VGG's),
 * so neural-style's weights leave the TV term alone in charge and the result is a blurred photo: the
 * preset brings its own weights (used unless the settings give them). The stem's activations (stride 2)
 * print a 2-px grid into the image — activation_5 is the shallowest style layer that does not, and a TV
 * weight of 2e-2 removes the rest; mixed3/mixed4 (stride 16) carry wave's large strokes, content mixed3.
 * Multi-resolution (256 → 512) gives the strokes their size; the reason text says so.
 */
export const INCEPTION_V3_PRESET = {
  content: ['mixed3'],
  style: ['activation_5', 'mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4'],
  weights: { content: 2e5, style: 5e12, tv: 2e-2 },
} as const;

function inceptionChoice(names: Set<string>): LayerChoice | undefined {
  const want = [...INCEPTION_V3_PRESET.content, ...INCEPTION_V3_PRESET.style];
  if (!want.every((n) => names.has(n)) || !names.has('conv2d_1')) return undefined;
  const w = INCEPTION_V3_PRESET.weights;
  return {
    content: [...INCEPTION_V3_PRESET.content], style: [...INCEPTION_V3_PRESET.style], preset: 'inception-v3-keras', weights: { ...w },
    reason: `Keras InceptionV3 naming: content ${INCEPTION_V3_PRESET.content.join(', ')}, style ${INCEPTION_V3_PRESET.style.join(', ')}, weights content ${w.content.toExponential()} / style ${w.style.toExponential()} / TV ${w.tv.toExponential()} unless given (tuned for this network; multires 256,512 gives larger strokes)`,
  };
}

/** Layers that can carry a style: 4-D outputs of activations and block merges, with some spatial extent. */
function featureLayers(layers: readonly LayerInfo[]): LayerInfo[] {
  return layers
    .filter((l) => l.shape.length === 4 && (ACTIVATIONS.has(l.opType) || l.opType === 'Concat' || l.opType === 'Add' || l.opType === 'Sum') && l.shape[2]! >= 2 && l.shape[3]! >= 2)
    .sort((a, b) => a.order - b.order);
}

function depthChoice(layers: readonly LayerInfo[], inputSize: { width: number; height: number }): LayerChoice | undefined {
  const feats = featureLayers(layers);
  if (feats.length === 0) return undefined;
  // resolution levels in order of depth: the first layer seen at each new (smaller) height
  const levels: LayerInfo[][] = [];
  for (const l of feats) {
    const last = levels[levels.length - 1];
    if (last && last[0]!.shape[2] === l.shape[2]) last.push(l);
    else if (!last || l.shape[2]! < last[0]!.shape[2]!) levels.push([l]);
  }
  const style = levels.slice(0, 5).map((lv) => lv[0]!);
  // content: where VGG's relu4_2 sits, input/8 (the deepest level above that when the net is shallower)
  const stride = (l: LayerInfo) => inputSize.height / l.shape[2]!;
  const contentLevel = levels.find((lv) => stride(lv[0]!) >= 7.5) ?? levels[levels.length - 1]!;
  const content = contentLevel[Math.min(1, contentLevel.length - 1)]!;
  return {
    content: [content.name], style: style.map((l) => l.name), preset: 'depth',
    reason: `by depth: style from the first activation at each of the first ${style.length} resolutions (${style.map((l) => `${l.name} at 1/${Math.round(stride(l))}`).join(', ')}), content ${content.name} at 1/${Math.round(stride(content))} of the input (where VGG's relu4_2 sits)`,
  };
}

/**
 * The preset layers for a model. `layers` are the model's inspected layers (names, op types, shapes at
 * `inputSize`). Throws EngineError('no-style-layers') naming the model when it has no usable feature layer.
 */
export function presetLayers(model: Model, input: string, layers: readonly LayerInfo[], inputSize: { width: number; height: number }, modelName: string): LayerChoice {
  const units = vggUnits(model, input);
  if (units) return vggChoice(units);
  const inception = inceptionChoice(new Set(layers.map((l) => l.name)));
  if (inception) return inception;
  const byDepth = depthChoice(layers, inputSize);
  if (byDepth) return byDepth;
  throw new EngineError('no-style-layers', `${modelName} has no layer a style or content loss can read: style transfer needs convolutional feature maps (4-D activations, at least 2×2) and this model has none.`);
}

/**
 * The layers a job reads: the ones given (checked against the model: each must be a 4-D feature map) or the
 * preset's. Errors name the setting and the tensor.
 */
export function chooseLayers(
  o: { model: Model; input: string; layers: readonly LayerInfo[]; inputSize: { width: number; height: number }; modelName: string; contentLayers?: readonly string[]; styleLayers?: readonly string[] },
): LayerChoice & { given: { content: boolean; style: boolean } } {
  const byName = new Map(o.layers.map((l) => [l.name, l]));
  const check = (setting: string, names: readonly string[]) => {
    for (const n of names) {
      const base = n.endsWith(':pre') ? n.slice(0, -4) : n;
      const l = byName.get(base);
      if (!l) {
        const some = featureLayers(o.layers).slice(0, 8).map((x) => x.name);
        throw new EngineError('bad-args', `${setting}: ${o.modelName} has no layer "${n}"${some.length ? ` (its feature layers include ${some.join(', ')}${featureLayers(o.layers).length > 8 ? ' …' : ''})` : ''}.`);
      }
      if (l.shape.length !== 4) throw new EngineError('bad-args', `${setting}: layer "${n}" of ${o.modelName} has shape [${l.shape.join(',')}]; a style or content loss needs a 4-D feature map [N,C,H,W].`);
    }
  };
  if (o.contentLayers) check('contentLayers', o.contentLayers);
  if (o.styleLayers) check('styleLayers', o.styleLayers);
  const needPreset = !o.contentLayers || !o.styleLayers;
  const preset = needPreset ? presetLayers(o.model, o.input, o.layers, o.inputSize, o.modelName) : undefined;
  const content = o.contentLayers ? [...o.contentLayers] : preset!.content;
  const style = o.styleLayers ? [...o.styleLayers] : preset!.style;
  return {
    content, style, given: { content: !!o.contentLayers, style: !!o.styleLayers },
    ...(preset?.weights ? { weights: preset.weights } : {}),
    preset: preset?.preset ?? 'given',
    reason: preset ? preset.reason + (o.contentLayers ? '; content layers as given' : '') + (o.styleLayers ? '; style layers as given' : '') : 'layers as given',
  };
}
