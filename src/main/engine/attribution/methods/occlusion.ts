// Occlusion (Zeiler & Fergus; Captum's Occlusion): slide a window over the image, fill it with a
// baseline value, and credit every covered pixel with how much the target dropped. It is feature
// ablation that only says how to build the ablated inputs: window positions follow Captum exactly
// (ceil((H − window) / stride) + 1 per axis, the last window clipped at the edge), and each pixel's
// value is the mean drop over the windows that covered it. Every copy goes through batched forward passes.
// A class target's drop is measured on its logit, or (classScore 'probability') on its softmax probability,
// computed here from the fetched logits row.
import type { ForwardRunner, Timing } from '../forward';
import { scoreOf, targetTensor } from '../forward';
import type { InputImage, ResolvedTarget, SettingsOf } from '../types';

export interface OcclusionWindows { ys: number[]; xs: number[] }

export function occlusionWindows(h: number, w: number, window: number, stride: number): OcclusionWindows {
  const axis = (size: number) => {
    const win = Math.min(window, size);
    const count = Math.ceil((size - win) / stride) + 1;
    return Array.from({ length: count }, (_, i) => i * stride);
  };
  return { ys: axis(h), xs: axis(w) };
}

export async function occlusion(
  runner: ForwardRunner,
  input: InputImage,
  target: ResolvedTarget,
  logits: string | undefined,
  s: SettingsOf<'occlusion'>,
  timing: Timing,
  label: string,
): Promise<{ map: Float32Array; shape: number[]; targetScore: number }> {
  const [, c, h, w] = input.shape;
  const { ys, xs } = occlusionWindows(h, w, s.window, s.stride);
  const positions = ys.length * xs.length;
  const fetch = targetTensor(target, logits, label);
  const probability = s.classScore === 'probability';
  if (probability && target.kind !== 'class') {
    throw new Error(`${label}: occlusion on probabilities needs a class target; ${target.kind} targets are measured on their raw value (classScore 'logit')`);
  }
  const scores = new Float64Array(positions + 1);
  // item 0 is the untouched image, item k > 0 hides window k − 1
  await runner.runBatches(positions + 1, s.batchSize, fetch, (i, dst) => {
    dst.set(input.data);
    if (i === 0) return;
    const y0 = ys[Math.floor((i - 1) / xs.length)]!, x0 = xs[(i - 1) % xs.length]!;
    const y1 = Math.min(h, y0 + s.window), x1 = Math.min(w, x0 + s.window);
    for (let ch = 0; ch < c; ch++) for (let y = y0; y < y1; y++) dst.fill(s.baselineValue, ch * h * w + y * w + x0, ch * h * w + y * w + x1);
  }, (start, n, data, dims) => {
    for (let j = 0; j < n; j++) scores[start + j] = probability ? softmaxAt(target, data, dims, j, label) : scoreOf(target, data, dims, j, label);
  }, timing);

  const total = new Float64Array(h * w), weight = new Float64Array(h * w);
  for (let k = 0; k < positions; k++) {
    const drop = scores[0]! - scores[k + 1]!;
    const y0 = ys[Math.floor(k / xs.length)]!, x0 = xs[k % xs.length]!;
    const y1 = Math.min(h, y0 + s.window), x1 = Math.min(w, x0 + s.window);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { total[y * w + x]! += drop; weight[y * w + x]! += 1; }
  }
  const map = new Float32Array(c * h * w);
  for (let i = 0; i < h * w; i++) {
    const v = weight[i]! > 0 ? total[i]! / weight[i]! : 0;
    for (let ch = 0; ch < c; ch++) map[ch * h * w + i] = v;
  }
  return { map, shape: [1, c, h, w], targetScore: scores[0]! };
}

/** p_k of batch item b: the softmax of its logits row at the target class (max-shifted, in float64). */
function softmaxAt(t: ResolvedTarget, data: Float32Array, dims: readonly number[], b: number, label: string): number {
  const logit = scoreOf(t, data, dims, b, label); // checks the class index against the row
  const per = data.length / dims[0]!;
  let max = -Infinity;
  for (let i = b * per; i < (b + 1) * per; i++) max = Math.max(max, data[i]!);
  let z = 0;
  for (let i = b * per; i < (b + 1) * per; i++) z += Math.exp(data[i]! - max);
  return Math.exp(logit - max) / z;
}
