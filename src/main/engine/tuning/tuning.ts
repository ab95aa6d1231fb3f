// The two halves of a tuning job, shared by the recipe (the app's jobs) and the CLI (its own process):
// the host half resolves the unit (layer, channel, map position → the input pixel it is centred on, the
// stimulus size from its receptive field) and decodes the image a rotation sweep turns; the worker half
// draws the stimuli and runs them through a cut forward session of the gradient runtime, batched.
import type { ExecutionProviderName, ModelRecord } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import { tuningSettingsSchema, type TuningResult, type TuningRunSettings } from '../../../shared/tuning';
import { decodeResized, encodePng } from '../image/image';
import type { Model } from '../onnx/model';
import { imageToTensor } from '../pixels/index';
import type { ModelRef } from '../jobs/protocol';
import type { JobControl } from '../jobs/control';
import type { WorkerEnv } from '../recipes/types';
import { FieldError, receptiveField } from '../dataset/receptive-field';
import type { Canvas } from './stimuli';
import { peakOf, runSweep, sweepPlan } from './sweep';

export interface TuningInput {
  model: ModelRef;
  modelName: string;
  settings: TuningRunSettings;
  preprocess: ModelRecord['preprocess'];
  channels: 1 | 3;
  /** rotate: the image at the model's input size, RGB in [0, 1] */
  source?: Float32Array;
}

export interface TuningOutput {
  result: TuningResult;
  /** sample stimuli, one row per series (what the unit was shown) */
  stimuliPng: Uint8Array;
  provider: ExecutionProviderName;
}

/**
 * Where the unit sits: its map position (default the centre) → the input pixel its receptive field is
 * centred on, from the graph's kernels, strides and pads (../dataset/receptive-field.ts), and the field's side.
 */
export function unitPlace(model: Model, input: string, layer: string, w: number, h: number, position?: { x: number; y: number }) {
  let f: ReturnType<typeof receptiveField>;
  try {
    f = receptiveField(model, input, layer, h, w);
  } catch (e) {
    if (e instanceof FieldError) throw new EngineError('bad-args', `layer: ${e.message}`);
    throw e;
  }
  const [mh, mw] = f.mapSize;
  const pos = position ?? { x: Math.floor(mw / 2), y: Math.floor(mh / 2) };
  if (pos.x >= mw || pos.y >= mh) throw new EngineError('bad-args', `position: (${pos.x}, ${pos.y}) is outside ${layer}'s ${mw}×${mh} map at a ${w}×${h} input`);
  const centre = { x: f.offset[1] + pos.x * f.stride[1], y: f.offset[0] + pos.y * f.stride[0] };
  return { position: pos, centre, field: Math.max(...f.size), map: { height: mh, width: mw } };
}

/** The host half: settings checked against the model, the unit placed, the rotated image decoded. */
export async function prepareTuning(o: {
  rec: ModelRecord; model: Model; modelRef: ModelRef; settings: unknown; source?: { bytes: Uint8Array; name: string };
}): Promise<{ title: string; input: TuningInput; transfer: ArrayBuffer[] }> {
  const parsed = tuningSettingsSchema.safeParse(o.settings);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new EngineError('bad-args', `tuning settings: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const s = parsed.data;
  const d = o.rec.description, pre = o.rec.preprocess;
  const info = d.layers.find((l) => l.name === s.layer);
  if (!info) throw new EngineError('bad-args', `layer: ${o.rec.name} has no layer "${s.layer}"`);
  if (info.shape.length !== 4) throw new EngineError('bad-args', `layer: "${s.layer}" is [${info.shape.join(',')}], not a spatial [N,C,H,W] feature map; tuning curves need positions`);
  const c = pre.layout === 'NCHW' ? info.shape[1] : info.shape[3];
  if (typeof c === 'number' && s.channel >= c) throw new EngineError('bad-args', `channel: ${s.channel} is out of range; "${s.layer}" has ${c} channels (0–${c - 1})`);
  if (s.stimulus === 'rotate' && !o.source) throw new EngineError('bad-args', 'rotate: give the image to rotate (a photo, or a feature visualization run\'s image)');
  const input = d.imageInput;
  const { position, centre, field } = unitPlace(o.model, input, s.layer, pre.width, pre.height, s.position);
  const size = s.size ?? Math.round(Math.max(8, Math.min(field, pre.width, pre.height)));
  const fed = d.inputs.find((i) => i.name === input);
  const channels = (pre.layout === 'NCHW' ? fed?.shape[1] : fed?.shape[3]) === 1 ? 1 : 3;
  let source: Float32Array | undefined;
  if (o.source) {
    const img = await decodeResized(o.source.bytes, pre.width, pre.height, pre.resize, o.source.name);
    source = new Float32Array(img.data.length);
    for (let k = 0; k < source.length; k++) source[k] = img.data[k]! / 255;
  }
  const settings: TuningRunSettings = {
    ...s, size, position, centre, input, preprocess: pre.preset,
    dims: pre.layout === 'NCHW' ? [1, channels, pre.height, pre.width] : [1, pre.height, pre.width, channels],
    ...(o.source ? { sourceName: o.source.name } : {}),
  };
  return {
    title: `Tuning of ${s.layer}:${s.channel} — ${s.stimulus}${o.source ? ` (${o.source.name})` : ''}`,
    input: { model: o.modelRef, modelName: o.rec.name, settings, preprocess: pre, channels, ...(source ? { source } : {}) },
    transfer: source ? [source.buffer as ArrayBuffer] : [],
  };
}

/** The worker half: draw, run, read the unit. */
export async function runTuning(i: TuningInput, ctl: JobControl, env: WorkerEnv): Promise<TuningOutput> {
  const t0 = performance.now();
  const s = i.settings, pre = i.preprocess;
  const w = pre.width, h = pre.height;
  const at = { cx: s.centre.x, cy: s.centre.y, size: s.size };
  const source: Canvas | undefined = i.source ? { width: w, height: h, data: i.source } : undefined;
  const plan = sweepPlan(s.stimulus, w, h, at, s.steps, source);
  const total = plan.series.length * plan.x.values.length * (plan.y?.values.length ?? 1) * plan.per;
  const batch = Math.min(s.batch, total);
  const lm = env.model(i.model);
  const inputSize = i.channels * w * h;
  const shape = pre.layout === 'NCHW' ? [batch, i.channels, h, w] : [batch, h, w, i.channels];
  ctl.progress(0, `preparing a forward session to ${s.layer}`);
  const session = await env.gradients.forward({ model: { model: lm.model, sha: i.model.sha }, input: s.input, shape, fetch: [s.layer], label: `tuning ${s.layer}` });
  const sessionMs = session.fresh ? session.createMs : 0;
  let outcome;
  try {
    outcome = await runSweep(plan, {
      channel: s.channel, position: s.position, batch, inputSize, ctl,
      toInput: (cv, out, offset) => {
        // [0, 1] → the image module's 0..255, then the one pixel-space map (a plain loop: Float32Array.from
        // with a mapping function took ~100 ms per 224² image, measured, more than the model's forward pass)
        const px = new Float32Array(cv.data.length);
        for (let k = 0; k < px.length; k++) px[k] = cv.data[k]! * 255;
        out.set(imageToTensor({ width: cv.width, height: cv.height, data: px }, pre, i.channels).data, offset);
      },
      forward: async (data, n) => {
        // the last batch is padded to the session's size: one session, no second compile
        const full = n === batch ? data : (() => { const f = new Float32Array(batch * inputSize); f.set(data); return f; })();
        const got = await session.run(full);
        return got[s.layer]!;
      },
    });
  } finally {
    await session.release();
  }
  const result: TuningResult = {
    stimulus: s.stimulus, x: plan.x, ...(plan.y ? { y: plan.y } : {}), series: outcome.series, map: outcome.map,
    peak: peakOf(plan, outcome.series), images: outcome.images,
    timings: { totalMs: performance.now() - t0, drawMs: outcome.drawMs, runMs: outcome.runMs, sessionMs },
  };
  const stimuliPng = await stimulusStrip(plan, at);
  return { result, stimuliPng, provider: env.placement().provider };
}

/** Up to 12 stimuli per series (middle row of a 2-D sweep), cropped around the unit, 64 px each. */
async function stimulusStrip(plan: ReturnType<typeof sweepPlan>, at: { cx: number; cy: number; size: number }): Promise<Uint8Array> {
  const nx = plan.x.values.length, cols = Math.min(12, nx), cell = 64;
  const yi = Math.floor((plan.y?.values.length ?? 1) / 2);
  const out = new Float32Array(cols * cell * plan.series.length * cell * 3);
  const W = cols * cell;
  for (let s = 0; s < plan.series.length; s++) {
    for (let c = 0; c < cols; c++) {
      const cv = plan.draw(s, Math.floor((c * nx) / cols), yi, 0);
      const half = Math.max(4, at.size * 0.65);
      for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) {
        const sx = Math.round(at.cx - half + ((x + 0.5) / cell) * 2 * half), sy = Math.round(at.cy - half + ((y + 0.5) / cell) * 2 * half);
        const inside = sx >= 0 && sy >= 0 && sx < cv.width && sy < cv.height;
        for (let k = 0; k < 3; k++) out[((s * cell + y) * W + c * cell + x) * 3 + k] = inside ? cv.data[(sy * cv.width + sx) * 3 + k]! * 255 : 128;
      }
    }
  }
  return encodePng({ width: W, height: plan.series.length * cell, data: out });
}
