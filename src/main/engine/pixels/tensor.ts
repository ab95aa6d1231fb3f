// A photo at the model's size (the image module's float RGB, already resized) ↔ the model's input
// tensor, through the preprocessing's pixel space (the one map in src/shared/pixels.ts) and layout.
import type { Preprocess } from '../../../shared/contract';
import { affine } from '../../../shared/pixels';
import type { RgbImage } from '../image/image';

export interface ModelTensor {
  data: Float32Array;
  dims: number[];
}

/** An RGB image already at width×height → [1,3,H,W] or [1,H,W,3] float tensor (1 channel: luma). */
export function imageToTensor(img: RgbImage, p: Preprocess, channels: 1 | 3 = 3): ModelTensor {
  if (img.width !== p.width || img.height !== p.height) {
    throw new Error(`imageToTensor: image is ${img.width}×${img.height} but preprocessing expects ${p.width}×${p.height}; resize first`);
  }
  const { scale, offset, source } = affine(p);
  const hw = p.width * p.height;
  const out = new Float32Array(hw * channels);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < channels; c++) {
      const px = channels === 1
        ? 0.299 * img.data[i * 3]! + 0.587 * img.data[i * 3 + 1]! + 0.114 * img.data[i * 3 + 2]!
        : img.data[i * 3 + source[c]!]!;
      const v = px * scale[c]! + offset[c]!;
      if (p.layout === 'NCHW') out[c * hw + i] = v;
      else out[i * channels + c] = v;
    }
  }
  return { data: out, dims: p.layout === 'NCHW' ? [1, channels, p.height, p.width] : [1, p.height, p.width, channels] };
}

/** The inverse of imageToTensor: a model-space tensor (batch 0) back to RGB pixels 0..255 (unclamped). */
export function tensorToImage(t: ModelTensor, p: Preprocess): RgbImage {
  const [, a, b, c] = t.dims as [number, number, number, number];
  const channels = p.layout === 'NCHW' ? a : c;
  const height = p.layout === 'NCHW' ? b : a;
  const width = p.layout === 'NCHW' ? c : b;
  const { scale, offset, source } = affine(p);
  const hw = width * height;
  const data = new Float32Array(hw * 3);
  for (let i = 0; i < hw; i++) {
    for (let k = 0; k < 3; k++) {
      const mc = channels === 1 ? 0 : k;
      const v = p.layout === 'NCHW' ? t.data[mc * hw + i]! : t.data[i * channels + mc]!;
      // model channel k holds RGB channel source[k]
      data[i * 3 + (channels === 1 ? k : source[k]!)] = (v - offset[mc]!) / scale[mc]!;
    }
  }
  return { width, height, data };
}
