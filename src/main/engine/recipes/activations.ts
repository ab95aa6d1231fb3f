// Recipe 'activations': one forward pass to a layer, drawn as a grid of channel maps (strongest first).
// Light: it starts at once, next to a running dream, and takes one model run.
import { EngineError } from '../../../shared/errors';
import type { Preprocess } from '../../../shared/contract';
import { encodePng } from '../image/image';
import { activationGrid, GRID_GAP } from '../image/grid';
import type { ModelRef } from '../jobs/protocol';
import { jobModelRef, photoTensor } from './inputs';
import type { Recipe } from './types';

interface Input {
  model: ModelRef;
  modelName: string;
  photoName: string;
  input: string;
  data: Float32Array;
  dims: number[];
  layer: string;
  maxChannels: number;
  preprocess: Preprocess;
  preprocessMs: number;
}

interface Output {
  png: Uint8Array;
  shape: number[];
  channels: { channel: number; mean: number; max: number }[];
  grid: { cols: number; rows: number; cell: { width: number; height: number }; gap: number; width: number; height: number };
  timings: { preprocessMs: number; sessionMs: number; runMs: number };
  provider: 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
  totalMs: number;
}

export const activationsRecipe: Recipe<'activations', Input, Output> = {
  kind: 'activations',
  heavy: false,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const info = rec.description.layers.find((l) => l.name === spec.layer);
    if (!info) throw new EngineError('no-such-layer', `${rec.name} has no layer "${spec.layer}".`);
    if (info.shape.length !== 4) throw new EngineError('not-a-feature-map', `Layer "${spec.layer}" is a vector [${info.shape.join(',')}]; activation maps need a [1,C,H,W] feature map.`);
    const { tensor, photo, preprocessMs } = await photoTensor(store, rec, spec.photoId);
    const input: Input = {
      model: jobModelRef(store, rec), modelName: rec.name, photoName: photo.name, input: rec.description.imageInput,
      data: tensor.data, dims: tensor.dims, layer: spec.layer, maxChannels: spec.maxChannels, preprocess: rec.preprocess, preprocessMs,
    };
    return { title: `Activations of ${spec.layer} on ${photo.name}`, input, transfer: [tensor.data.buffer as ArrayBuffer] };
  },

  async run(i, ctl, env) {
    const t0 = performance.now();
    ctl.progress(0.1, `running ${i.modelName}`);
    const r = await env.forward({ model: i.model, input: i.input, data: i.data, dims: i.dims, fetch: [i.layer] });
    await ctl.check();
    ctl.progress(0.8, 'drawing the activation grid');
    const act = r.outputs[i.layer]!;
    const grid = activationGrid(act.data, act.dims, i.maxChannels);
    const png = await encodePng(grid.image, {
      text: { featurescope: JSON.stringify({ kind: 'activations', model: i.modelName, modelSha256: i.model.sha, photo: i.photoName, layer: i.layer, maxChannels: i.maxChannels, preprocess: i.preprocess, input: i.input, dims: i.dims }) },
    });
    const output: Output = {
      png, shape: act.dims, channels: grid.channels, provider: r.provider,
      grid: { cols: grid.cols, rows: grid.rows, cell: grid.cell, gap: GRID_GAP, width: grid.image.width, height: grid.image.height },
      timings: { preprocessMs: i.preprocessMs, sessionMs: r.sessionMs, runMs: r.runMs },
      totalMs: performance.now() - t0 + i.preprocessMs,
    };
    return { output, transfer: [png.buffer as ArrayBuffer] };
  },

  async save(o, spec, prepared) {
    const i = prepared.input;
    return {
      run: {
        kind: 'activations', modelId: spec.modelId, photoId: spec.photoId,
        settings: { layer: spec.layer, maxChannels: spec.maxChannels, preprocess: i.preprocess, input: i.input, dims: i.dims },
        result: { layer: spec.layer, shape: o.shape, channels: o.channels, grid: o.grid, timings: o.timings },
        status: 'done', provider: o.provider, durationMs: o.totalMs,
      },
      artifacts: [{ name: 'activations.png', mime: 'image/png', bytes: o.png }],
    };
  },
};
