// Fast style: a feed-forward image-to-image network (Johnson et al.; the ONNX model zoo's fast neural style
// models) applied to a photo of any size. A network with a fixed input (720×720 for the zoo's older models)
// runs on overlapping tiles; so does a photo too big to run whole. Tiles are blended with weights that are 0
// within `margin` of a tile's inner edges (where zero padding makes a convolution's output differ from the
// whole picture's) and ramp linearly to 1 over the rest of the overlap, normalized by their sum: wherever the
// margin covers the network's receptive field, the tiled result equals a whole-image run exactly, and where
// it cannot (instance normalization sees each tile's own statistics) the ramp hides the seam.
import { EngineError } from '../../../shared/errors';
import type { PixelSpace } from '../../../shared/pixels';
import { fromPlanar, planar, toPlanar, type Rgb } from '../pixels/index';
import type { Model } from '../onnx/model';
import type { ForwardSession } from '../gradients/runtime';

export interface FastNet {
  input: string;
  output: string;
  /** the input size the network demands; undefined: any size */
  fixed?: { width: number; height: number };
}

/** The tensor shape as the file declares it: numbers, or undefined for symbolic/unknown dims. */
function declared(shape: readonly (number | string | null)[] | undefined): (number | undefined)[] | undefined {
  return shape?.map((d) => (typeof d === 'number' && d > 0 ? d : undefined));
}

/**
 * Checks that `model` maps an image to an image: one 4-D 3-channel NCHW input and a 4-D 3-channel output.
 * Errors name the file and the tensor.
 */
export function fastNet(model: Model, fileName: string, inspected?: { outputShape?: readonly number[]; input: { width: number; height: number } }): FastNet {
  const weights = new Set(model.graph.initializers.map((t) => t.name));
  const inputs = model.graph.inputs.filter((i) => !weights.has(i.name));
  if (inputs.length !== 1) throw new EngineError('not-image-model', `${fileName} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); a fast-style network takes one image.`);
  const inp = inputs[0]!;
  const ishape = declared(inp.shape);
  if (!ishape || ishape.length !== 4 || (ishape[1] !== undefined && ishape[1] !== 3)) {
    throw new EngineError('not-image-model', `${fileName}: its input "${inp.name}" has shape [${(inp.shape ?? []).join(',')}]; a fast-style network takes an NCHW colour image [N,3,H,W].`);
  }
  const out = model.graph.outputs[0];
  const oshape = declared(out?.shape);
  if (!out || (oshape && (oshape.length !== 4 || (oshape[1] !== undefined && oshape[1] !== 3)))) {
    throw new EngineError('not-image-model', `${fileName}: its output${out ? ` "${out.name}" has shape [${(out.shape ?? []).join(',')}]` : ' is missing'}; stylize needs a network whose output is an image [N,3,H,W] (an image-to-image model, not a classifier or feature extractor).`);
  }
  // the shape one inspection run gave it (a file often declares none): it must be the input's picture size back;
  // when the inspection kept no shape for it, the first tile's run checks it
  const o = inspected?.outputShape;
  if (inspected && o && (o.length !== 4 || o[1] !== 3 || o[2] !== inspected.input.height || o[3] !== inspected.input.width)) {
    throw new EngineError('not-image-model', `${fileName}: its output "${out.name}" is [${o.join(',')}] for a ${inspected.input.width}×${inspected.input.height} image; stylize needs a network whose output is an image of the input's size [N,3,H,W] (an image-to-image model, not a classifier or feature extractor).`);
  }
  const fixed = ishape[2] !== undefined && ishape[3] !== undefined ? { width: ishape[3], height: ishape[2] } : undefined;
  return { input: inp.name, output: out.name, ...(fixed ? { fixed } : {}) };
}

/**
 * The pixel space of a fast-style network. The zoo's older models subtract the VGG mean inside the graph
 * (an ImageScaler with bias −[103.939, 116.779, 123.68] on the input): they take BGR 0..255 as it is and give
 * BGR 0..255 back. Otherwise the model's preprocessing is used for the input, and the output is read in the
 * same channel order and value range without mean or std.
 */
export function fastSpaces(model: Model, pre: PixelSpace): { input: PixelSpace; output: PixelSpace } {
  const inName = model.graph.inputs[0]?.name;
  const scaler = model.graph.nodes.find((n) => n.opType === 'ImageScaler' && n.inputs[0] === inName);
  const bias = scaler?.attrs.bias?.type === 'floats' ? scaler.attrs.bias.value : undefined;
  if (bias && bias.length === 3 && Math.abs(bias[0]! + 103.939) < 1 && Math.abs(bias[2]! + 123.68) < 1) {
    const bgr: PixelSpace = { channelOrder: 'BGR', rangeMin: 0, rangeMax: 255, mean: [0, 0, 0], std: [1, 1, 1] };
    return { input: bgr, output: bgr };
  }
  return { input: pre, output: { channelOrder: pre.channelOrder, rangeMin: pre.rangeMin, rangeMax: pre.rangeMax, mean: [0, 0, 0], std: [1, 1, 1] } };
}

/** Tile starts along one axis of length n for tiles of `t` overlapping by at least `overlap`. */
export function tileStarts(n: number, t: number, overlap: number): number[] {
  if (n <= t) return [0];
  if (overlap >= t) throw new Error(`tile overlap ${overlap} must be smaller than the tile (${t})`);
  const count = Math.ceil((n - overlap) / (t - overlap));
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - t)) / (count - 1)));
}

/** Blend weight along one axis of a tile of length t at [start, start+t) in an axis of length n. */
function axisWeights(start: number, t: number, n: number, margin: number, overlap: number): Float32Array {
  const w = new Float32Array(t);
  const ramp = Math.max(1, overlap - 2 * margin);
  const hasBefore = start > 0, hasAfter = start + t < n;
  for (let d = 0; d < t; d++) {
    let v = 1;
    if (hasBefore) v = Math.min(v, d < margin ? 0 : Math.min(1, (d - margin + 1) / ramp));
    const e = t - 1 - d;
    if (hasAfter) v = Math.min(v, e < margin ? 0 : Math.min(1, (e - margin + 1) / ramp));
    w[d] = v;
  }
  return w;
}

/** Reflect-pad index i into [0, n) (a photo smaller than a fixed-size network's input). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  let m = ((i % p) + p) % p;
  if (m >= n) m = p - m;
  return m;
}

export interface TileRunner {
  /** a session for tiles of this size (cached by the caller) */
  session(width: number, height: number): Promise<ForwardSession>;
}

export interface StylizeOptions {
  /** tile side; for a fixed-size network its input size is used */
  tile: { width: number; height: number };
  overlap: number;
  /** default overlap/4 */
  margin?: number;
  checkpoint?(): Promise<boolean>;
  onTile?(done: number, total: number): void;
}

/**
 * The network on `img` (model-space planes [3, H, W]) by tiles; returns the output planes [3, H, W] and the
 * tile count, or undefined when a checkpoint asked to stop.
 */
export async function stylizePlanes(x: Float32Array, h: number, w: number, net: FastNet, runner: TileRunner, o: StylizeOptions): Promise<{ out: Float32Array; tiles: number } | undefined> {
  const fixed = !!net.fixed;
  const th = fixed ? o.tile.height : Math.min(o.tile.height, h), tw = fixed ? o.tile.width : Math.min(o.tile.width, w);
  const margin = o.margin ?? Math.floor(o.overlap / 4);
  const ys = tileStarts(h, th, o.overlap), xs = tileStarts(w, tw, o.overlap);
  const out = new Float32Array(3 * h * w), wsum = new Float32Array(h * w);
  const tile = new Float32Array(3 * th * tw);
  const total = ys.length * xs.length;
  let done = 0;
  for (const y0 of ys) {
    for (const x0 of xs) {
      if (o.checkpoint && (await o.checkpoint())) return undefined;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < th; y++) {
          const sy = reflect(y0 + y, h);
          for (let xx = 0; xx < tw; xx++) tile[(c * th + y) * tw + xx] = x[(c * h + sy) * w + reflect(x0 + xx, w)]!;
        }
      }
      const s = await runner.session(tw, th);
      const r = (await s.run(tile))[net.output]!;
      const [, oc, oh, ow] = r.dims;
      if (r.dims.length !== 4 || oc !== 3 || oh !== th || ow !== tw) {
        throw new EngineError('not-image-model', `the network's output "${net.output}" is [${r.dims.join(',')}] for a [1,3,${th},${tw}] input; stylize needs an image of the input's size back.`);
      }
      const wy = axisWeights(y0, th, h, margin, o.overlap), wx = axisWeights(x0, tw, w, margin, o.overlap);
      const vh = Math.min(th, h - y0), vw = Math.min(tw, w - x0);
      for (let y = 0; y < vh; y++) {
        for (let xx = 0; xx < vw; xx++) {
          const wt = wy[y]! * wx[xx]!;
          if (wt === 0) continue;
          const p = (y0 + y) * w + x0 + xx;
          wsum[p] += wt;
          for (let c = 0; c < 3; c++) out[c * h * w + p] += wt * r.data[(c * th + y) * tw + xx]!;
        }
      }
      o.onTile?.(++done, total);
    }
  }
  for (let p = 0; p < h * w; p++) {
    const k = 1 / wsum[p]!;
    for (let c = 0; c < 3; c++) out[c * h * w + p] *= k;
  }
  return { out, tiles: total };
}

/** A photo through the network: RGB in, RGB out, through the network's input and output spaces. */
export async function stylizeRgb(img: Rgb, net: FastNet, spaces: { input: PixelSpace; output: PixelSpace }, runner: TileRunner, o: StylizeOptions): Promise<{ image: Rgb; tiles: number } | undefined> {
  const r = await stylizePlanes(toPlanar(img, spaces.input).data, img.height, img.width, net, runner, o);
  return r && { image: fromPlanar(planar(3, img.height, img.width, r.out), spaces.output), tiles: r.tiles };
}
