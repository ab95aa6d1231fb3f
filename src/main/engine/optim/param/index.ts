// Image parameterizations as data: { kind: 'pixel' | 'fourier' | 'maco', decorrelate, output, init }.
// A parameterization is the chain basis → (decorrelate) → (sigmoid | clamp | none) with
// render(params) → image01 [B, 3, H, W] and backward(d/d image01) → d/d params (the exact vector–Jacobian
// product at the last render). Batch items own contiguous slices of params ([B, …]), so an optimizer
// can treat items separately.
import { clampStage, decorrelateStage, sigmoidStage } from './color';
import { fourierStage, LUCID_FFT_DECAY, spectrumSize } from './fourier';
import { macoFourierStage, macoPhaseStage, naturalMagnitude } from './maco';
import { halfWidth } from './fft2d';
import type { Stage } from './stage';
import type { Dims, FloatArray } from '../types';
// the project's one Box–Muller (attribution's SmoothGrad noise uses it too)
import { gaussian } from '../../../../shared/random';

/** where the image lands in [0, 1]: Lucid's sigmoid, a clamp, or nothing (values may leave [0, 1]) */
export type OutputMap = 'sigmoid' | 'clamp' | 'none';

/** Lucid's init std for both the pixel and the Fourier parameterization (sd=0.01) */
export const LUCID_INIT_STD = 0.01;
/** noise starts around the preimage of this grey (0 before a sigmoid, Lucid's choice) */
export const INIT_GREY = 0.5;

interface CommonParamSpec {
  /** mix channels through Lucid's ImageNet colour correlation (default: true for fourier, false for pixel) */
  decorrelate?: boolean;
  /** default: 'sigmoid' for fourier, 'clamp' for pixel */
  output?: OutputMap;
  /** 'noise' (default): the preimage of mid-grey plus N(0, std²) noise; 'photo': exactly the given photo */
  init?: 'noise' | 'photo';
  /** noise std in parameter space (default LUCID_INIT_STD) */
  std?: number;
}
export interface PixelParamSpec extends CommonParamSpec { kind: 'pixel' }
export interface FourierParamSpec extends CommonParamSpec {
  kind: 'fourier';
  /** spectrum scale 1/max(f, 1/max(H, W))^decay (default 1, Lucid's decay_power) */
  decay?: number;
}
/**
 * MACO: the parameters are each channel's spectrum phase [B, 3, H, W/2+1]; the magnitude is fixed (ParamInit's
 * `magnitude`, else the 1/f model of param/maco.ts). Noise init draws uniform phases.
 */
export interface MacoParamSpec extends CommonParamSpec { kind: 'maco' }
export type ParamSpec = PixelParamSpec | FourierParamSpec | MacoParamSpec;

export interface Parameterization {
  readonly spec: ParamSpec;
  /** the rendered image: [B, 3, H, W] */
  readonly dims: Dims;
  /** the initial parameters (an optimizer updates this array in place) */
  readonly params: Float32Array;
  /** parameters per batch item */
  readonly itemSize: number;
  readonly stages: readonly Stage[];
  render<T extends FloatArray>(params: T): T;
  /** the same image as render(), from stages of its own: safe to call at any time (previews), never disturbs backward() */
  image<T extends FloatArray>(params: T): T;
  /** d/d params of ⟨gradImage, render(params)⟩ at the params of the last render() */
  backward<T extends FloatArray>(gradImage: T): T;
  /** pull params back into their valid set after an optimizer step (pixel + clamp only) */
  project?(params: FloatArray): void;
}

export interface ParamInit {
  rand: () => number;
  /** for init 'photo': image01 [3, H, W] (every item starts from it) or [B, 3, H, W] */
  photo?: Float32Array;
  /** for 'maco': the fixed magnitude spectrum [3, H, W/2+1] (default: naturalMagnitude) */
  magnitude?: Float32Array;
}

export function paramStages(spec: ParamSpec, batch: number, h: number, w: number, magnitude?: Float32Array): Stage[] {
  const n = batch * 3 * h * w;
  const stages: Stage[] = [];
  const spectral = spec.kind !== 'pixel';
  if (spec.kind === 'fourier') stages.push(fourierStage(batch * 3, h, w, spec.decay ?? LUCID_FFT_DECAY));
  if (spec.kind === 'maco') stages.push(macoPhaseStage(batch * 3, h, w, magnitude ?? naturalMagnitude(h, w)), macoFourierStage(batch * 3, h, w));
  if (spec.decorrelate ?? spectral) stages.push(decorrelateStage(batch, h, w));
  const output = spec.output ?? (spectral ? 'sigmoid' : 'clamp');
  if (output === 'sigmoid') stages.push(sigmoidStage(n));
  else if (output === 'clamp') stages.push(clampStage(n));
  return stages;
}

export function createParam(spec: ParamSpec, dims: Dims, init: ParamInit): Parameterization {
  const [batch, channels, h, w] = dims;
  if (channels !== 3) throw new Error(`parameterization: images have 3 channels (RGB), got ${channels}`);
  if (!(batch >= 1 && h >= 1 && w >= 1)) throw new Error(`parameterization: bad dims ${dims.join('×')}`);
  const magnitude = spec.kind === 'maco' ? init.magnitude ?? naturalMagnitude(h, w) : undefined;
  const stages = paramStages(spec, batch, h, w, magnitude);
  const itemSize = spec.kind === 'fourier' ? spectrumSize(3, h, w) : spec.kind === 'maco' ? 3 * h * halfWidth(w) : 3 * h * w;
  const imageSize = batch * 3 * h * w;

  const render = <T extends FloatArray>(p: T): T => stages.reduce<T>((x, s) => s.forward(x), p);
  const backward = <T extends FloatArray>(g: T): T => stages.reduceRight<T>((x, s) => s.backward(x), g);
  const detached = paramStages(spec, batch, h, w, magnitude);
  const image = <T extends FloatArray>(p: T): T => detached.reduce<T>((x, s) => s.forward(x), p);
  const preimage = (img: Float32Array): Float32Array => stages.reduceRight<Float32Array>((x, s) => s.inverse(x), img);

  let params: Float32Array;
  if ((spec.init ?? 'noise') === 'photo') {
    const photo = init.photo;
    if (!photo) throw new Error('parameterization: init "photo" needs a photo');
    const one = 3 * h * w;
    if (photo.length !== one && photo.length !== imageSize) throw new Error(`parameterization: the photo must be [3, ${h}, ${w}] or [${batch}, 3, ${h}, ${w}], got ${photo.length} values`);
    const img = new Float32Array(imageSize);
    for (let b = 0; b < batch; b++) img.set(photo.length === one ? photo : photo.subarray(b * one, (b + 1) * one), b * one);
    params = preimage(img);
  } else if (spec.kind === 'maco') {
    // a random phase; the magnitude alone fixes the image's statistics
    params = new Float32Array(batch * itemSize);
    for (let i = 0; i < params.length; i++) params[i] = Math.PI * (2 * init.rand() - 1);
  } else {
    const std = spec.std ?? LUCID_INIT_STD;
    const normal = gaussian(init.rand);
    params = preimage(new Float32Array(imageSize).fill(INIT_GREY));
    for (let i = 0; i < params.length; i++) params[i] += std * normal();
  }

  const clampOnly = stages.length === 1 && stages[0]?.name === 'clamp';
  return {
    spec,
    dims: [batch, 3, h, w],
    params,
    itemSize,
    stages,
    render,
    image,
    backward,
    project: clampOnly ? (p) => { for (let i = 0; i < p.length; i++) p[i] = Math.min(1, Math.max(0, p[i])); } : undefined,
  };
}
