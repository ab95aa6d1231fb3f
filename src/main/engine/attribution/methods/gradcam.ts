// Grad-CAM (Selvaraju et al. 2017): weight each channel of a layer by the spatial mean of the
// target's gradient there, sum, ReLU, and upsample bilinearly to the input (as pytorch-grad-cam does;
// Captum's LayerGradCam + interpolate computes the same before its choice of upsampling).
import { resizeBilinear } from '../numeric';
import type { GradPlan } from './plan';

export interface CamOutput { cam: Float32Array; h: number; w: number }

export function gradCamPlan(x: Float32Array, layer: string, inputH: number, inputW: number, label: string): GradPlan & { layerMap(): CamOutput } {
  let result: CamOutput | undefined;
  return {
    sampleCount: 1,
    needsInputGrad: false,
    fill: (_i, dst) => dst.set(x),
    take: (_i, r) => {
      const l = r.layers[layer];
      if (!l) throw new Error(`${label}: the gradient session returned no activations for "${layer}"`);
      if (l.dims.length !== 3) {
        throw new Error(`${label}: Grad-CAM needs a convolutional layer shaped [N,C,H,W]; "${layer}" is [N,${l.dims.join(',')}]`);
      }
      const [k, h, w] = l.dims as [number, number, number];
      const cam = new Float32Array(h * w);
      for (let ch = 0; ch < k; ch++) {
        let alpha = 0;
        for (let i = 0; i < h * w; i++) alpha += l.grad[ch * h * w + i]!;
        alpha /= h * w;
        if (alpha === 0) continue;
        for (let i = 0; i < h * w; i++) cam[i]! += alpha * l.act[ch * h * w + i]!;
      }
      for (let i = 0; i < h * w; i++) if (cam[i]! < 0) cam[i] = 0;
      result = { cam, h, w };
    },
    scoreImages: [],
    finish: () => {
      if (!result) throw new Error(`${label}: Grad-CAM got no gradient`);
      return { map: resizeBilinear(result.cam, result.h, result.w, inputH, inputW) };
    },
    layerMap: () => {
      if (!result) throw new Error(`${label}: Grad-CAM got no gradient`);
      return result;
    },
  };
}
